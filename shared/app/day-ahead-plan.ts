/**
 * The day-ahead plan of a site: when a delivery day's prices are all known (Nord Pool publishes them at
 * about 13:00 CET the day before), the mining schedule for the day is the constrained optimum on them —
 * minimum run and off times, restart costs, power modes and the interconnect — computed by the same
 * dynamic programme as the backtest's perfect foresight. Each interval's decision then follows it.
 */
import { revenuePerMwh } from '#domain/economics.ts';
import type { Site } from '#domain/sites.ts';
import { type DpLoad, perfectForesight } from './backtest/dp.ts';

/** MW per mining load id for each interval start. */
export type DayAheadPlan = Map<number, Record<string, number>>;

/**
 * The optimum for the intervals `starts` (ascending, `intervalMinutes` apart) at `usdPerMwh[i]`, with
 * the hashprice constant over the day. Loads start the day free (no minimum run or off time carried in):
 * physics still holds the real state at each decision.
 */
export function planDayAhead(
  site: Site,
  starts: readonly number[],
  usdPerMwh: readonly number[],
  hashpriceUsdPerPhDay: number,
  intervalMinutes: number,
): DayAheadPlan {
  const miners = site.loads.filter((l) => l.kind === 'mining');
  const aiMw = site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0);
  const loads: DpLoad[] = miners.map((m) => ({
    kOn: Math.max(1, Math.ceil(m.minRunMinutes / intervalMinutes)),
    kOff: Math.max(1, Math.ceil(m.minOffMinutes / intervalMinutes)),
    restartCostUsd: m.restartCostUsd,
    options: [
      { mw: m.powerMw, revenueFactor: revenuePerMwh(1, m.efficiencyJPerTh, m.poolFeePct) },
      ...m.modes.map((o) => ({ mw: o.powerMw, revenueFactor: revenuePerMwh(1, o.efficiencyJPerTh, m.poolFeePct) })),
    ],
  }));
  const schedule = perfectForesight({
    loads,
    capacityMw: Math.max(0, site.interconnectMw - site.baseLoadMw - aiMw),
    hours: intervalMinutes / 60,
    hashprice: new Float64Array(starts.length).fill(hashpriceUsdPerPhDay),
    price: Float64Array.from(usdPerMwh),
  });
  const plan: DayAheadPlan = new Map();
  starts.forEach((t, i) => {
    const levels: Record<string, number> = {};
    miners.forEach((m, l) => {
      const o = schedule.option[l]![i]!;
      levels[m.id] = o < 0 ? 0 : loads[l]!.options[o]!.mw;
    });
    plan.set(t, levels);
  });
  return plan;
}
