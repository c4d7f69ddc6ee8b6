/**
 * The local HTTP server: the same Hono app the HTTP Lambdas serve, on node:http, with all their
 * routes in one. It composes the app as they do: the use cases from the local repositories, then the app.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from '#adapters/http/app.ts';
import { type Authenticate, bearerToken } from '#adapters/http/auth.ts';
import { openApiJson } from '#adapters/http/openapi.ts';
import { apiRoutes } from '#adapters/http/routes/index.ts';
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
  // All three of the gateway's groups in one app, and the local sign-in.
  const routes = apiRoutes({
    useCases: apiUseCases(parts),
    clock: parts.clock,
    ...(exchangeSignInCode ? { localRoutes: signInRoutes(exchangeSignInCode) } : {}),
  });
  const app = createApp({
    routes,
    openApiDocument: () => openApiJson(routes),
    authenticate,
    log: parts.log,
    ...(corsOrigin !== undefined ? { corsOrigin } : {}),
    ...(maxBodyBytes !== undefined ? { maxBodyBytes } : {}),
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
