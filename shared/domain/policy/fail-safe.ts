/**
 * Rule 6, stale or missing inputs: without a usable price and hashprice the site's fail-safe sets the free
 * loads' levels — curtail in the configured peak hours, otherwise hold the last level, curtail or run.
 */
import { localParts } from '../time.ts';
import { levelIsFree } from './economics.ts';
import type { MinerPlan, Situation, Stepped } from './plans.ts';

const FAIL_SAFE: readonly string[] = ['FAIL_SAFE'];

export function failSafe(s: Situation, plans: readonly MinerPlan[]): Stepped<MinerPlan> {
  const peak = s.model.peakHours.has(localParts(s.t, s.site.timezone).hour);
  const mode = peak ? 'PEAK_CURTAIL' : s.site.policy.failSafe.otherwise;
  const code = `FAIL_SAFE_${mode}`;
  const out = plans.map((p): MinerPlan => {
    if (!levelIsFree(p)) return p;
    const mw = mode === 'RUN' ? p.load.powerMw : mode === 'HOLD' ? (s.previous?.[p.load.id]?.mw ?? 0) : 0;
    return { ...p, mw, reasons: [...p.reasons, code] };
  });
  return { plans: out, flags: FAIL_SAFE };
}
