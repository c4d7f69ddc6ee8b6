/**
 * The dispatch plan of a site (DESIGN §9): what the site agent carries out now and next, read from
 * the recorded decisions. Pure: the decisions and the grid events they name are passed in.
 *
 * Per interval and mining load, either a threshold — the decision's `curtailAboveUsdPerMwh`, and
 * the same price with the hysteresis band of the state the engine assumed taken off
 * (`thresholdUsdPerMwh`, what the shared execution function takes: the agent applies its own band,
 * knowing whether the load runs now) — or a forced state with its cause. The rule is the backtest's:
 * a load without a threshold runs the MW it was given.
 */
import type { Decision } from './decision.ts';
import type { GridEvent } from './grid.ts';
import { hysteresisBand } from './physics.ts';
import type { ExecutionMode, Load, MiningLoad, Site } from './sites.ts';
import { iso, MINUTE_MS } from './time.ts';

/** Why a load's MW is given rather than left to its threshold. */
export const FORCED_CAUSES = ['OVERRIDE', 'GRID_DEPLOYMENT', 'AS_AWARD', 'EMERGENCY', 'FAIL_SAFE', 'ENGINE'] as const;
export type ForcedCause = (typeof FORCED_CAUSES)[number];

export interface ForcedState {
  mw: number;
  cause: ForcedCause;
  /** The reason code that forced it (e.g. OVERRIDE_CURTAIL, DR_DEPLOYMENT, GRID_EMERGENCY_EEA2, FAIL_SAFE_PEAK_CURTAIL). */
  code: string;
  overrideId?: string;
  /** The grid events behind it (deployments, awards, emergencies). */
  gridEventIds?: string[];
}

export interface DispatchLoad {
  loadId: string;
  action: string;
  /** The MW the decision allocated (what runs at the decision's expected price). */
  mw: number;
  modeId?: string;
  /** As decided: includes the band of the state the engine assumed. Null when forced. */
  curtailAboveUsdPerMwh: number | null;
  /** Neutral threshold for the execution function: curtail above it (plus the band when running). Null when forced. */
  thresholdUsdPerMwh: number | null;
  forced: ForcedState | null;
}

export interface DispatchInterval {
  intervalStart: string;
  intervalEnd: string;
  intervalMinutes: number;
  revision: number;
  source: Decision['source'];
  decidedAt: string;
  flags: string[];
  /** The hashprice the decision used (for choosing a power mode at the live price); null when none. */
  hashpriceUsdPerPhDay: number | null;
  /** Awarded ancillary-service MW to hold running on curtailable loads (awards not deployed). */
  holdMw: number;
  loads: DispatchLoad[];
  /** AI tenants: the MW to serve from the grid (served first) and from backup generation. */
  tenants: { loadId: string; mw: number; backupGenMw: number }[];
}

export interface DispatchPlan {
  siteId: string;
  market: string;
  settlementPoint: string | null;
  timezone: string;
  execution: ExecutionMode;
  interconnectMw: number;
  baseLoadMw: number;
  /** Σ contracted MW of the AI tenants: what the interconnect serves before any miner. */
  aiContractedMw: number;
  hysteresisUsdPerMwh: number;
  maxPriceAgeMinutes: number;
  /** What the site does when its plan has run out (or its prices are stale): the engine's fail-safe. */
  failSafe: Site['policy']['failSafe'];
  /** The site's loads as configured (min run/off, ramp, power modes, restart cost). */
  loads: Load[];
  /** End of the last decided interval that follows on from now without a gap; null when now is not decided. */
  validUntil: string | null;
  /** Decided intervals from the one containing now, ascending. */
  intervals: DispatchInterval[];
}

const EMERGENCY = /^(GRID_EMERGENCY_EEA\d|SB6_DIRECTIVE|CONSERVATION_APPEAL)$/;
const DEPLOYMENT = /^(DR_DEPLOYMENT|AS_DEPLOYMENT)(\+(DR_DEPLOYMENT|AS_DEPLOYMENT))*$/;
const APPLIED_OVERRIDE = /^OVERRIDE_(RUN|CURTAIL|CAP)$/;
const DEPLOYMENT_TYPES = new Set(['DR_DEPLOYMENT', 'AS_DEPLOYMENT']);
const EMERGENCY_TYPES = new Set(['EEA', 'SB6_DIRECTIVE', 'CONSERVATION_APPEAL']);

