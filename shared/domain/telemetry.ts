/**
 * What a site agent reports (DESIGN §9): per load, samples of what it actually drew, and each
 * state change with its trigger and how long the fleet took. From them: the actual energy of an
 * interval (for the P&L) and the performance of each grid deployment (the evidence an operator
 * keeps for the grid operator). Pure.
 */

import { revenuePerMwh } from './economics.ts';
import type { GridEvent } from './grid.ts';
import type { MiningLoad, Site } from './sites.ts';
import { HOUR_MS, iso, MINUTE_MS } from './time.ts';

/** One reading of one load. Identified by (site, load, instant): a repeat of it is the same sample. */
export interface LoadSample {
  siteId: string;
  loadId: string;
  atMs: number;
  actualMw: number;
  /** Mining loads: the fleet's reported hashrate, TH/s. */
  hashrateThs?: number;
  miners?: { running: number; asleep: number; unreachable: number };
}

export const STATE_CHANGES = ['CURTAILED', 'RESUMED'] as const;
export type StateChangeKind = (typeof STATE_CHANGES)[number];

export const TRIGGERS = ['PRICE', 'OVERRIDE', 'GRID_DEPLOYMENT', 'AS_AWARD', 'EMERGENCY', 'FAIL_SAFE', 'PLAN', 'INTERCONNECT'] as const;
export type TriggerKind = (typeof TRIGGERS)[number];

export interface Trigger {
  kind: TriggerKind;
  priceUsdPerMwh?: number;
  thresholdUsdPerMwh?: number;
  overrideId?: string;
  gridEventId?: string;
}

/** A load curtailed (slept or lowered) or resumed. Identified by (site, load, instant). */
export interface StateChange {
  siteId: string;
  loadId: string;
  /** When the agent decided to act (the trigger was known). */
  atMs: number;
  change: StateChangeKind;
  fromMw: number;
  toMw: number;
  trigger: Trigger;
  /** From `atMs` to the last miner confirmed in its new state. */
  fleetMs: number;
  miners?: { commanded: number; confirmed: number; failed: number };
}

/** Actual energy of one load in one interval: the mean of its samples in the interval over the interval's length. */
export interface IntervalActual {
  mwh: number;
  meanMw: number;
  /** Mean hashrate of the samples that report one; null when none does. */
  meanHashrateThs: number | null;
  samples: number;
}

/** Samples of one load, any order → its actual energy in [startMs, startMs + lenMs); null without a sample there. */
export function intervalActual(samples: readonly LoadSample[], startMs: number, lenMs: number): IntervalActual | null {
  let n = 0;
  let mw = 0;
  let hn = 0;
  let hash = 0;
  for (const s of samples) {
    if (s.atMs < startMs || s.atMs >= startMs + lenMs) continue;
    n++;
    mw += s.actualMw;
    if (s.hashrateThs !== undefined) {
      hn++;
      hash += s.hashrateThs;
    }
  }
  if (n === 0) return null;
  return { mwh: (mw / n) * (lenMs / HOUR_MS), meanMw: mw / n, meanHashrateThs: hn ? hash / hn : null, samples: n };
}

/**
 * Mining revenue of an actual: from the hashrate the fleet reported (H × PH/s × days × (1 − fee)),
 * or, without one, from the MWh at the load's full-power efficiency (the DESIGN formula).
 */
export function actualMiningRevenue(a: IntervalActual, load: MiningLoad, hashpriceUsdPerPhDay: number, lenMs: number): number {
  if (a.meanHashrateThs !== null)
    return hashpriceUsdPerPhDay * (a.meanHashrateThs / 1000) * (lenMs / (24 * HOUR_MS)) * (1 - load.poolFeePct / 100);
  return revenuePerMwh(hashpriceUsdPerPhDay, load.efficiencyJPerTh, load.poolFeePct) * a.mwh;
}

/** Grid events that ask a site's miners to come off: the site's DR and AS deployments, and emergencies that curtail mining. */
export const DEPLOYMENT_EVENT_TYPES = ['DR_DEPLOYMENT', 'AS_DEPLOYMENT', 'EEA', 'SB6_DIRECTIVE'] as const;

/** The share of the asked MW a fleet must shed for a deployment to count as achieved. */
export const ACHIEVED_SHARE = 0.95;
/** How far before a deployment's start the baseline (the mining MW running before it) is looked for. */
export const BASELINE_LOOKBACK_MS = 15 * MINUTE_MS;

