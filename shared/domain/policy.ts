/**
 * The decision policy (DESIGN §2): per site, per interval, in order of precedence —
 * physics, grid obligations, trader overrides, AI tenants first, economics, fail-safe.
 * Pure and deterministic: the same input gives the same decision.
 */
import { revenuePerMwh } from './economics.ts';
import type { GridEvent, Override } from './grid.ts';
import { overlaps } from './grid.ts';
import type { AiLoad, MiningLoad, Site } from './sites.ts';
import { localParts, MINUTE_MS } from './time.ts';

export const ENGINE_VERSION = '1.0.0';

export type AllocationAction = 'RUN' | 'CURTAIL' | 'PARTIAL' | 'SERVE';

export interface Allocation {
  loadId: string;
  kind: 'mining' | 'ai';
  action: AllocationAction;
  /** Grid draw of the load in this interval. */
  mw: number;
  /** The power mode, when a mining load runs in a reduced profile. */
  modeId?: string;
  /** Mining loads: the real-time price above which a controller curtails it; null when not price-responsive. */
  curtailAboveUsdPerMwh?: number | null;
  /** AI loads: MW carried by backup generation in this interval. */
  backupGenMw?: number;
  reasons: string[];
}

export interface PriceInput {
  /** The engine's expected real-time price for the interval. */
  expectedUsdPerMwh: number;
  /** How the expectation was formed (e.g. FORECAST, DA, RT_LAST, FIXED). */
  source: string;
  daUsdPerMwh: number | null;
  lastRtUsdPerMwh: number | null;
  lastRtIntervalStartMs: number | null;
  /** Age of the newest known price at decision time, minutes. */
  ageMinutes: number;
  demo: boolean;
}

export interface HashpriceInput {
  usdPerPhDay: number;
  day: string;
  /** Days between the hashprice day and the interval's day (1 = the last complete day). */
  ageDays: number;
  source: string;
  demo: boolean;
}

/** Each load's state at the end of the previous interval. */
export interface LoadState {
  mw: number;
  /** When the load last switched between running and curtailed. */
  sinceMs: number;
}
export type PreviousState = Readonly<Record<string, LoadState>>;

export interface DecisionInput {
  site: Site;
  intervalStartMs: number;
  intervalMinutes: number;
  price: PriceInput | null;
  hashprice: HashpriceInput | null;
  /** Probability that this interval sets a coincident peak (0 when not applicable). */
  peakProbability: number;
  /** Grid events that may apply (filtered here by window and site). */
  gridEvents: readonly GridEvent[];
  /** The site's overrides that may apply (filtered here by window). */
  overrides: readonly Override[];
  previous: PreviousState | null;
}

export interface DecisionEconomics {
  expectedPriceUsdPerMwh: number | null;
  miningRevenueUsd: number;
  energyCostUsd: number;
  miningNetUsd: number;
  runningMw: number;
  curtailedMw: number;
  aiServedMw: number;
  aiRevenueUsd: number;
  gridDrawMw: number;
}

export interface DecisionCore {
  allocations: Allocation[];
  /** Every reason code, site-level and per load, without repeats. */
  reasons: string[];
  /** Conditions that need a human's attention (stale inputs, overridden obligations, shortfalls). */
  flags: string[];
  /** Breakeven (= revenue per MWh) of each mining load at full power; null when hashprice is unknown. */
  breakevens: Record<string, number> | null;
  economics: DecisionEconomics;
  /** Ids of the grid events and overrides that applied. */
  gridEventIds: string[];
  overrideIds: string[];
}

interface Option {
  modeId: string | undefined;
  mw: number;
  efficiency: number;
}

interface CompiledSite {
  mining: MiningLoad[];
  /** Mining loads, most efficient first. */
  byEfficiency: MiningLoad[];
  options: Map<string, Option[]>;
  ai: AiLoad[];
  capacityMw: number;
  peakHours: Set<number>;
  fourCpMonths: Set<number>;
}

const compiled = new WeakMap<Site, CompiledSite>();

