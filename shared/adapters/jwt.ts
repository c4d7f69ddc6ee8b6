/**
 * Bearer tokens. Locally: HS256 JWTs signed with a secret under $SWITCHYARD_HOME, minted by
 * `switchyard token`. In AWS, API Gateway's JWT authorizer has verified the Cognito token and the
 * handler reads the claims it passes on. Roles come from the groups claim either way.
 */
import { SignJWT, jwtVerify } from 'jose';

export const ROLES = ['trader', 'finance', 'admin', 'operator'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  user: string;
  roles: Role[];
}

export const ISSUER = 'switchyard-local';
export const AUDIENCE = 'switchyard-api';

/** The longest lifetime a local token may have (what `switchyard token --ttl-hours` allows): 30 days. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

export async function mintToken(secret: Uint8Array, user: string, roles: readonly Role[], ttlSeconds = 12 * 3600, nowMs = Date.now()): Promise<string> {
  const iat = Math.floor(nowMs / 1000);
  return new SignJWT({ 'cognito:groups': [...roles], username: user })
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
export function cachingVerifier(secret: Uint8Array, options: { maxEntries?: number; nowMs?: () => number } = {}): (token: string) => Promise<Principal | null> {
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

/** Roles from `cognito:groups` (an array, or API Gateway's "[a b]" string rendering of it). */
export function principalFromClaims(claims: Record<string, unknown>): Principal | null {
  const raw = claims['cognito:groups'] ?? claims.groups;
  let groups: string[] = [];
  if (Array.isArray(raw)) groups = raw.map(String);
  else if (typeof raw === 'string') groups = raw.replace(/^\[|\]$/g, '').split(/[\s,]+/).filter(Boolean);
  const user = String(claims.username ?? claims['cognito:username'] ?? claims.sub ?? '');
  if (!user) return null;
  return { user, roles: groups.filter((g): g is Role => (ROLES as readonly string[]).includes(g)) };
}
