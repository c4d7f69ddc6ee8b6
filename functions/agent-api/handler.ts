/**
 * The site agents' HTTP API behind API Gateway HTTP API: the dispatch plan they poll and the
 * telemetry they post (DESIGN §9), behind the agent authorizer (infra/api.ts). An agent signs in
 * with its site's client-credentials token; the stack gives this function the client id → site
 * map (`AGENT_CLIENTS`, `<clientId>=<siteId>,…`) and a token acts only for its client's site.
 */
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createApp } from '#adapters/http/app.ts';
import { agentRoutes } from '#adapters/http/routes/agent.ts';
import { agentUseCases } from '#app/api.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { gatewayAuthenticator, httpHandler } from '../shared/http.ts';
import { parseEnv } from '../shared/settings.ts';
import { Env } from './contract.ts';

export const handler = httpHandler('agent-api', () => {
  const env = parseEnv(Env, process.env, 'agent-api');
  const p = awsParts('agent-api', dynamoRepositories);
  const useCases = agentUseCases({ sites: p.sites, ...p.repos, publisher: p.publisher, clock: systemClock, log: p.log });
  return createApp({
    routes: agentRoutes(useCases),
    authenticate: gatewayAuthenticator({ agentClients: env.AGENT_CLIENTS }),
    log: p.log,
  });
});
