/** The widest ranges a read may span, and the check that names the failing bound. */
import { ValidationError } from '#domain/errors.ts';
import { DAY_MS } from '#domain/time.ts';

export const RANGE_LIMITS_DAYS = {
  /** One page of a site's decisions. */
  decisionPage: 31,
  /** Every page of a site's decisions at once (the CSV export). */
  decisionExport: 92,
  /** A P&L report or a stretch of the audit trail. */
  report: 366,
} as const;

/** [fromMs, toMs) must be non-empty and span at most `maxDays`; the issue names `to`. */
export function checkRange(fromMs: number, toMs: number, maxDays: number): void {
  if (fromMs >= toMs) throw new ValidationError('query', [{ path: 'to', message: 'must be after from' }]);
  if (toMs - fromMs > maxDays * DAY_MS) {
    throw new ValidationError('query', [{ path: 'to', message: `the range may span at most ${maxDays} days` }]);
  }
}
