/**
 * Errors as application/problem+json (RFC 9457): the errors of `#domain/errors.ts` by one table
 * (`PROBLEM_TABLE`), AWS SDK failures by what they mean, and the HTTP layer's own refusals. A 500
 * says nothing internal.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ConflictError,
  DependencyUnavailableError,
  type FieldIssue,
  formatPath,
  IdempotencyKeyInUseError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  ThrottledError,
  UnknownIdError,
  ValidationError,
} from '#domain/errors.ts';
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
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The problem type of a status that needs no more explanation than its title (RFC 9457 §4.2.1). */
const BLANK = 'about:blank';

export function problem(
  _c: Context,
  status: number,
  detail: string,
  errors?: Problem['errors'],
  headers: Record<string, string> = {},
  type = BLANK,
): Response {
  const body: Problem = { type, title: TITLES[status] ?? 'Error', status, detail, ...(errors ? { errors } : {}) };
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
    i.keys?.length
      ? i.keys.map((k) => ({ path: formatPath([...i.path, k]), message: 'is not a known field' }))
      : [{ path: where(i.path), message: i.message }],
  );
  return problem(c, 400, `invalid ${part}: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`, errors);
}

/** How the API answers one error class: its status, problem type, the fields it names and the headers it sets. */
interface ProblemRow<E extends Error> {
  error: abstract new (...args: never[]) => E;
  status: number;
  type: string;
  errors?: (e: E) => FieldIssue[];
  headers?: (e: E) => Record<string, string>;
  /** Logged as a warning with this message: nothing the caller did, nothing to fix in the code. */
  warn?: string;
}

const row = <E extends Error>(r: ProblemRow<E>): ProblemRow<Error> => r as unknown as ProblemRow<Error>;
const retryAfter = (e: { retryAfterSeconds: number }) => ({ 'retry-after': String(e.retryAfterSeconds) });
const idempotencyKey = (message: string): FieldIssue => ({ path: 'Idempotency-Key', message });

/**
 * Every error of the errors module the API reports, with the problem it becomes; the detail is the
 * error's message. The first row whose class matches wins: a subclass comes before its parent.
 */
export const PROBLEM_TABLE: readonly ProblemRow<Error>[] = [
  row({ error: ValidationError, status: 400, type: BLANK, errors: (e) => e.issues }),
  row({ error: UnknownIdError, status: 404, type: BLANK, errors: (e) => [{ path: e.field, message: e.message }] }),
  row({ error: NotFoundError, status: 404, type: BLANK }),
  row({
    error: PreconditionFailedError,
    status: 412,
    type: BLANK,
    errors: () => [{ path: 'If-Match', message: 'is not the current version' }],
    headers: (e): Record<string, string> => (e.currentVersion !== null ? { etag: etag(e.currentVersion) } : {}),
  }),
  row({ error: IdempotencyKeyReusedError, status: 422, type: BLANK, errors: () => [idempotencyKey('was used for a different request')] }),
  row({
    error: IdempotencyKeyInUseError,
    status: 409,
    type: BLANK,
    errors: () => [idempotencyKey('is in use by a request in progress')],
    headers: retryAfter,
  }),
  row({ error: ConflictError, status: 409, type: BLANK }),
  row({ error: ThrottledError, status: 429, type: BLANK, headers: retryAfter, warn: 'throttled' }),
  row({ error: DependencyUnavailableError, status: 503, type: BLANK, headers: retryAfter, warn: 'dependency unavailable' }),
];

/** DynamoDB (or another AWS service) refused because of load: the caller should back off. */
const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);
/** A connection that could not be made or was lost (Node's system error codes). */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * An AWS SDK or network failure as the error of the errors module it means; any other error as
 * it is. SDK errors are recognised by their shape (`name`, `$fault`, a system `code`), so the
 * mapper needs no SDK.
 */
function translated(err: Error): Error {
  const e = err as Error & { $fault?: unknown; code?: unknown };
  if (THROTTLING.has(e.name)) return new ThrottledError();
  if (e.$fault === 'server' || e.name === 'TimeoutError' || (typeof e.code === 'string' && NETWORK.has(e.code))) {
    return new DependencyUnavailableError(undefined, undefined, { cause: err });
  }
  return err;
}

export function errorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    if (err instanceof ProblemError) return problem(c, err.status, err.message, err.errors, err.headers);
    if (err instanceof HTTPException) {
      const status = err.status;
      if (status === 413) return problem(c, 413, 'request body is too large', [{ path: 'body', message: 'is too large' }]);
      if (status === 415) {
        return problem(c, 415, `unsupported content-type "${c.req.header('content-type') ?? '(none)'}": send application/json`, [
          { path: 'content-type', message: 'must be application/json' },
        ]);
      }
      if (status === 400 && /json/i.test(err.message))
        return problem(c, 400, `malformed JSON body: ${err.message}`, [{ path: 'body', message: 'is not valid JSON' }]);
      if (status < 500) return problem(c, status, err.message || TITLES[status] || 'request rejected');
    }
    if (err instanceof SyntaxError)
      return problem(c, 400, `malformed JSON body: ${err.message}`, [{ path: 'body', message: 'is not valid JSON' }]);
    const reported = translated(err);
    const known = PROBLEM_TABLE.find((r) => reported instanceof r.error);
    if (known) {
      if (known.warn) log.warn(known.warn, { error: causeName(err), path: c.req.path, method: c.req.method });
      return problem(c, known.status, reported.message, known.errors?.(reported), known.headers?.(reported) ?? {}, known.type);
    }
    log.error('unhandled error', { error: err.message, stack: err.stack, path: c.req.path, method: c.req.method });
    return problem(c, 500, 'internal error; it has been logged');
  };
}

/** What failed, for the log: the SDK error's name, or the system error code of a lost connection. */
function causeName(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${err.name} ${code}` : err.name;
}

/** The strong ETag of a version. */
export function etag(version: number): string {
  return `"${version}"`;
}
