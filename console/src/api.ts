/**
 * The console's HTTP client: the bearer token, problem+json errors as readable messages naming the
 * failing fields, and CSV downloads through the same authorised fetch.
 */
import type { ConsoleConfig } from './config.ts';

export interface FieldError {
  path: string;
  message: string;
}

/** An API error as the console shows it: the problem's detail and the fields it names. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
    readonly body: unknown = undefined,
  ) {
    super(message);
  }

  /** The message for one field of a form, if the API named it. */
  field(name: string): string | undefined {
    return this.errors.find((e) => e.path === name || e.path.endsWith(`.${name}`))?.message;
  }
}

export interface Session {
  token: string;
  user: string;
  roles: string[];
  expiresAt: string;
}

const SESSION_KEY = 'switchyard.session';

/** The session of this tab: sessionStorage only, so a closed tab forgets it and nothing long-lived stays in the browser. */
export function loadSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(SESSION_KEY, JSON.stringify(s));
  else sessionStorage.removeItem(SESSION_KEY);
}

export interface CallOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses answered with null instead of an error (e.g. 404 for a route not deployed yet). */
  nullOn?: number[];
}

export class Api {
  constructor(
    readonly config: ConsoleConfig,
    private readonly session: () => Session | null,
    private readonly onUnauthorized: () => void,
  ) {}

  async raw(path: string, opts: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    const s = this.session();
    if (s) headers.authorization = `Bearer ${s.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(`${this.config.apiUrl}${path}`, { method: opts.method ?? 'GET', headers, ...(body !== undefined ? { body } : {}) });
    } catch (err) {
      throw new ApiError(0, `the API cannot be reached (${(err as Error).message}); is switchyard running?`);
    }
    if (!res.ok && !(opts.nullOn ?? []).includes(res.status)) throw await errorOf(res, this.onUnauthorized);
    return res;
  }

  async get<T>(path: string, query?: Record<string, string | undefined>, opts: CallOptions = {}): Promise<T> {
    const res = await this.raw(withQuery(path, query), opts);
    return (res.ok ? await res.json() : null) as T;
  }

  async post<T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ body: T; headers: Headers }> {
    const res = await this.raw(path, { method: 'POST', body, headers });
    return { body: (await res.json()) as T, headers: res.headers };
  }

  /** Fetches a CSV with the token and hands it to the browser as a download under the server's file name. */
  async download(path: string, query: Record<string, string | undefined>): Promise<string> {
    const res = await this.raw(withQuery(path, { ...query, format: 'csv' }), { headers: { accept: 'text/csv' } });
    const text = await res.text();
    const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'export.csv';
    const href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = href;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(href), 10_000);
    return name;
  }
}

/** A path with the query's set values. */
export function withQuery(path: string, query?: Record<string, string | undefined>): string {
  const q = query ? Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== '') : [];
  return `${path}${q.length ? `?${new URLSearchParams(q)}` : ''}`;
}

async function errorOf(res: Response, onUnauthorized: () => void): Promise<ApiError> {
  let body: { detail?: string; title?: string; errors?: FieldError[] } | undefined;
  try {
    body = (await res.json()) as typeof body;
  } catch {
    body = undefined;
  }
  if (res.status === 401) onUnauthorized();
  const errors = body?.errors ?? [];
  const named = errors.length ? ` (${errors.map((e) => `${e.path} ${e.message}`).join('; ')})` : '';
  const detail = body?.detail ?? body?.title ?? res.statusText;
  return new ApiError(res.status, `${detail}${named && !detail.includes(errors[0]!.message) ? named : ''}`, errors, body);
}
