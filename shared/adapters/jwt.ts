/**
 * Bearer tokens. Locally: HS256 JWTs signed with a secret under $SWITCHYARD_HOME, minted by
 * `switchyard token`. In AWS, API Gateway's JWT authorizer has verified the Cognito token and the
 * handler reads the claims it passes on. Roles come from the groups claim either way.
 */
import { jwtVerify, SignJWT } from 'jose';

/** The roles people hold (Cognito groups in AWS). */
export const HUMAN_ROLES = ['trader', 'finance', 'admin', 'operator'] as const;
/** Every role; `agent` is a site's machine credential, limited to the sites its token names. */
export const ROLES = [...HUMAN_ROLES, 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  user: string;
  roles: Role[];
  /** The only sites this caller may act for (an agent's); absent for a caller not limited to sites. */
  sites?: string[];
}

/** The scope an agent's machine token carries in AWS (a Cognito resource server `switchyard`, scope `agent`). */
export const AGENT_SCOPE = 'switchyard/agent';

export const ISSUER = 'switchyard-local';
export const AUDIENCE = 'switchyard-api';

/** The longest lifetime a local token may have (what `switchyard token --ttl-hours` allows): 30 days. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

/** A local token; `sites` limits it to those sites (required in practice for an agent: without it, an agent may act for none). */
export async function mintToken(
  secret: Uint8Array,
  user: string,
  roles: readonly Role[],
  ttlSeconds = 12 * 3600,
  nowMs = Date.now(),
  sites?: readonly string[],
): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ 'cognito:groups': [...roles], username: user, ...(sites ? { sites: [...sites] } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(user)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(secret);
}

/**
 * The principal of a verified token; null when the token is missing, malformed, badly signed, expired, has no
 * expiry or issue time, was issued in the future, or lives longer than {@link MAX_TOKEN_LIFETIME_SECONDS}.
 */
export async function verifyToken(secret: Uint8Array, token: string): Promise<Principal | null> {
  return (await verified(secret, token))?.principal ?? null;
}

/** The principal and expiry (ms) of a verified token; null as for `verifyToken`. */
async function verified(secret: Uint8Array, token: string): Promise<{ principal: Principal; expMs: number } | null> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
      // Also refuses an `iat` in the future: local tokens are minted on the machine that verifies them.
      maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
    });
    const { exp, iat } = payload as { exp: number; iat: number };
    if (exp - iat > MAX_TOKEN_LIFETIME_SECONDS) return null;
    const principal = principalFromClaims(payload as Record<string, unknown>);
    return principal && { principal, expMs: exp * 1000 };
  } catch {
    return null;
  }
}

/**
 * `verifyToken` with a memory of the tokens it has verified, each until it expires: a desk's
 * dashboard sends the same token with every request, and an HMAC check plus JSON parsing per
 * request is most of what a small read costs besides the store. The same bytes verify the same
 * way, so a remembered token is as good as a checked one; failures are not remembered.
 */
export function cachingVerifier(
  secret: Uint8Array,
  options: { maxEntries?: number; nowMs?: () => number } = {},
): (token: string) => Promise<Principal | null> {
  const maxEntries = options.maxEntries ?? 1024;
  const now = options.nowMs ?? Date.now;
  const remembered = new Map<string, { principal: Principal; expMs: number }>();
  return async (token) => {
    const hit = remembered.get(token);
    if (hit) {
      if (hit.expMs > now()) return hit.principal;
      remembered.delete(token);
    }
    const v = await verified(secret, token);
    if (v) {
      if (remembered.size >= maxEntries) remembered.delete(remembered.keys().next().value!);
      remembered.set(token, { principal: v.principal, expMs: v.expMs });
    }
    return v?.principal ?? null;
  };
}

/** A claim that lists names: an array, or API Gateway's "[a b]" string rendering of one. */
function listClaim(raw: unknown): string[] {
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string')
    return raw
      .replace(/^\[|\]$/g, '')
      .split(/[\s,]+/)
      .filter(Boolean);
  return [];
}

/** How machine tokens are recognised in AWS: the agent app client of each site (client id → site id). */
export interface ClaimOptions {
  agentClients?: Readonly<Record<string, string>>;
}

/**
 * The caller of a token's claims. People: roles from `cognito:groups`. A Cognito client-credentials
 * token has no user and no groups: it is an agent when it carries {@link AGENT_SCOPE} and its
 * `client_id` is a site's agent client, limited to that site. Locally, the `sites` claim limits a token.
 */
export function principalFromClaims(claims: Record<string, unknown>, opts: ClaimOptions = {}): Principal | null {
  const clientId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
  if (clientId !== undefined && claims.username === undefined && listClaim(claims.scope).includes(AGENT_SCOPE)) {
    const site = opts.agentClients?.[clientId];
    return site === undefined ? null : { user: `agent:${site}`, roles: ['agent'], sites: [site] };
  }
  const groups = listClaim(claims['cognito:groups'] ?? claims.groups);
  const user = String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? '');
  if (!user) return null;
  const roles = groups.filter((g): g is Role => (ROLES as readonly string[]).includes(g));
  // An agent is always limited to sites: without the claim, to none.
  const limited = claims.sites !== undefined || roles.includes('agent');
  return { user, roles, ...(limited ? { sites: listClaim(claims.sites) } : {}) };
}