/** The cause of a forced allocation, from its reason codes in the policy's precedence. */
export function forcedCause(reasons: readonly string[], eventsOfInterval: readonly GridEvent[]): Omit<ForcedState, 'mw'> {
  const ids = (types: Set<string>) => eventsOfInterval.filter((e) => types.has(e.type)).map((e) => e.id);
  const applied = reasons.find((r) => APPLIED_OVERRIDE.test(r));
  if (applied) {
    const ref = reasons.find((r) => r.startsWith('OVERRIDE:'));
    return { cause: 'OVERRIDE', code: applied, ...(ref ? { overrideId: ref.slice('OVERRIDE:'.length) } : {}) };
  }
  const emergency = reasons.find((r) => EMERGENCY.test(r));
  if (emergency) return { cause: 'EMERGENCY', code: emergency, gridEventIds: ids(EMERGENCY_TYPES) };
  const deployment = reasons.find((r) => DEPLOYMENT.test(r));
  if (deployment) return { cause: 'GRID_DEPLOYMENT', code: deployment, gridEventIds: ids(DEPLOYMENT_TYPES) };
  if (reasons.includes('AS_AWARD_RESERVED'))
    return { cause: 'AS_AWARD', code: 'AS_AWARD_RESERVED', gridEventIds: ids(new Set(['AS_AWARD'])) };
  const failSafe = reasons.find((r) => r.startsWith('FAIL_SAFE_'));
  if (failSafe) return { cause: 'FAIL_SAFE', code: failSafe };
  return { cause: 'ENGINE', code: reasons[0] ?? 'NO_THRESHOLD' };
}

/** Awarded AS MW of the site held in an interval: awards whose product is not deployed then. */
function heldMw(events: readonly GridEvent[]): number {
  const deployed = new Set(events.filter((e) => e.type === 'AS_DEPLOYMENT' && e.product).map((e) => e.product));
  return events.filter((e) => e.type === 'AS_AWARD' && !(e.product && deployed.has(e.product))).reduce((s, e) => s + (e.mw ?? 0), 0);
}

export function dispatchInterval(site: Site, d: Decision, gridEvents: readonly GridEvent[]): DispatchInterval {
  const startMs = Date.parse(d.intervalStart);
  const byId = new Map(gridEvents.map((e) => [e.id, e]));
  const events = d.inputs.gridEventIds
    .map((id) => byId.get(id))
    .filter((e): e is GridEvent => e !== undefined && (!e.siteId || e.siteId === site.id));
  const mining = new Map(site.loads.filter((l): l is MiningLoad => l.kind === 'mining').map((l) => [l.id, l]));
  const loads: DispatchLoad[] = [];
  const tenants: DispatchInterval['tenants'] = [];
  for (const a of d.allocations) {
    if (a.kind === 'ai') {
      tenants.push({ loadId: a.loadId, mw: a.mw, backupGenMw: a.backupGenMw ?? 0 });
      continue;
    }
    const load = mining.get(a.loadId);
    if (!load) continue; // no longer configured: nothing on site to drive
    const threshold = a.curtailAboveUsdPerMwh ?? null;
    let neutral: number | null = null;
    if (threshold !== null) {
      const before = d.inputs.previous?.[a.loadId];
      const modeMw = (a.modeId && load.modes.find((m) => m.id === a.modeId)?.powerMw) || load.powerMw;
      const band = hysteresisBand(load, modeMw, before ? before.mw > 0 : null, site.policy.hysteresisUsdPerMwh, d.intervalMinutes);
      neutral = Math.round((threshold - band) * 100) / 100;
    }
    loads.push({
      loadId: a.loadId,
      action: a.action,
      mw: a.mw,
      ...(a.modeId ? { modeId: a.modeId } : {}),
      curtailAboveUsdPerMwh: threshold,
      thresholdUsdPerMwh: neutral,
      forced: threshold === null ? { mw: a.mw, ...forcedCause(a.reasons, events) } : null,
    });
  }
  return {
    intervalStart: d.intervalStart,
    intervalEnd: iso(startMs + d.intervalMinutes * MINUTE_MS),
    intervalMinutes: d.intervalMinutes,
    revision: d.revision,
    source: d.source,
    decidedAt: d.decidedAt,
    flags: d.flags,
    hashpriceUsdPerPhDay: d.inputs.hashprice?.usdPerPhDay ?? null,
    holdMw: heldMw(events),
    loads,
    tenants,
  };
}

/**
 * The plan of a site at `nowMs` from its current decisions (any order) whose interval has not
 * ended, and the grid events those decisions name.
 */
export function dispatchPlan(site: Site, decisions: readonly Decision[], gridEvents: readonly GridEvent[], nowMs: number): DispatchPlan {
  const ahead = decisions
    .filter((d) => Date.parse(d.intervalStart) + d.intervalMinutes * MINUTE_MS > nowMs)
    .sort((a, b) => Date.parse(a.intervalStart) - Date.parse(b.intervalStart));
  const intervals = ahead.map((d) => dispatchInterval(site, d, gridEvents));
  let validUntil: string | null = null;
  if (intervals.length && Date.parse(intervals[0]!.intervalStart) <= nowMs) {
    validUntil = intervals[0]!.intervalEnd;
    for (const i of intervals.slice(1)) {
      if (i.intervalStart !== validUntil) break;
      validUntil = i.intervalEnd;
    }
  }
  return {
    siteId: site.id,
    market: site.market,
    settlementPoint: site.settlementPoint ?? null,
    timezone: site.timezone,
    execution: site.execution,
    interconnectMw: site.interconnectMw,
    baseLoadMw: site.baseLoadMw,
    aiContractedMw: site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0),
    hysteresisUsdPerMwh: site.policy.hysteresisUsdPerMwh,
    maxPriceAgeMinutes: site.policy.maxPriceAgeMinutes,
    failSafe: site.policy.failSafe,
    loads: site.loads,
    validUntil,
    intervals,
  };
}
