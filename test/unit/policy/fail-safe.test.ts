import { describe, expect, it } from 'vitest';
import { failSafe } from '#domain/policy/fail-safe.ts';
import { site, T0 } from '../../support/fixtures.ts';
import { bounded, MIN, plan, situation } from './helpers.ts';

const prev = { s21: { mw: 100, sinceMs: T0 - 60 * MIN }, s19: { mw: 0, sinceMs: T0 - 60 * MIN } };

describe('fail-safe step', () => {
  it('curtails the free loads in a configured peak hour and flags the decision', () => {
    // T0 is 15:00 in Texas, a default peak hour.
    const s = situation({ price: null, previous: prev });
    const out = failSafe(s, bounded(s));
    expect(out.plans.map((p) => [p.mw, p.reasons])).toEqual([
      [0, ['FAIL_SAFE_PEAK_CURTAIL']],
      [0, ['FAIL_SAFE_PEAK_CURTAIL']],
    ]);
    expect(out.flags).toEqual(['FAIL_SAFE']);
  });

  it('holds the previous levels outside peak hours, or runs or curtails as the site says', () => {
    const night = T0 - 12 * 60 * MIN;
    const hold = situation({ price: null, previous: prev, intervalStartMs: night });
    expect(failSafe(hold, bounded(hold)).plans.map((p) => p.mw)).toEqual([100, 0]);
    const run = situation({ site: site({ policy: { failSafe: { otherwise: 'RUN' } } }), price: null, intervalStartMs: night });
    expect(plan(failSafe(run, bounded(run)).plans, 's19')).toMatchObject({ mw: 60, reasons: ['FAIL_SAFE_RUN'] });
  });
});