function compile(site: Site): CompiledSite {
  let c = compiled.get(site);
  if (c) return c;
  const mining = site.loads.filter((l): l is MiningLoad => l.kind === 'mining');
  const options = new Map<string, Option[]>();
  for (const l of mining) {
    const opts: Option[] = [{ modeId: undefined, mw: l.powerMw, efficiency: l.efficiencyJPerTh }];
    for (const m of l.modes) opts.push({ modeId: m.id, mw: m.powerMw, efficiency: m.efficiencyJPerTh });
    opts.sort((a, b) => b.mw - a.mw);
    options.set(l.id, opts);
  }
  c = {
    mining,
    byEfficiency: [...mining].sort((a, b) => a.efficiencyJPerTh - b.efficiencyJPerTh || (a.id < b.id ? -1 : 1)),
    options,
    ai: site.loads.filter((l): l is AiLoad => l.kind === 'ai'),
    capacityMw: Math.max(0, site.interconnectMw - site.baseLoadMw),
    peakHours: new Set(site.policy.failSafe.peakHoursLocal),
    fourCpMonths: new Set(site.fourCp.months),
  };
  compiled.set(site, c);
  return c;
}

/** Priority classes for capacity: lower is served first. */
const enum Cls {
  Physics = 0,
  Obligation = 1,
  Override = 2,
  Economics = 3,
}

interface Plan {
  load: MiningLoad;
  cls: Cls;
  mw: number;
  modeId: string | undefined;
  minMw: number;
  maxMw: number;
  threshold: number | null;
  reasons: string[];
  obligation: string | null;
  /** A trader override set this load's level. */
  overridden: boolean;
}

function pushUnique(list: string[], code: string): void {
  if (!list.includes(code)) list.push(code);
}

/** Applicable override for a load: a load-specific one beats a site-wide one; the newest wins. */
function overrideFor(loadId: string, isMining: boolean, active: readonly Override[]): Override | undefined {
  let specific: Override | undefined;
  let general: Override | undefined;
  for (const o of active) {
    if (o.loadId === loadId) {
      if (!specific || o.createdAtMs > specific.createdAtMs || (o.createdAtMs === specific.createdAtMs && o.id > specific.id)) specific = o;
    } else if (o.loadId === undefined && isMining) {
      if (!general || o.createdAtMs > general.createdAtMs || (o.createdAtMs === general.createdAtMs && o.id > general.id)) general = o;
    }
  }
  return specific ?? general;
}

