/** What the HTTP app is given: the routes it serves (with their use cases bound), auth and logging. */

import type { Hono } from 'hono/tiny';
import type { Logger } from '#ports/logger.ts';
import type { AppEnv, Authenticate } from './auth.ts';
import type { Route } from './route.ts';

export interface ApiDeps {
  /**
   * The routes served: one group behind each Lambda (routes/index.ts), all of them in the local server,
   * plus, there, the local sign-in route (POST /auth/exchange; in AWS Cognito signs users in).
   */
  routes: readonly Route[];
  authenticate: Authenticate;
  log: Logger;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
  /** What only the local runtime adds to the app: the operator console's files at `/` and `/docs` (in AWS CloudFront serves them). */
  mountLocal?: (app: Hono<AppEnv>) => void;
  /**
   * The OpenAPI document of the whole API, as JSON text, asked for once; without it the app does not
   * serve `/openapi.json` (only the api Lambda and the local server do). The local server generates it
   * (openapi.ts); the api Lambda reads the copy generated at build time beside its bundle
   * (infra/openapi-file.ts), which keeps the generator and zod's JSON Schema out of the bundle.
   */
  openApiDocument?: () => string;
}
