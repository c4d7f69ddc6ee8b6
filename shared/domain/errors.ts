/** Domain errors. Adapters and handlers map them to exit codes and HTTP problems. */

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

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** An optimistic-concurrency or uniqueness conflict. */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
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
