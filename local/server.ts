/** The local HTTP server: the same Hono app the `api` Lambda serves, on node:http. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { cachingVerifier } from '#adapters/jwt.ts';
import { bearerToken, type Authenticate } from '#adapters/http/auth.ts';
import { createApp, type ApiDeps } from '#adapters/http/app.ts';

export function localAuthenticator(secret: Uint8Array): Authenticate {
  const verify = cachingVerifier(secret);
  return async (c) => {
    const token = bearerToken(c);
    return token ? verify(token) : null;
  };
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(deps: ApiDeps, port: number, hostname = '127.0.0.1'): Promise<RunningServer> {
  const app = createApp(deps);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname }, () => resolve(s as Server));
    (s as Server).once('error', reject);
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${hostname}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
