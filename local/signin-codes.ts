/**
 * One-time sign-in codes for the local console. `switchyard start` prints a link carrying one; the
 * console redeems it once at POST /auth/exchange for a bearer token, so no token or secret is typed into
 * the browser. Codes live in this process's memory only, for a few minutes.
 */
import { randomBytes } from 'node:crypto';
import type { ExchangeSignInCode, SignedIn } from '#adapters/http/routes/signin.ts';
import { mintToken, type Role } from '#adapters/jwt.ts';

export const CODE_LIFETIME_MS = 10 * 60_000;
/** The console's token: a working day, kept in the tab's sessionStorage (never localStorage). */
export const CONSOLE_TOKEN_SECONDS = 8 * 3600;

export interface SignInCodes {
  /** A fresh code for a user with these roles. */
  issue(user: string, roles: readonly Role[]): string;
  exchange: ExchangeSignInCode;
}

/** `nowMs` times the codes' lifetime (a test moves it). */
export function signInCodes(secret: Uint8Array, nowMs: () => number = Date.now): SignInCodes {
  const pending = new Map<string, { user: string; roles: readonly Role[]; expiresMs: number }>();
  return {
    issue(user, roles) {
      const now = nowMs();
      for (const [k, v] of pending) if (v.expiresMs <= now) pending.delete(k);
      const code = randomBytes(24).toString('base64url');
      pending.set(code, { user, roles, expiresMs: now + CODE_LIFETIME_MS });
      return code;
    },
    async exchange(code): Promise<SignedIn | null> {
      const entry = pending.get(code);
      // Once only, whatever happens next.
      pending.delete(code);
      const now = nowMs();
      if (!entry || entry.expiresMs <= now) return null;
      // The token is checked against the real clock (jose), so it is minted by it too.
      const issuedMs = Date.now();
      const token = await mintToken(secret, entry.user, entry.roles, CONSOLE_TOKEN_SECONDS, issuedMs);
      return {
        token,
        user: entry.user,
        roles: [...entry.roles],
        expiresAt: new Date(issuedMs + CONSOLE_TOKEN_SECONDS * 1000).toISOString(),
      };
    },
  };
}