export function decide(input: DecisionInput): DecisionCore {
  const { site, intervalStartMs: t, intervalMinutes, price, hashprice, previous } = input;
  const c = compile(site);
  const lenMs = intervalMinutes * MINUTE_MS;
  const hours = intervalMinutes / 60;
  const policy = site.policy;
  const flags: string[] = [];
  const siteReasons: string[] = [];

  // ---- inputs: which are usable ------------------------------------------------------------
  const priceOk = price !== null && Number.isFinite(price.expectedUsdPerMwh) && price.ageMinutes <= policy.maxPriceAgeMinutes;
  const hashOk = hashprice !== null && Number.isFinite(hashprice.usdPerPhDay) && hashprice.ageDays <= policy.maxHashpriceAgeDays;
  if (price === null) flags.push('MISSING_PRICE');
  else if (!priceOk) flags.push('STALE_PRICE');
  if (hashprice === null) flags.push('MISSING_HASHPRICE');
  else if (!hashOk) flags.push('STALE_HASHPRICE');
  if (price?.demo || hashprice?.demo) flags.push('DEMO_INPUTS');

  let breakevens: Record<string, number> | null = null;
  if (hashprice !== null && Number.isFinite(hashprice.usdPerPhDay)) {
    breakevens = {};
    for (const l of c.mining) breakevens[l.id] = revenuePerMwh(hashprice.usdPerPhDay, l.efficiencyJPerTh, l.poolFeePct);
  }

  // ---- grid events in force ------------------------------------------------------------------
  const gridEventIds: string[] = [];
  let eeaLevel = 0;
  let appeal = false;
  let sb6 = false;
  let curtailMw = 0;
  const curtailCodes: string[] = [];
  let reserveMw = 0;
  const deployedProducts = new Set<string>();
  const awards: GridEvent[] = [];
  for (const e of input.gridEvents) {
    if (!overlaps(e.startMs, e.endMs, t, lenMs)) continue;
    if (e.siteId !== undefined && e.siteId !== site.id) continue;
    if (e.siteId === undefined && e.market !== site.market) continue;
    gridEventIds.push(e.id);
    switch (e.type) {
      case 'EEA':
        eeaLevel = Math.max(eeaLevel, e.level ?? 1);
        break;
      case 'CONSERVATION_APPEAL':
        appeal = true;
        break;
      case 'SB6_DIRECTIVE':
        sb6 = true;
        break;
      case 'DR_DEPLOYMENT':
      case 'AS_DEPLOYMENT':
        curtailMw += e.mw ?? 0;
        pushUnique(curtailCodes, e.type);
        if (e.product) deployedProducts.add(e.product);
        break;
      case 'AS_AWARD':
        awards.push(e);
        break;
    }
  }
  for (const a of awards) if (!(a.product && deployedProducts.has(a.product))) reserveMw += a.mw ?? 0;
  const miningEmergency =
    sb6 ? 'SB6_DIRECTIVE'
    : eeaLevel >= policy.emergency.curtailMiningAtEeaLevel ? `GRID_EMERGENCY_EEA${eeaLevel}`
    : appeal && policy.emergency.curtailOnConservationAppeal ? 'CONSERVATION_APPEAL'
    : null;
  const aiEmergency = sb6 || eeaLevel >= policy.emergency.interruptAiAtEeaLevel;
  if (miningEmergency) flags.push('GRID_EMERGENCY');

  // ---- overrides in force ----------------------------------------------------------------------
  const activeOverrides = input.overrides.filter((o) => o.siteId === site.id && overlaps(o.fromMs, o.toMs, t, lenMs));
  const overrideIds: string[] = [];

  // ---- AI tenants first ----------------------------------------------------------------------
  let capacity = c.capacityMw;
  const allocations: Allocation[] = [];
  let aiServedMw = 0;
  let aiRevenueUsd = 0;
  for (const ai of c.ai) {
    const reasons: string[] = [];
    let want = ai.contractedMw;
    let backup = 0;
    const o = overrideFor(ai.id, false, activeOverrides);
    if (aiEmergency) {
      if (ai.interruptible) {
        want -= Math.min(want, ai.interruptibleMw ?? ai.contractedMw);
        reasons.push('AI_INTERRUPTED_EMERGENCY');
      }
      if (ai.backupGenMw > 0 && want > 0) {
        backup = Math.min(ai.backupGenMw, want);
        want -= backup;
        reasons.push('AI_ON_BACKUP_GEN');
      }
    }
    if (o && o.action !== 'RELEASE') {
      if (aiEmergency && (ai.interruptible || ai.backupGenMw > 0) && !o.acknowledgeObligation) {
        reasons.push('OVERRIDE_BLOCKED_BY_OBLIGATION');
      } else {
        if (aiEmergency && (ai.interruptible || ai.backupGenMw > 0)) pushUnique(flags, 'OBLIGATION_OVERRIDDEN');
        want = o.action === 'RUN' ? ai.contractedMw : o.action === 'CURTAIL' ? 0 : Math.min(ai.contractedMw, o.capMw ?? ai.contractedMw);
        backup = 0;
        reasons.push(`OVERRIDE_${o.action}`, `OVERRIDE:${o.id}`);
        pushUnique(overrideIds, o.id);
      }
    } else if (o) {
      reasons.push('OVERRIDE_RELEASE', `OVERRIDE:${o.id}`);
      pushUnique(overrideIds, o.id);
    }
    const mw = Math.min(want, capacity);
    if (mw < want) {
      reasons.push('INTERCONNECT_LIMIT');
      pushUnique(flags, 'AI_SHORTFALL');
    }
    if (reasons.length === 0 || mw > 0) reasons.unshift('AI_SERVED_FIRST');
    capacity -= mw;
    aiServedMw += mw + backup;
    aiRevenueUsd += (mw + backup) * ai.priceUsdPerMwh * hours;
    const alloc: Allocation = { loadId: ai.id, kind: 'ai', action: mw > 0 ? 'SERVE' : 'CURTAIL', mw, reasons };
    if (backup > 0) alloc.backupGenMw = backup;
    allocations.push(alloc);
  }

  // ---- mining: physics bounds --------------------------------------------------------------
  const plans: Plan[] = [];
  for (const load of c.byEfficiency) {
    const reasons: string[] = [];
    let minMw = 0;
    let maxMw = load.powerMw;
    const prev = previous?.[load.id];
    if (prev) {
      const runningFor = t - prev.sinceMs;
      if (prev.mw > 0 && load.minRunMinutes > 0 && runningFor < load.minRunMinutes * MINUTE_MS) {
        minMw = smallestOption(c.options.get(load.id)!).mw;
        reasons.push('MIN_RUN_TIME');
      }
      if (prev.mw === 0 && load.minOffMinutes > 0 && runningFor < load.minOffMinutes * MINUTE_MS) {
        maxMw = 0;
        reasons.push('MIN_OFF_TIME');
      }
      if (load.rampMinutes > intervalMinutes) {
        const step = (load.powerMw * intervalMinutes) / load.rampMinutes;
        if (prev.mw - step > minMw) minMw = prev.mw - step;
        if (prev.mw + step < maxMw) maxMw = prev.mw + step;
      }
    }
    plans.push({ load, cls: minMw > 0 || maxMw === 0 ? Cls.Physics : Cls.Economics, mw: 0, modeId: undefined, minMw, maxMw, threshold: null, reasons, obligation: null, overridden: false });
  }

  // ---- grid obligations ----------------------------------------------------------------------
  if (miningEmergency) {
    for (const p of plans) setObligation(p, 0, miningEmergency);
  } else {
    if (curtailMw > 0) {
      let curtailed = 0;
      // Least efficient first: it is the cheapest MW to give up.
      for (let i = plans.length - 1; i >= 0 && curtailed < curtailMw; i--) {
        const p = plans[i]!;
        if (!p.load.curtailable) continue;
        setObligation(p, 0, curtailCodes.join('+'));
        curtailed += p.load.powerMw;
      }
      if (curtailed < curtailMw) pushUnique(flags, 'OBLIGATION_SHORTFALL');
    }
    if (reserveMw > 0) {
      let reserved = 0;
      // Most efficient first: keeping it running costs least.
      for (const p of plans) {
        if (reserved >= reserveMw) break;
        if (!p.load.curtailable || p.obligation) continue;
        setObligation(p, p.load.powerMw, 'AS_AWARD_RESERVED');
        reserved += p.load.powerMw;
      }
      if (reserved < reserveMw) pushUnique(flags, 'OBLIGATION_SHORTFALL');
    }
  }

  // ---- trader overrides ----------------------------------------------------------------------
  for (const p of plans) {
    const o = overrideFor(p.load.id, true, activeOverrides);
    if (!o) continue;
    pushUnique(overrideIds, o.id);
    if (o.action === 'RELEASE') {
      p.reasons.push('OVERRIDE_RELEASE', `OVERRIDE:${o.id}`);
      continue;
    }
    if (p.obligation && !o.acknowledgeObligation) {
      p.reasons.push('OVERRIDE_BLOCKED_BY_OBLIGATION', `OVERRIDE:${o.id}`);
      continue;
    }
    if (p.obligation) pushUnique(flags, 'OBLIGATION_OVERRIDDEN');
    const full = p.load.powerMw;
    const want = o.action === 'RUN' ? full : o.action === 'CURTAIL' ? 0 : Math.min(full, Math.max(0, o.capMw ?? full));
    if (p.cls !== Cls.Physics || (want >= p.minMw && want <= p.maxMw)) p.cls = Cls.Override;
    p.mw = want;
    p.modeId = undefined;
    p.threshold = null;
    p.obligation = null;
    p.overridden = true;
    p.reasons.push(`OVERRIDE_${o.action}`, `OVERRIDE:${o.id}`);
  }

  // ---- economics (or the fail-safe) ----------------------------------------------------------
  const inputsOk = priceOk && hashOk && breakevens !== null;
  let fourCpPremium = 0;
  if (site.fourCp.enabled && input.peakProbability >= site.fourCp.minProbability) {
    if (c.fourCpMonths.has(localParts(t, site.timezone).month)) {
      fourCpPremium = (input.peakProbability * 1000 * site.fourCp.rateUsdPerKwYear) / (site.fourCp.peaksPerYear * hours);
    }
  }
  const expected = priceOk ? price.expectedUsdPerMwh : null;
  if (!inputsOk) {
    flags.push('FAIL_SAFE');
  }
  for (const p of plans) {
    if (p.cls !== Cls.Economics && p.cls !== Cls.Physics) continue;
    if (p.obligation) continue;
    const prev = previous?.[p.load.id];
    if (!inputsOk) {
      const peak = c.peakHours.has(localParts(t, site.timezone).hour);
      const mode = peak ? 'PEAK_CURTAIL' : policy.failSafe.otherwise;
      p.mw = mode === 'RUN' ? p.load.powerMw : mode === 'HOLD' ? (prev?.mw ?? 0) : 0;
      p.reasons.push(`FAIL_SAFE_${mode}`);
      continue;
    }
    const rev = breakevens![p.load.id]!;
    const pEff = expected! + fourCpPremium;
    const wasRunning = prev === undefined ? null : prev.mw > 0;
    let best: Option | undefined;
    let bestValue = 0;
    let bestBand = 0;
    for (const opt of c.options.get(p.load.id)!) {
      const optRev = opt.efficiency === p.load.efficiencyJPerTh ? rev : revenuePerMwh(hashprice!.usdPerPhDay, opt.efficiency, p.load.poolFeePct);
      const band = bandFor(p.load, opt.mw, wasRunning, policy.hysteresisUsdPerMwh, intervalMinutes);
      const value = (optRev + band - pEff) * opt.mw;
      if (value > bestValue) {
        best = opt;
        bestValue = value;
        bestBand = band;
      }
    }
    const fullBand = best ? bestBand : bandFor(p.load, p.load.powerMw, wasRunning, policy.hysteresisUsdPerMwh, intervalMinutes);
    p.threshold = round2(rev + fullBand - fourCpPremium);
    if (best) {
      p.mw = best.mw;
      p.modeId = best.modeId;
      p.reasons.push(best.modeId ? 'ECONOMIC_MODE' : 'ECONOMIC_RUN');
      if (wasRunning === false && p.load.restartCostUsd > 0) p.reasons.push('RESTART_COST_COVERED');
    } else {
      p.mw = 0;
      p.reasons.push(fourCpPremium > 0 && expected! < rev + fullBand ? 'FOURCP_PEAK_RISK' : 'ECONOMIC_CURTAIL');
    }
    if (fourCpPremium > 0 && best) p.reasons.push('FOURCP_RISK_PRICED');
    if (wasRunning !== null && (wasRunning ? expected! > rev : expected! < rev) && (best !== undefined) === wasRunning) {
      p.reasons.push('HYSTERESIS_HOLD');
    }
  }

  // ---- physics: clamp to bounds, then share the interconnect --------------------------------
  plans.sort((a, b) => a.cls - b.cls || a.load.efficiencyJPerTh - b.load.efficiencyJPerTh || (a.load.id < b.load.id ? -1 : 1));
  let miningRevenueUsd = 0;
  let energyCostUsd = 0;
  let runningMw = 0;
  let curtailedMw = 0;
  const miningAllocs = new Map<string, Allocation>();
  for (const p of plans) {
    let mw = p.mw;
    if (mw < p.minMw) {
      mw = p.minMw;
      limitedByPhysics(p, flags);
      if (!p.reasons.includes('MIN_RUN_TIME')) p.reasons.push('RAMP_LIMIT');
    } else if (mw > p.maxMw) {
      mw = p.maxMw;
      limitedByPhysics(p, flags);
      if (!p.reasons.includes('MIN_OFF_TIME')) p.reasons.push('RAMP_LIMIT');
    }
    let modeId = mw === p.mw ? p.modeId : undefined;
    if (mw > capacity) {
      const fit = largestOptionWithin(c.options.get(p.load.id)!, capacity);
      mw = fit ? fit.mw : Math.max(0, capacity);
      modeId = fit?.modeId;
      p.reasons.push('INTERCONNECT_LIMIT');
      if (p.overridden) pushUnique(flags, 'OVERRIDE_LIMITED_BY_INTERCONNECT');
      if (p.obligation) pushUnique(flags, 'OBLIGATION_SHORTFALL');
    }
    capacity -= mw;
    const action: AllocationAction = mw <= 0 ? 'CURTAIL' : mw >= p.load.powerMw ? 'RUN' : 'PARTIAL';
    const alloc: Allocation = { loadId: p.load.id, kind: 'mining', action, mw, curtailAboveUsdPerMwh: p.threshold, reasons: p.reasons };
    if (modeId !== undefined && mw > 0) alloc.modeId = modeId;
    miningAllocs.set(p.load.id, alloc);
    runningMw += mw;
    curtailedMw += p.load.powerMw - mw;
    if (breakevens && expected !== null && mw > 0) {
      const eff = modeId ? c.options.get(p.load.id)!.find((o) => o.modeId === modeId)!.efficiency : p.load.efficiencyJPerTh;
      const rev = eff === p.load.efficiencyJPerTh ? breakevens[p.load.id]! : revenuePerMwh(hashprice!.usdPerPhDay, eff, p.load.poolFeePct);
      miningRevenueUsd += rev * mw * hours;
      energyCostUsd += expected * mw * hours;
    }
  }
  // Allocations in the order of the sites file.
  for (const l of c.mining) allocations.push(miningAllocs.get(l.id)!);

  const reasons = siteReasons;
  for (const a of allocations) for (const r of a.reasons) pushUnique(reasons, r);
  if (reasons.length === 0) reasons.push('NO_LOADS');

  return {
    allocations,
    reasons,
    flags,
    breakevens,
    economics: {
      expectedPriceUsdPerMwh: expected,
      miningRevenueUsd,
      energyCostUsd,
      miningNetUsd: miningRevenueUsd - energyCostUsd,
      runningMw,
      curtailedMw,
      aiServedMw,
      aiRevenueUsd,
      gridDrawMw: site.baseLoadMw + runningMw + (aiServedMw - sumBackup(allocations)),
    },
    gridEventIds,
    overrideIds,
  };
}

