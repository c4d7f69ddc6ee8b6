/** Errors as application/problem+json (RFC 9457). A 500 says nothing internal. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { IdempotencyKeyError, PreconditionFailedError } from '#app/overrides.ts';
import { UnknownIdError } from '#app/sites.ts';
import { ConflictError, NotFoundError, ValidationError, formatPath } from '#domain/errors.ts';
import type { Logger } from '#ports/logger.ts';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: { path: string; message: string }[];
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function problem(c: Context, status: number, detail: string, errors?: Problem['errors'], headers: Record<string, string> = {}): Response {
  const body: Problem = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/problem+json', ...headers } });
}

/** Thrown inside handlers to answer with a given problem. */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly errors?: Problem['errors'],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

/** The zod validation hook: 400 naming every failing field. */
export function validationProblem(
  c: Context,
  target: string,
  issues: readonly { path: readonly PropertyKey[]; message: string; keys?: readonly string[] }[],
): Response {
  // A JSON body is well-formed by the time it is validated: it is "the body", not "the json".
  const part = target === 'json' ? 'body' : target;
  const where = (path: readonly PropertyKey[]) => formatPath(path) || part;
  // An unknown field (often a typo) is named as the field itself.
  const errors = issues.flatMap((i) =>
    i.keys?.length ? i.keys.map((k) => ({ path: formatPath([...i.path, k]), message: 'is not a known field' })) : [{ path: where(i.path), message: i.message }],
  );
  return problem(c, 400, `invalid ${part}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

/** DynamoDB (or another AWS service) refused because of load: the caller should back off. */
const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException']);

export function errorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ProblemError) return problem(c, err.status, err.message, err.errors, err.headers);
    if (err instanceof ValidationError) return problem(c, 400, err.message, err.issues);
    if (err instanceof UnknownIdError) return problem(c, 404, err.message, [{ path: err.field, message: err.message }]);
    if (err instanceof NotFoundError) return problem(c, 404, err.message);
    if (err instanceof PreconditionFailedError) {
      return problem(c, 412, err.message, [{ path: 'If-Match', message: 'is not the current version' }], err.currentVersion !== null ? { etag: etag(err.currentVersion) } : {});
    }
    if (err instanceof IdempotencyKeyError) {
      return problem(c, err.kind === 'mismatch' ? 422 : 409, err.message, [{ path: 'Idempotency-Key', message: err.kind === 'mismatch' ? 'was used for a different request' : 'is in use by a request in progress' }]);
    }
    if (err instanceof ConflictError) return problem(c, 409, err.message);
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 413) return problem(c, 413, 'request body is too large', [{ path: 'body', message: 'is too large' }]);
      if (status === 415) {
        return problem(c, 415, `unsupported content-type "${c.req.header('content-type') ?? '(none)'}": send application/json`, [{ path: 'content-type', message: 'must be application/json' }]);
      }
      if (status === 400 && /json/i.test(err.message)) return problem(c, 400, `malformed JSON body: ${err.message}`, [{ path: 'body', message: 'is not valid JSON' }]);
      if (status < 500) return problem(c, status, err.message || TITLES[status] || 'request rejected');
    }
    if (err instanceof SyntaxError) return problem(c, 400, `malformed JSON body: ${err.message}`, [{ path: 'body', message: 'is not valid JSON' }]);
    if (THROTTLING.has(err.name)) {
      log.warn('throttled', { error: err.name, path: c.req.path, method: c.req.method });
      return problem(c, 429, 'the service is busy; retry shortly', undefined, { 'retry-after': '1' });
    }
    log.error('unhandled error', { error: err.message, stack: err.stack, path: c.req.path, method: c.req.method });
    return problem(c, 500, 'internal error; it has been logged');
  };
}

/** The strong ETag of a version. */
export function etag(version: number): string {
  return `"${version}"`;
}