export interface DeploymentPerformance {
  eventId: string;
  type: GridEvent['type'];
  product?: string;
  start: string;
  end: string;
  /** MW the event asked the site to shed (all mining running at its start, for an emergency order). */
  askedMw: number | null;
  /** Mining MW running just before the start, from telemetry; null without readings of every mining load. */
  baselineMw: number | null;
  /** The largest reduction from the baseline held during the event. */
  achievedMw: number | null;
  /** From the start to the first reading at which the reduction reached {@link ACHIEVED_SHARE} of the asked MW; null if it never did. */
  secondsToAchieve: number | null;
  met: boolean;
  /** Readings inside the event. */
  samples: number;
}

/** Does this event ask the site's miners to come off (per the site's emergency policy)? */
export function isDeploymentFor(site: Site, e: GridEvent): boolean {
  if (e.type === 'DR_DEPLOYMENT' || e.type === 'AS_DEPLOYMENT') return e.siteId === site.id;
  if (e.siteId && e.siteId !== site.id) return false;
  if (e.type === 'SB6_DIRECTIVE') return true;
  return e.type === 'EEA' && (e.level ?? 0) >= site.policy.emergency.curtailMiningAtEeaLevel;
}

/**
 * The site's mining MW after each reading: the sum of every mining load's latest reading, once
 * each has reported. Samples in any order.
 */
export function miningTotals(site: Site, samples: readonly LoadSample[]): { atMs: number; mw: number }[] {
  const ids = new Set(site.loads.filter((l) => l.kind === 'mining').map((l) => l.id));
  const sorted = samples.filter((s) => ids.has(s.loadId)).sort((a, b) => a.atMs - b.atMs);
  const latest = new Map<string, number>();
  const out: { atMs: number; mw: number }[] = [];
  for (const s of sorted) {
    latest.set(s.loadId, s.actualMw);
    if (latest.size < ids.size) continue;
    let mw = 0;
    for (const v of latest.values()) mw += v;
    const last = out[out.length - 1];
    if (last && last.atMs === s.atMs) last.mw = mw;
    else out.push({ atMs: s.atMs, mw });
  }
  return out;
}

/** The performance record of one deployment from the site's mining totals (`miningTotals`). */
export function deploymentPerformance(e: GridEvent, totals: readonly { atMs: number; mw: number }[]): DeploymentPerformance {
  let baseline: number | null = null;
  for (const t of totals) {
    if (t.atMs >= e.startMs) break;
    if (t.atMs >= e.startMs - BASELINE_LOOKBACK_MS) baseline = t.mw;
  }
  const emergency = e.type === 'EEA' || e.type === 'SB6_DIRECTIVE';
  const asked = emergency ? baseline : (e.mw ?? null);
  let achieved: number | null = null;
  let reachedMs: number | null = null;
  let samples = 0;
  for (const t of totals) {
    if (t.atMs < e.startMs) continue;
    if (t.atMs >= e.endMs) break;
    samples++;
    if (baseline === null) continue;
    const reduction = Math.max(0, baseline - t.mw);
    achieved = Math.max(achieved ?? 0, reduction);
    if (reachedMs === null && asked !== null && reduction >= ACHIEVED_SHARE * asked - 1e-9) reachedMs = t.atMs;
  }
  const round3 = (x: number | null) => (x === null ? null : Math.round(x * 1000) / 1000);
  return {
    eventId: e.id,
    type: e.type,
    ...(e.product ? { product: e.product } : {}),
    start: iso(e.startMs),
    end: iso(e.endMs),
    askedMw: round3(asked),
    baselineMw: round3(baseline),
    achievedMw: round3(achieved),
    secondsToAchieve: reachedMs === null ? null : (reachedMs - e.startMs) / 1000,
    met: reachedMs !== null,
    samples,
  };
}

/** The actual of a load in an aligned interval [startMs, startMs + lenMs); null without samples there. */
export type ActualOf = (loadId: string, startMs: number, lenMs: number) => IntervalActual | null;

/** Looks actuals up from samples grouped once per interval length (intervals are aligned to their length). */
export function actualsIndex(samples: readonly LoadSample[]): ActualOf {
  const byLength = new Map<number, Map<string, LoadSample[]>>();
  return (loadId, startMs, lenMs) => {
    let buckets = byLength.get(lenMs);
    if (!buckets) {
      buckets = new Map();
      for (const s of samples) {
        const k = `${s.loadId}|${Math.floor(s.atMs / lenMs) * lenMs}`;
        const list = buckets.get(k);
        if (list) list.push(s);
        else buckets.set(k, [s]);
      }
      byLength.set(lenMs, buckets);
    }
    const list = buckets.get(`${loadId}|${startMs}`);
    return list ? intervalActual(list, startMs, lenMs) : null;
  };
}
