/**
 * Following the day-ahead plan: where a whole day's prices are known in advance (Nord Pool's day-ahead
 * auction), the day's constrained optimum — minimum run and off times and restart costs included — is
 * computed once per site-day, and each interval's economics take its level for the loads the economics
 * decide (no obligation or override holds them, and physics leaves them free). Reason DA_OPTIMUM.
 */
import { levelIsFree } from './economics.ts';
import type { MinerPlan } from './plans.ts';

export const DA_OPTIMUM = 'DA_OPTIMUM';

const SUPERSEDED = new Set(['ECONOMIC_RUN', 'ECONOMIC_MODE', 'ECONOMIC_CURTAIL', 'HYSTERESIS_HOLD', 'RESTART_COST_COVERED']);

/** The day's optimum for one interval: MW per mining load id (0 = off). */
export type DayAheadPlanLevels = Readonly<Record<string, number>>;

export function followDayAheadPlan(plans: readonly MinerPlan[], levels: DayAheadPlanLevels): MinerPlan[] {
  return plans.map((p) => {
    const planned = levels[p.load.id];
    if (planned === undefined || !levelIsFree(p) || p.minRun || p.minOff) return p;
    const mw = Math.min(p.maxMw, Math.max(p.minMw, planned));
    const option = p.options.find((o) => Math.abs(o.mw - mw) < 1e-9);
    // Where the day's optimum departs from the interval on its own, the interval's economic reasons no longer hold.
    const reasons = Math.abs(p.mw - mw) < 1e-9 ? p.reasons : p.reasons.filter((r) => !SUPERSEDED.has(r));
    return { ...p, mw, modeId: option?.modeId, threshold: null, reasons: [...reasons, DA_OPTIMUM] };
  });
}
