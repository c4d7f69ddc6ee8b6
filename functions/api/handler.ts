/**
 * The desk's HTTP API behind API Gateway HTTP API: decisions, overrides, runs, sites and health,
 * and the OpenAPI document of the whole API (the reports and the site agents have Lambdas of their
 * own: shared/adapters/http/gateway.ts). The same Hono app as the local server, composed here from
 * the AWS adapters: the desk's use cases, then its routes.
 */

import { readFileSync } from 'node:fs';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createApp } from '#adapters/http/app.ts';
import { deskRoutes } from '#adapters/http/routes/desk.ts';
import { deskUseCases } from '#app/api.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { gatewayAuthenticator, httpHandler } from '../shared/http.ts';
import { parseEnv } from '../shared/settings.ts';
import { Env } from './contract.ts';

/** The OpenAPI document, written beside the bundle at build time (infra/openapi-file.ts). */
const OPENAPI_FILE = new URL('./openapi.json', import.meta.url);

export const handler = httpHandler('api', () => {
  const env = parseEnv(Env, process.env, 'api');
  const p = awsParts('api', dynamoRepositories);
  const useCases = deskUseCases({ sites: p.sites, ...p.repos, publisher: p.publisher, clock: systemClock, log: p.log });
  return createApp({
    routes: deskRoutes(useCases, systemClock),
    openApiDocument: () => readFileSync(OPENAPI_FILE, 'utf8'),
    authenticate: gatewayAuthenticator(),
    log: p.log,
    ...(env.CORS_ORIGIN ? { corsOrigin: env.CORS_ORIGIN } : {}),
  });
});
