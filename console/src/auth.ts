/**
 * Signing in. Locally: the one-time code of the link `switchyard start` printed, exchanged at
 * POST /auth/exchange. In AWS: Cognito's hosted UI with the authorization code grant and PKCE (S256),
 * a public client with no secret; the verifier lives in sessionStorage for the round trip only.
 */
import { ApiError, type Session } from './api.ts';
import type { ConsoleConfig } from './config.ts';

const PKCE_KEY = 'switchyard.pkce';

function base64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomString = (n: number) => base64url(crypto.getRandomValues(new Uint8Array(n)));

export async function exchangeLocalCode(config: ConsoleConfig, code: string): Promise<Session> {
  const res = await fetch(`${config.apiUrl}/auth/exchange`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
  });
  const body = (await res.json()) as Session & { detail?: string };
  if (!res.ok) throw new ApiError(res.status, body.detail ?? 'sign-in failed');
  return body;
}

/** Sends the browser to the hosted UI. */
export async function startCognitoSignIn(config: ConsoleConfig): Promise<void> {
  if (config.auth.kind !== 'cognito') return;
  const { domain, clientId, redirectUri, scopes } = config.auth;
  const verifier = randomString(48);
  const state = randomString(16);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: scopes.join(' '),
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge,
  });
  location.assign(`https://${domain}/oauth2/authorize?${q}`);
}

/** Back from the hosted UI with `?code=&state=`: the tokens for the code and the verifier, or null when this is no such return. */
export async function finishCognitoSignIn(config: ConsoleConfig): Promise<Session | null> {
  if (config.auth.kind !== 'cognito') return null;
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', location.pathname + location.hash);
  if (!saved || saved.state !== params.get('state'))
    throw new ApiError(400, 'the sign-in answer does not match the request that started it: sign in again');
  const { domain, clientId, redirectUri } = config.auth;
  const res = await fetch(`https://${domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code,
      redirect_uri: redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  const tokens = (await res.json()) as { access_token?: string; error?: string };
  if (!res.ok || !tokens.access_token) throw new ApiError(res.status, `sign-in failed: ${tokens.error ?? res.statusText}`);
  const claims = JSON.parse(atob(tokens.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  return {
    token: tokens.access_token,
    user: String(claims.username ?? claims.sub ?? ''),
    roles: (claims['cognito:groups'] as string[] | undefined) ?? [],
    expiresAt: new Date(Number(claims.exp) * 1000).toISOString(),
  };
}
