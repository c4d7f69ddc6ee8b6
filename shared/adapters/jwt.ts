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

/** The principal of a verified token; null when the token is missing, malformed, expired or badly signed. */
export async function verifyToken(secret: Uint8Array, token: string): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    return principalFromClaims(payload as Record<string, unknown>);
  } catch {
    return null;
  }
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
