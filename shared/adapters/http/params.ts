/** Request parts that need more than a zod shape: a day or an instant, If-Match. */
import { ValidationError } from '#domain/errors.ts';
import { parseUtcDay } from '#domain/time.ts';
import { ProblemError } from './problems.ts';

/** `YYYY-MM-DD` (a UTC midnight) or an ISO instant with an offset. */
export function parseInstantOrDay(text: string, field: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseUtcDay(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new ValidationError('query', [{ path: field, message: 'must be a date (YYYY-MM-DD) or an ISO instant' }]);
  return ms;
}

/** The version an If-Match header names (`"3"`, `W/"3"` or `3`); 428 when absent. */
export function ifMatchVersion(header: string | undefined): number {
  if (header === undefined || header.trim() === '') {
    throw new ProblemError(428, 'this change needs an If-Match header with the version you read (the ETag)', [
      { path: 'If-Match', message: 'is required' },
    ]);
  }
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!m)
    throw new ProblemError(400, `If-Match must name one version, e.g. "1" (got ${JSON.stringify(header)})`, [
      { path: 'If-Match', message: 'must be a version ETag such as "1"' },
    ]);
  return Number(m[1]);
}
