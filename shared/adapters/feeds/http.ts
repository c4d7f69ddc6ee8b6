/**
 * The fetch helper every feed API client uses: a timeout per attempt, retries with exponential
 * backoff and jitter on network errors, timeouts and 5xx, waits on 429 honouring Retry-After,
 * and JSON that is parsed and checked with a zod schema so that garbage becomes a clear error.
 * Request bodies and headers (credentials) never appear in errors.
 */
import type * as z from 'zod';
import { formatPath } from '#domain/errors.ts';

export interface HttpOptions {
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Per attempt. Default 15 s. */
  timeoutMs?: number;
  /** Attempts in all, the first included. Default 4. */
  maxAttempts?: number;
  /** First backoff; doubled each retry, with ±50% jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** The longest wait, Retry-After included. Default 60 s. */
  maxDelayMs?: number;
  /** Injected by tests to observe waits without spending them. */
  sleep?: (ms: number) => Promise<void>;
}

/** A feed that could not be read: the provider failed, refused, or answered with something unusable. */
export class FeedError extends Error {
  override readonly name = 'FeedError';
  constructor(
    message: string,
    readonly feed: string,
    readonly status?: number,
    /** The response body's start, for diagnosis (never request data). */
    readonly bodyExcerpt?: string,
  ) {
    super(message);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Seconds or an HTTP date → ms to wait; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, nowMs = Date.now()): number | undefined {
  if (!header) return undefined;
  const t = header.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const at = Date.parse(t);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : undefined;
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
}

/** The URL without its query string, for messages. */
function where(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

export interface JsonRequest<T> {
  /** Names the feed in errors, e.g. `ERCOT API`. */
  feed: string;
  url: URL;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  schema: z.ZodType<T>;
}

/**
 * Sends a request and returns its JSON body checked against `schema`. Retries network errors,
 * timeouts, 5xx and 429; any other non-2xx is thrown at once as a FeedError carrying its status
 * (so that a caller can react to 401).
 */
export async function requestJson<T>(req: JsonRequest<T>, opts: HttpOptions = {}): Promise<T> {
  const doFetch = opts.fetch ?? fetch;
  const sleep = opts.sleep ?? defaultSleep;
  const maxAttempts = opts.maxAttempts ?? 4;
  const baseDelayMs = opts.baseDelayMs ?? 500;
  const maxDelayMs = opts.maxDelayMs ?? 60_000;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const label = `${req.feed} ${req.method ?? 'GET'} ${where(req.url)}`;
  const backoff = (attempt: number) => Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));

  for (let attempt = 1; ; attempt++) {
    let res: Response;
    let text: string;
    try {
      res = await doFetch(req.url, {
        method: req.method ?? 'GET',
        headers: { accept: 'application/json', ...req.headers },
        body: req.body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      const reason =
        e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : `network error: ${causeOf(e)}`;
      if (attempt >= maxAttempts) throw new FeedError(`${label}: ${reason} (after ${attempt} attempts)`, req.feed);
      await sleep(backoff(attempt));
      continue;
    }

    if (res.status === 429 || res.status >= 500) {
      if (attempt >= maxAttempts) {
        throw new FeedError(`${label}: HTTP ${res.status} after ${attempt} attempts`, req.feed, res.status, excerpt(text));
      }
      const asked = res.status === 429 ? retryAfterMs(res.headers.get('retry-after')) : undefined;
      await sleep(asked !== undefined ? Math.min(asked, maxDelayMs) : backoff(attempt));
      continue;
    }
    if (!res.ok) throw new FeedError(`${label}: HTTP ${res.status}: ${excerpt(text)}`, req.feed, res.status, excerpt(text));

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new FeedError(
        `${label}: malformed JSON (${(err as Error).message}); the body starts "${excerpt(text).slice(0, 80)}"`,
        req.feed,
        res.status,
        excerpt(text),
      );
    }
    const parsed = req.schema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .slice(0, 5)
        .map((i) => `${formatPath(i.path) || '(root)'}: ${i.message}`)
        .join('; ');
      throw new FeedError(`${label}: unexpected response shape: ${issues}`, req.feed, res.status, excerpt(text));
    }
    return parsed.data;
  }
}

function causeOf(e: Error): string {
  const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? e.message;
}
