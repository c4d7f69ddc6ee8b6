/**
 * The HTTP API behind API Gateway HTTP API: the same Hono app as the local server, composed here
 * from the AWS adapters (the use cases, then the app). The gateway's JWT authorizer has verified
 * the Cognito token; the app reads the principal from the claims it passes on
 * (`requestContext.authorizer.jwt.claims`), roles from `cognito:groups`; a site agent's
 * client-credentials token by its `client_id`, from the client → site map the stack sets
 * (`AGENT_CLIENTS`, `<clientId>=<siteId>,…`).
 */
import { readFileSync } from 'node:fs';
import type { Context } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createApp } from '#adapters/http/app.ts';
import type { Authenticate } from '#adapters/http/auth.ts';
import { type ClaimOptions, principalFromClaims } from '#adapters/jwt.ts';
import { apiUseCases } from '#app/api.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { invocation } from '../shared/lambda.ts';
import { parseEnv } from '../shared/settings.ts';
import { Env } from './contract.ts';

/** The OpenAPI document, written beside the bundle at build time (infra/openapi-file.ts). */
const OPENAPI_FILE = new URL('./openapi.json', import.meta.url);

interface GatewayEnv {
  event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } };
}

/** The caller as the gateway's authorizer saw it; null when the route reached us without claims. */
export function gatewayAuthenticator(opts: ClaimOptions = {}): Authenticate {
  return async (c: Context) => {
    const claims = (c.env as GatewayEnv | undefined)?.event?.requestContext?.authorizer?.jwt?.claims;
    return claims && typeof claims === 'object' ? principalFromClaims(claims, opts) : null;
  };
}

function build() {
  const env = parseEnv(Env, process.env, 'api');
  const p = awsParts('api');
  const useCases = apiUseCases({ sites: p.sites, ...p.repos, publisher: p.publisher, clock: systemClock, log: p.log });
  const app = createApp({
    openApiDocument: () => readFileSync(OPENAPI_FILE, 'utf8'),
    useCases,
    clock: systemClock,
    authenticate: gatewayAuthenticator({ agentClients: env.AGENT_CLIENTS }),
    log: p.log,
    ...(env.CORS_ORIGIN ? { corsOrigin: env.CORS_ORIGIN } : {}),
  });
  return handle(app);
}

let lambda: ReturnType<typeof build> | undefined;

/** Built on the first invocation and kept for the container's life. */
export const handler: ReturnType<typeof build> = (event, context) =>
  invocation('api', context, async () => {
    lambda ??= build();
    return lambda(event, context);
  });