function limitedByPhysics(p: Plan, flags: string[]): void {
  if (p.obligation) pushUnique(flags, 'OBLIGATION_SHORTFALL');
  if (p.overridden) pushUnique(flags, 'OVERRIDE_LIMITED_BY_PHYSICS');
}

function setObligation(p: Plan, mw: number, code: string): void {
  p.cls = p.cls === Cls.Physics && (mw < p.minMw || mw > p.maxMw) ? Cls.Physics : Cls.Obligation;
  p.mw = mw;
  p.modeId = undefined;
  p.threshold = null;
  p.obligation = code;
  p.reasons.push(code);
}

/**
 * Dead band in $/MWh added to a load's breakeven: running loads keep running up to breakeven + h;
 * stopped loads restart only below breakeven − h − the restart cost spread over the minimum run
 * (or an hour). Unknown previous state: no band.
 */
function bandFor(load: MiningLoad, mw: number, wasRunning: boolean | null, h: number, intervalMinutes: number): number {
  if (wasRunning === null) return 0;
  if (wasRunning) return h;
  const runHours = Math.max(load.minRunMinutes, 60, intervalMinutes) / 60;
  return -h - load.restartCostUsd / (mw * runHours);
}

function smallestOption(opts: Option[]): Option {
  return opts[opts.length - 1]!;
}

function largestOptionWithin(opts: Option[], mw: number): Option | undefined {
  for (const o of opts) if (o.mw <= mw + 1e-9) return o;
  return undefined;
}

function sumBackup(allocs: Allocation[]): number {
  let s = 0;
  for (const a of allocs) s += a.backupGenMw ?? 0;
  return s;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
