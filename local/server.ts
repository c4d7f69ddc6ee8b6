/**
 * The local HTTP server: the same Hono app the `api` Lambda serves, on node:http. It composes the
 * app as the api function does: the use cases from the local repositories, then the app.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '#adapters/http/app.ts';
import { type Authenticate, bearerToken } from '#adapters/http/auth.ts';
import { openApiJson } from '#adapters/http/openapi.ts';
import type { ExchangeSignInCode } from '#adapters/http/routes/signin.ts';
import { signInRoutes } from '#adapters/http/routes/signin.ts';
import type { StaticFiles } from '#adapters/http/static.ts';
import { mountStatic } from '#adapters/http/static.ts';
import { cachingVerifier } from '#adapters/jwt.ts';
import { type ApiParts, apiUseCases } from '#app/api.ts';

export function localAuthenticator(secret: Uint8Array): Authenticate {
  const verify = cachingVerifier(secret);
  return async (c) => {
    const token = bearerToken(c);
    return token ? verify(token) : null;
  };
}

/** What the server is built from: the use cases' parts, how callers are authenticated, and HTTP settings. */
export interface ServerParts extends ApiParts {
  authenticate: Authenticate;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
  /** The console's sign-in codes and files (the local runtime serves the console at `/`). */
  exchangeSignInCode?: ExchangeSignInCode;
  staticFiles?: StaticFiles;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startServer(parts: ServerParts, port: number, hostname = '127.0.0.1'): Promise<RunningServer> {
  const { authenticate, corsOrigin, maxBodyBytes, exchangeSignInCode, staticFiles } = parts;
  const app = createApp({
    openApiDocument: openApiJson,
    useCases: apiUseCases(parts),
    clock: parts.clock,
    authenticate,
    log: parts.log,
    ...(corsOrigin !== undefined ? { corsOrigin } : {}),
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
    ...(exchangeSignInCode ? { localRoutes: signInRoutes(exchangeSignInCode) } : {}),
    ...(staticFiles ? { mountLocal: (app: Parameters<typeof mountStatic>[0]) => mountStatic(app, staticFiles) } : {}),
  });
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
