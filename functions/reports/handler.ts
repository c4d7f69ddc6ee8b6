/**
 * The finance reads behind API Gateway HTTP API: the audit trail, the P&L, the day-ahead bids, the
 * sites' actuals and deployment performance (shared/adapters/http/gateway.ts routes them here).
 * Reads only: it publishes nothing, and an export's long scan does not hold the desk's Lambda.
 */
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createApp } from '#adapters/http/app.ts';
import { reportRoutes } from '#adapters/http/routes/reports.ts';
import { reportUseCases } from '#app/api.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { gatewayAuthenticator, httpHandler } from '../shared/http.ts';
import { parseEnv } from '../shared/settings.ts';
import { Env } from './contract.ts';

export const handler = httpHandler('reports', () => {
  const env = parseEnv(Env, process.env, 'reports');
  const p = awsParts('reports', dynamoRepositories);
  const useCases = reportUseCases({ sites: p.sites, ...p.repos, publisher: p.publisher, clock: systemClock, log: p.log });
  return createApp({
    routes: reportRoutes(useCases),
    authenticate: gatewayAuthenticator(),
    log: p.log,
    ...(env.CORS_ORIGIN ? { corsOrigin: env.CORS_ORIGIN } : {}),
  });
});
