import { afterEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { FeedError, requestJson, retryAfterMs } from '#adapters/feeds/http.ts';
import { fastHttp, type Loopback, loopback } from './loopback.ts';

const Schema = z.object({ data: z.array(z.object({ price: z.number() })) });
let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const get = (s: Loopback, http: ReturnType<typeof fastHttp>['http']) =>
  requestJson({ feed: 'Test feed', url: new URL(`${s.url}/v1/x?key=1`), schema: Schema }, http);

describe('requestJson against a loopback server', () => {
  it('retries a 5xx and returns the next good answer', async () => {
    server = await loopback({ '/v1/x': (_r, n) => (n < 3 ? { status: 503, body: 'busy' } : { body: { data: [{ price: 1 }] } }) });
    const { http, waits } = fastHttp();
    await expect(get(server, http)).resolves.toEqual({ data: [{ price: 1 }] });
    expect(server.requests).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('waits as long as Retry-After says on a 429', async () => {
    server = await loopback({ '/v1/x': (_r, n) => (n === 1 ? { status: 429, headers: { 'retry-after': '7' } } : { body: { data: [] } }) });
    const { http, waits } = fastHttp();
    await get(server, http);
    expect(waits).toEqual([7_000]);
  });

  it('gives up after the last attempt with the status in the error', async () => {
    server = await loopback({ '/v1/x': () => ({ status: 502, body: '<html>Bad gateway</html>' }) });
    const { http } = fastHttp({ maxAttempts: 3 });
    const err = await get(server, http).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toBe(`Test feed GET ${server.url}/v1/x: HTTP 502 after 3 attempts`);
    expect(server.requests).toHaveLength(3);
  });

  it('does not retry a 4xx other than 429, and reports it with its status', async () => {
    server = await loopback({ '/v1/x': () => ({ status: 403, body: { message: 'Forbidden' } }) });
    const err = (await get(server, fastHttp().http).catch((e: unknown) => e)) as FeedError;
    expect([err.status, server.requests.length]).toEqual([403, 1]);
    expect(err.message).toMatch(/HTTP 403: \{"message":"Forbidden"\}/);
  });

  it('turns malformed JSON into a clear error without retrying', async () => {
    server = await loopback({ '/v1/x': () => ({ body: '{"data": [{"price": 1}' }) });
    const err = (await get(server, fastHttp().http).catch((e: unknown) => e)) as FeedError;
    expect(err).toBeInstanceOf(FeedError);
    expect(err.message).toMatch(
      /^Test feed GET http:\/\/127\.0\.0\.1:\d+\/v1\/x: malformed JSON \(.+\); the body starts "\{"data": \[\{"price": 1\}"$/,
    );
    expect(server.requests).toHaveLength(1);
  });

  it('names the fields of a response with the wrong shape', async () => {
    server = await loopback({ '/v1/x': () => ({ body: { data: [{ price: 'cheap' }] } }) });
    await expect(get(server, fastHttp().http)).rejects.toThrow(/unexpected response shape: data\[0\]\.price: /);
  });

  it('times out an attempt that gets no answer, and retries it', async () => {
    server = await loopback({ '/v1/x': (_r, n) => (n === 1 ? { hang: true } : { body: { data: [] } }) });
    const { http } = fastHttp({ timeoutMs: 200 });
    await expect(get(server, http)).resolves.toEqual({ data: [] });
    expect(server.requests).toHaveLength(2);
  });

  it('retries network errors and then reports them', async () => {
    server = await loopback({});
    const url = server.url;
    await server.close();
    server = undefined;
    const { http, waits } = fastHttp({ maxAttempts: 2 });
    await expect(requestJson({ feed: 'Test feed', url: new URL(`${url}/v1/x`), schema: Schema }, http)).rejects.toThrow(
      /Test feed GET http:\/\/127\.0\.0\.1:\d+\/v1\/x: network error: ECONNREFUSED \(after 2 attempts\)/,
    );
    expect(waits).toHaveLength(1);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('15')).toBe(15_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });
});
