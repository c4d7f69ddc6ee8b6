/** What the HTTP app is given: the use cases it serves, the clock its views read, auth and logging. */

import type { Hono } from 'hono/tiny';
import type { ApiUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { AppEnv, Authenticate } from './auth.ts';
import type { Route } from './route.ts';

export interface ApiDeps {
  useCases: ApiUseCases;
  /** "Now" for what the views derive from it (an override's `active`) and for a run with no `at`. */
  clock: Clock;
  authenticate: Authenticate;
  log: Logger;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
  /** Routes only the local runtime serves (its one-time sign-in, POST /auth/exchange); none in AWS, where Cognito signs users in. */
  localRoutes?: readonly Route[];
  /** What only the local runtime adds to the app: the operator console's files at `/` and `/docs` (in AWS CloudFront serves them). */
  mountLocal?: (app: Hono<AppEnv>) => void;
  /**
   * The OpenAPI document of the routes, as JSON text, asked for once. The local server generates it
   * (openapi.ts); the api Lambda reads the copy generated at build time beside its bundle
   * (infra/openapi-file.ts), which keeps the generator and zod's JSON Schema out of the bundle.
   */
  openApiDocument: (routes: readonly Route[]) => string;
}
