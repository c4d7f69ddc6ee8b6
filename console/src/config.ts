/** What the console reads from `/config.json` at start: where the API is and how users sign in. */
export type ConsoleAuth =
  /** The local runtime: a one-time code from the printed link, exchanged at POST /auth/exchange. */
  | { kind: 'local' }
  /** AWS: Cognito's hosted UI, authorization code grant with PKCE (no client secret). */
  | { kind: 'cognito'; domain: string; clientId: string; redirectUri: string; scopes: string[] };

export interface ConsoleConfig {
  /** Base URL of the HTTP API; '' = the console's own origin. */
  apiUrl: string;
  auth: ConsoleAuth;
}

export const LOCAL_CONFIG: ConsoleConfig = { apiUrl: '', auth: { kind: 'local' } };
