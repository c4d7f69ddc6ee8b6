/** The HTTP error mapper: each error of the errors module, and each AWS SDK failure, as the problem the API answers with. */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { errorHandler, PROBLEM_TABLE } from '#adapters/http/problems.ts';
import {
  ConflictError,
  DependencyUnavailableError,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ThrottledError,
  UnknownIdError,
  ValidationError,
} from '#domain/errors.ts';
import type { Logger } from '#ports/logger.ts';

interface Logged {
  level: 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

function recordingLogger(lines: Logged[]): Logger {
  return {
    info: () => {},
    warn: (message, fields = {}) => void lines.push({ level: 'warn', message, fields }),
    error: (message, fields = {}) => void lines.push({ level: 'error', message, fields }),
  };
}

/** What the API answers when a handler throws `err`. */
async function answer(err: Error) {
  const logged: Logged[] = [];
  const app = new Hono();
  app.onError(errorHandler(recordingLogger(logged)));
  app.get('/x', () => {
    throw err;
  });
  const res = await app.request('/x');
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown>, logged };
}

/** An error shaped as the AWS SDK throws it. */
const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name}: something inside`), { name, $metadata: {}, ...extra });
const field = (path: string, message: string) => [{ path, message }];

describe('the problem table', () => {
  it('lists every class before its parents, so that the first match is the most specific', () => {
    PROBLEM_TABLE.forEach((later, j) => {
      for (const earlier of PROBLEM_TABLE.slice(0, j)) expect(later.error.prototype instanceof earlier.error, later.error.name).toBe(false);
    });
  });

  const required = field('capMw', 'is required');
  const stale = field('If-Match', 'is not the current version');
  const reused = field('Idempotency-Key', 'was used for a different request');
  const inUse = field('Idempotency-Key', 'is in use by a request in progress');
  it.each([
    ['a validation error', new ValidationError('override', required), 400, 'Bad Request', required],
    ['an unknown id', new UnknownIdError('unknown site "x"', 'siteId'), 404, 'Not Found', field('siteId', 'unknown site "x"')],
    ['a missing resource', new NotFoundError('override o-1 not found'), 404, 'Not Found', undefined],
    ['a stale version', new PreconditionFailedError('override o-1 is at version 2', 2), 412, 'Precondition Failed', stale],
    ['a reused idempotency key', new IdempotencyKeyReusedError('key "k" was used'), 422, 'Unprocessable Content', reused],
    ['an idempotency key in use', new IdempotencyKeyInUseError('key "k" in progress'), 409, 'Conflict', inUse],
    ['a conflict', new ConflictError('override o-1 is already cancelled'), 409, 'Conflict', undefined],
    ['a throttled store', new ThrottledError(), 429, 'Too Many Requests', undefined],
    ['a dependency that is down', new DependencyUnavailableError(), 503, 'Service Unavailable', undefined],
  ] as const)('answers %s with its status, title and the error message as detail', async (_what, err, status, title, errors) => {
    const res = await answer(err);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body).toEqual({ type: 'about:blank', title, status, detail: err.message, ...(errors ? { errors } : {}) });
  });

  it('sends the current version of a stale resource as its ETag, and none when it is gone', async () => {
    expect((await answer(new PreconditionFailedError('stale', 3))).headers.get('etag')).toBe('"3"');
    expect((await answer(new PreconditionFailedError('gone', null))).headers.get('etag')).toBeNull();
  });

  it('tells a throttled or unavailable caller when to retry', async () => {
    expect((await answer(new ThrottledError())).headers.get('retry-after')).toBe('1');
    expect((await answer(new DependencyUnavailableError(undefined, 7))).headers.get('retry-after')).toBe('7');
    expect((await answer(new IdempotencyKeyInUseError('key "k" in progress', 2))).headers.get('retry-after')).toBe('2');
  });
});

describe('AWS SDK and network failures', () => {
  it.each(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException'])(
    'answers %s with 429 and Retry-After, logged as a warning',
    async (name) => {
      const res = await answer(sdkError(name, { $fault: 'client' }));
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(res.body).toMatchObject({ detail: 'the service is busy; retry shortly' });
      expect(res.logged).toEqual([{ level: 'warn', message: 'throttled', fields: expect.objectContaining({ error: name }) }]);
    },
  );

  it.each([
    ['a failure on the service side', sdkError('InternalServerError', { $fault: 'server' })],
    ['a service that is unavailable', sdkError('ServiceUnavailable', { $fault: 'server' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', $metadata: {} })],
    ['a reset connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['a request that timed out', sdkError('TimeoutError')],
  ])('answers %s with 503 and Retry-After, saying nothing internal', async (_what, err) => {
    const res = await answer(err);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    const detail = 'a service this depends on is unavailable; retry shortly';
    expect(res.body).toEqual({ type: 'about:blank', title: 'Service Unavailable', status: 503, detail });
    expect(res.logged).toMatchObject([{ level: 'warn', message: 'dependency unavailable' }]);
  });

  it('answers any other error with a 500 that says nothing internal, and logs it as an error', async () => {
    const res = await answer(Object.assign(new Error('table t-1 has no index gsi9'), { name: 'ValidationException', $fault: 'client' }));
    expect(res.status).toBe(500);
    const detail = 'internal error; it has been logged';
    expect(res.body).toEqual({ type: 'about:blank', title: 'Internal Server Error', status: 500, detail });
    expect(res.logged).toMatchObject([{ level: 'error', message: 'unhandled error', fields: { error: 'table t-1 has no index gsi9' } }]);
  });
});
