/**
 * The errors of the domain and the use cases, in one place. Each says what went wrong in the
 * caller's terms; the HTTP mapper (`#adapters/http/problems.ts`) turns each class into a problem
 * with its status from one table, and the CLI into an exit code. Adapters' own failures (a feed
 * that answers garbage, a missing setting, a bad command-line flag) stay beside their adapter.
 */

export interface FieldIssue {
  /** Path of the offending field, e.g. `sites[0].loads[1].efficiencyJPerTh`. */
  path: string;
  message: string;
}

/** Input that fails validation: a sites file, an API body, a feed row, a CLI flag. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly what: string,
    readonly issues: FieldIssue[],
  ) {
    super(`${what}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
  }
}

/** Something named by the request does not exist. */
export class NotFoundError extends Error {
  override readonly name: string = 'NotFoundError';
}

/** An id that names nothing configured; `field` is the request field that carried it. */
export class UnknownIdError extends NotFoundError {
  override readonly name = 'UnknownIdError';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** An optimistic-concurrency or uniqueness conflict. */
export class ConflictError extends Error {
  override readonly name: string = 'ConflictError';
}

/** The stored version differs from the one the caller read. */
export class PreconditionFailedError extends ConflictError {
  override readonly name = 'PreconditionFailedError';
  constructor(
    message: string,
    readonly currentVersion: number | null,
  ) {
    super(message);
  }
}

/** An idempotency key that cannot be used for this request. */
export abstract class IdempotencyKeyError extends ConflictError {}

/** An idempotency key reused with another request. */
export class IdempotencyKeyReusedError extends IdempotencyKeyError {
  override readonly name = 'IdempotencyKeyReusedError';
}

/** An idempotency key still held by a request in progress: a retry after the lease may take it over. */
export class IdempotencyKeyInUseError extends IdempotencyKeyError {
  override readonly name = 'IdempotencyKeyInUseError';
  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/** A store or service refused the request because of load: the caller should back off. */
export class ThrottledError extends Error {
  override readonly name = 'ThrottledError';
  constructor(
    message = 'the service is busy; retry shortly',
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }
}

/** A store or service this depends on cannot be reached or failed on its side: retrying later may work. */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';
  constructor(
    message = 'a service this depends on is unavailable; retry shortly',
    readonly retryAfterSeconds = 5,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Formats a zod-style issue path (`['sites', 0, 'loads']`) as `sites[0].loads`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Turns a zod error into a ValidationError naming every failing field. */
export function fromZodIssues(
  what: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix: readonly PropertyKey[] = [],
): ValidationError {
  return new ValidationError(
    what,
    issues.map((i) => ({ path: formatPath([...prefix, ...i.path]), message: i.message })),
  );
}

/**
 * The known key nearest to a misspelt one — case aside, by edit distance (insertions, deletions,
 * substitutions, adjacent swaps) — or null when none is close enough to be a likely misspelling.
 */
export function nearestKey(key: string, known: readonly string[]): string | null {
  const k = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = editDistance(k, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** Optimal string alignment distance. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const row = rows[i]!;
      row[j] = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
  }
  return rows[a.length]![b.length]!;
}
