/**
 * Text (XML, or an empty 204) over the shared fetch helper. `requestJson` owns the retry policy —
 * timeouts, backoff on network errors and 5xx, Retry-After on 429 — so rather than a second copy
 * of that loop, this hands it every other answer wrapped in a small JSON envelope
 * `{ status, text }`. The caller then reads the status itself: a 204 or an error document in a
 * 400 body can mean something to it (ENTSO-E answers "no data" with an Acknowledgement).
 */
import * as z from 'zod';
import { FeedError, type HttpOptions, requestJson } from './http.ts';

export interface TextRequest {
  /** Names the feed in errors, e.g. `ENTSO-E`. */
  feed: string;
  url: URL;
  /** The Accept header, e.g. `application/xml`. */
  accept: string;
}

export interface TextResponse {
  status: number;
  text: string;
}

const Envelope = z.object({ status: z.number().int(), text: z.string() });

/** GETs `url`; 429 and 5xx are retried as by requestJson, any other status is returned with its body. */
export async function requestText(req: TextRequest, opts: HttpOptions = {}): Promise<TextResponse> {
  const inner = opts.fetch ?? fetch;
  const enveloping: typeof fetch = async (input, init) => {
    const res = await inner(input, init);
    if (res.status === 429 || res.status >= 500) return res;
    const envelope = JSON.stringify({ status: res.status, text: await res.text() });
    return new Response(envelope, { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return requestJson({ feed: req.feed, url: req.url, headers: { accept: req.accept }, schema: Envelope }, { ...opts, fetch: enveloping });
}

/** The FeedError for a status the caller cannot use, worded as requestJson words its own (no query string: it may hold a key). */
export function statusError(req: TextRequest, res: TextResponse): FeedError {
  const flat = res.text.replace(/\s+/g, ' ').trim();
  const excerpt = flat.length > 160 ? `${flat.slice(0, 160)}…` : flat;
  const where = `${req.feed} GET ${req.url.origin}${req.url.pathname}`;
  return new FeedError(`${where}: HTTP ${res.status}: ${excerpt}`, req.feed, res.status, excerpt);
}
