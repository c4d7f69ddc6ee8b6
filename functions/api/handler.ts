/**
 * The HTTP API behind API Gateway HTTP API: the same Hono app as the local server, composed here
 * from the AWS adapters (the use cases, then the app). The gateway's JWT authorizer has verified
 * the Cognito token; the app reads the principal from the claims it passes on
 * (`requestContext.authorizer.jwt.claims`), roles from `cognito:groups`.
 */
import type { Context } from 'hono';
import { handle } from 'hono/aws-lambda';
import { createApp } from '#adapters/http/app.ts';
import type { Authenticate } from '#adapters/http/auth.ts';
import { principalFromClaims } from '#adapters/jwt.ts';
import { apiUseCases } from '#app/api.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { invocation } from '../shared/lambda.ts';

interface GatewayEnv {
  event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } };
}

/** The caller as the gateway's authorizer saw it; null when the route reached us without claims. */
export const gatewayAuthenticator: Authenticate = async (c: Context) => {
  const claims = (c.env as GatewayEnv | undefined)?.event?.requestContext?.authorizer?.jwt?.claims;
  return claims && typeof claims === 'object' ? principalFromClaims(claims) : null;
};

function build() {
  const p = awsParts('api');
  const useCases = apiUseCases({ sites: p.sites, ...p.repos, publisher: p.publisher, clock: systemClock, log: p.log });
  const app = createApp({
    useCases,
    clock: systemClock,
    authenticate: gatewayAuthenticator,
    log: p.log,
    ...(process.env.CORS_ORIGIN ? { corsOrigin: process.env.CORS_ORIGIN } : {}),
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
