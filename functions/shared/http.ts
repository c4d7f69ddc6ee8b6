/**
 * What the three Lambdas behind the HTTP API share (shared/adapters/http/gateway.ts says which
 * answers what): the caller as the gateway's JWT authorizer saw it, and the Lambda handler around
 * the Hono app, built on the first invocation and kept for the container's life.
 */
import type { Context } from 'hono';
import { handle } from 'hono/aws-lambda';
import type { createApp } from '#adapters/http/app.ts';
import type { Authenticate } from '#adapters/http/auth.ts';
import type { HttpLambda } from '#adapters/http/gateway.ts';
import { type ClaimOptions, principalFromClaims } from '#adapters/jwt.ts';
import { invocation } from './lambda.ts';

interface GatewayEnv {
  event?: { requestContext?: { authorizer?: { jwt?: { claims?: Record<string, unknown> } } } };
}

/**
 * The caller from the claims the gateway's authorizer verified (`requestContext.authorizer.jwt.claims`):
 * roles from `cognito:groups`; a site agent's client-credentials token by its `client_id`, through the
 * client → site map. Null when the route reached the Lambda without claims (the public routes).
 */
export function gatewayAuthenticator(opts: ClaimOptions = {}): Authenticate {
  return async (c: Context) => {
    const claims = (c.env as GatewayEnv | undefined)?.event?.requestContext?.authorizer?.jwt?.claims;
    return claims && typeof claims === 'object' ? principalFromClaims(claims, opts) : null;
  };
}

type LambdaHandler = ReturnType<typeof handle>;

/** The Lambda handler serving the app `build` composes, built on the first invocation. */
export function httpHandler(name: HttpLambda, build: () => ReturnType<typeof createApp>): LambdaHandler {
  let lambda: LambdaHandler | undefined;
  return (event, context) =>
    invocation(name, context, async () => {
      lambda ??= handle(build());
      return lambda(event, context);
    });
}
