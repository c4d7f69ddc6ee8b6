/** What the HTTP app is given: the use cases it serves, the clock its views read, auth and logging. */
import type { ApiUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import type { Authenticate } from './auth.ts';
import type { ExchangeSignInCode } from './routes/signin.ts';
import type { StaticFiles } from './static.ts';

export interface ApiDeps {
  useCases: ApiUseCases;
  /** "Now" for what the views derive from it (an override's `active`) and for a run with no `at`. */
  clock: Clock;
  authenticate: Authenticate;
  log: Logger;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
  /** The local runtime's one-time sign-in codes (POST /auth/exchange); absent in AWS, where Cognito signs users in. */
  exchangeSignInCode?: ExchangeSignInCode;
  /** The operator console's files, served at `/` and `/docs` (the local runtime; in AWS CloudFront serves them). */
  staticFiles?: StaticFiles;
}
