/** Bearer-token authentication and route-level role checks (DESIGN §5). */
import type { Context, MiddlewareHandler } from 'hono';
import type { Principal, Role } from '#adapters/jwt.ts';
import { problem } from './problems.ts';

/** Resolves the caller: locally by verifying the JWT, in AWS from the authorizer's claims. */
export type Authenticate = (c: Context) => Promise<Principal | null>;

export type AppEnv = { Variables: { principal: Principal } };

/** Every role that reads the engine's records: the people's roles (an agent reads only its own site's plan). */
export const ALL_ROLES: readonly Role[] = ['trader', 'finance', 'admin', 'operator'];

export function bearerToken(c: Context): string | null {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  return m ? m[1]! : null;
}

/**
 * 401 without a valid token, 403 when the caller has none of the roles, or when the caller is
 * limited to sites (an agent) and the route names another site (`{siteId}` in the path) or none.
 */
export function requireRole(authenticate: Authenticate, roles: readonly Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    let principal: Principal | null;
    try {
      principal = await authenticate(c);
    } catch {
      principal = null;
    }
    if (!principal) return problem(c, 401, 'a valid bearer token is required', undefined, { 'www-authenticate': 'Bearer' });
    if (!principal.roles.some((r) => roles.includes(r))) {
      return problem(c, 403, `this needs one of the roles ${roles.join(', ')}; the token has ${principal.roles.join(', ') || 'none'}`);
    }
    if (principal.sites) {
      const siteId = c.req.param('siteId');
      if (siteId === undefined || !principal.sites.includes(siteId)) {
        const allowed = principal.sites.join(', ') || 'none';
        return problem(c, 403, `this token may act only for the sites ${allowed}`, [
          { path: 'siteId', message: 'is not a site of this token' },
        ]);
      }
    }
    c.set('principal', principal);
    await next();
  };
}
