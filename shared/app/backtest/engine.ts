/**
 * The backtest (DESIGN §6): replays a timeline through the policies and settles every load-interval
 * at the 15-minute settlement price, as ERCOT settles loads.
 *
 * - `always_on`: every mining load at full power (within the interconnect), every interval.
 * - `perfect_foresight`: the optimum knowing every price (dp.ts), under the same constraints.
 * - `engine`: the live `decide`, one call per interval at its start (`scheduled` execution), with
 *   only what was known then: settlement prices published by then (interval end + the publication
 *   lag of the timeline), the day-ahead price, the hashprice of the day − 1 rule, and the peak
 *   probability from the load forecast and the actual load so far.
 * - `engine_hourly`: `decide` for the four intervals of each hour at the hour's start, as the hourly run does.
 * - `engine_price_responsive`: the engine's per-interval thresholds carried out by the domain's
 *   execution rule (execution.ts) on the latest known 5-minute price, one reaction lag late, as a
 *   site agent curtailing by itself does.
 * - `engine_dispatched`: the same thresholds carried out against each 5-minute price without lag,
 *   as SCED dispatches a Controllable Load Resource in the run that sets the price.
 * The executed policies settle the MW run in each 5-minute step at the interval's settlement price.
 * Without 5-minute prices each interval's three take its settlement price: an upper bound.
 *
 * Every policy starts with each load running long enough to stop freely.
 *
 * Each policy's P&L has its own lines: mining revenue, energy cost, restart costs and, when
 * configured, the coincident-peak transmission charge (4CP) and ancillary-service payments. AS
 * awards come from the engine's hourly bids (offers at opportunity cost that clear at the hour's
 * price); the engine policies hold the awarded MW running (the live `decide` sees them as
 * `AS_AWARD` grid events) and are paid the clearing price for what they held. `always_on` and
 * `perfect_foresight` are energy-only. Deployments are not modelled.
 */
import { hourBid } from '#domain/bids.ts';
import { revenuePerMwh } from '#domain/economics.ts';
import type { CarbonInput } from '#domain/emissions.ts';
import { compileExecution, efficiencyOrder, executeStep, initialExecutionState, newExecutionStep } from '#domain/execution.ts';
import type { ForecastFeatures, PriceForecaster } from '#domain/forecast.ts';
import type { GridEvent } from '#domain/grid.ts';
import { hysteresisBand } from '#domain/physics.ts';
import { type DecisionInput, decide, type HashpriceInput, type LoadState, type PriceInput } from '#domain/policy.ts';
import type { ExecutionMode, MiningLoad, Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '#domain/time.ts';
import type { SystemLoadPoint } from '#ports/market-data.ts';
import { type DpLoad, perfectForesight } from './dp.ts';
import { type FourCpPeak, type FourCpSetup, setupFourCp } from './fourcp.ts';
import { localCalendar, type Timeline } from './timeline.ts';

export const POLICIES = [
  'always_on',
  'perfect_foresight',
  'engine',
  'engine_hourly',
  'engine_price_responsive',
  'engine_dispatched',
] as const;
export type PolicyName = (typeof POLICIES)[number];

/** The policies a capture ratio is reported for. */
export const ENGINE_POLICIES = ['engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched'] as const;
export type EnginePolicy = (typeof ENGINE_POLICIES)[number];

/** The policies that carry out thresholds against 5-minute prices (upper bounds without 5-minute prices). */
export const EXECUTED_POLICIES = ['engine_price_responsive', 'engine_dispatched'] as const;

/** The policy that stands for a site's own `execution`. */
export const HEADLINE_POLICY: Record<ExecutionMode, EnginePolicy> = {
  scheduled: 'engine',
  'price-responsive': 'engine_price_responsive',
  dispatched: 'engine_dispatched',
};

/** SCED intervals between a 5-minute price and the step a site agent first acts on it. */
export const DEFAULT_REACTION_LAG_SCED = 1;

/** How many RT prices the forecaster sees (the most recent ended intervals). */
export const RECENT_RT_INTERVALS = 4;

export interface PolicyTotals {
  netMarginUsd: number;
  miningRevenueUsd: number;
  energyCostUsd: number;
  runIntervals: number;
  restarts: number;
  restartCostUsd: number;
  /** Coincident-peak transmission charge of the mining draw (only when 4CP is configured). */
  fourCpChargeUsd: number;
  /** Ancillary-service capacity payments for awarded MW held running (only when AS is configured). */
  ancillaryRevenueUsd: number;
}

export interface MonthRow {
  /** Local month at the site, YYYY-MM. */
  month: string;
  intervals: number;
  /** Net margin, ancillary payments included. */
  net: Record<PolicyName, number>;
  ancillary: Record<PolicyName, number>;
  runIntervals: Record<PolicyName, number>;
}

/** Per-interval detail of one site (for the CSV and the report). Arrays are indexed `l * n + i`. */
export interface SiteSeries {
  /** Breakeven (revenue per MWh at full power) of each load. */
  breakeven: Float64Array;
  /** Full power of each load. */
  fullMw: number[];
  mw: Record<PolicyName, Float32Array>;
  net: Record<PolicyName, Float64Array>;
  /** The executed policies: MW of each SCED step, `(l * n + i) * stepsPerInterval + k`. */
  stepMw: Partial<Record<PolicyName, Float32Array>>;
}

export interface SiteResult {
  siteId: string;
  intervals: number;
  loadIds: string[];
  policies: Record<PolicyName, PolicyTotals>;
  monthly: MonthRow[];
  /**
   * Energy P&L (ancillary payments left out, as in the capture ratio) per local day at the site, for
   * day-block bootstraps; `days` are the local dates, YYYY-MM-DD.
   */
  daily: { days: string[]; net: Record<PolicyName, Float64Array> };
  fourCp: { peaks: FourCpPeak[] } | null;
  series: SiteSeries | null;
}

export interface BacktestOptions {
  forecaster: PriceForecaster;
  /** Keep per-interval detail (CSV, report). Off for benchmarks. */
  record?: boolean;
  /** Only these policies (default all). */
  policies?: readonly PolicyName[];
  /** Hourly actual system load and forecast, for 4CP. */
  loadActual?: readonly SystemLoadPoint[];
  /** Progress callback: intervals processed since the last call. */
  onProgress?: (intervals: number) => void;
  /** `engine_price_responsive`: SCED intervals from a price to the step that acts on it (default 1). */
  reactionLagSced?: number;
  /** Grid intensity per interval of the timeline, lb CO2/MWh (NaN where unknown): what a shadow carbon price prices. */
  intensity?: Float64Array;
}

/** A mining load's options as arrays: index 0 full power, then the modes. */
interface LoadModel {
  load: MiningLoad;
  mw: Float64Array;
  /** Revenue per MWh per unit hashprice. */
  factor: Float64Array;
  modeIndex: Map<string, number>;
  kOn: number;
  kOff: number;
}

function modelOf(load: MiningLoad, intervalMinutes: number): LoadModel {
  const opts = [
    { id: undefined as string | undefined, mw: load.powerMw, eff: load.efficiencyJPerTh },
    ...load.modes.map((m) => ({ id: m.id as string | undefined, mw: m.powerMw, eff: m.efficiencyJPerTh })),
  ];
  const modeIndex = new Map<string, number>();
  opts.forEach((o, k) => o.id !== undefined && modeIndex.set(o.id, k));
  return {
    load,
    mw: Float64Array.from(opts.map((o) => o.mw)),
    // Revenue is linear in the hashprice: the economics formula at H = 1.
    factor: Float64Array.from(opts.map((o) => revenuePerMwh(1, o.eff, load.poolFeePct))),
    modeIndex,
    kOn: Math.max(1, Math.ceil(load.minRunMinutes / intervalMinutes)),
    kOff: Math.max(1, Math.ceil(load.minOffMinutes / intervalMinutes)),
  };
}

/**
 * Accumulates one policy's P&L for one site. A load-interval is settled whole (`part` 1) or in
 * SCED steps (`part` 1/3 each): energy at the interval's settlement price for the MW run in the part.
 */
class Ledger {
  readonly totals: PolicyTotals = {
    netMarginUsd: 0,
    miningRevenueUsd: 0,
    energyCostUsd: 0,
    runIntervals: 0,
    restarts: 0,
    restartCostUsd: 0,
    fourCpChargeUsd: 0,
    ancillaryRevenueUsd: 0,
  };
  readonly monthNet: Float64Array;
  readonly monthAncillary: Float64Array;
  readonly monthRuns: Float64Array;
  /** Energy net per local day (ancillary payments left out). */
  readonly dayNet: Float64Array;
  private readonly prevMw: Float64Array;
  /** Per load: the interval last counted as run, and the MW summed over the parts of the current interval. */
  private readonly counted: Int32Array;
  private readonly partInterval: Int32Array;
  private readonly partMw: Float64Array;
  private readonly parts: Int32Array;

  constructor(
    private readonly ctx: SiteContext,
    readonly mwOut: Float32Array | null,
    readonly netOut: Float64Array | null,
  ) {
    const L = ctx.models.length;
    this.monthNet = new Float64Array(ctx.monthCount);
    this.monthAncillary = new Float64Array(ctx.monthCount);
    this.monthRuns = new Float64Array(ctx.monthCount);
    this.dayNet = new Float64Array(ctx.days.length);
    this.prevMw = Float64Array.from(ctx.models.map((m) => m.load.powerMw));
    this.counted = new Int32Array(L).fill(-1);
    this.partInterval = new Int32Array(L).fill(-1);
    this.partMw = new Float64Array(L);
    this.parts = new Int32Array(L);
  }

  /** Settles load `l` running `mw` in option `o` (ignored when mw is 0) for `part` of interval `i`. */
  settle(l: number, i: number, mw: number, o: number, part = 1): void {
    const { tl, hours, models, fourCp } = this.ctx;
    const m = models[l]!;
    let net = 0;
    if (mw > 0) {
      const h = tl.hashprice[i]!;
      const revenue = (Number.isFinite(h) ? h : 0) * m.factor[o]! * mw * hours * part;
      const energy = tl.rt[i]! * mw * hours * part;
      const t = this.totals;
      t.miningRevenueUsd += revenue;
      t.energyCostUsd += energy;
      net = revenue - energy;
      if (this.counted[l] !== i) {
        this.counted[l] = i;
        t.runIntervals++;
        this.monthRuns[this.ctx.monthOf[i]!]! += 1;
      }
      if (this.prevMw[l] === 0) {
        t.restarts++;
        t.restartCostUsd += m.load.restartCostUsd;
        net -= m.load.restartCostUsd;
      }
      if (fourCp !== null) {
        const charge = fourCp.chargePerMw[i]! * mw * part;
        if (charge > 0) {
          t.fourCpChargeUsd += charge;
          net -= charge;
        }
      }
    }
    this.prevMw[l] = mw;
    this.totals.netMarginUsd += net;
    this.monthNet[this.ctx.monthOf[i]!]! += net;
    this.dayNet[this.ctx.dayOf[i]!]! += net;
    const k = l * tl.n + i;
    if (this.mwOut) {
      if (part === 1) this.mwOut[k] = mw;
      else {
        if (this.partInterval[l] !== i) {
          this.partInterval[l] = i;
          this.partMw[l] = 0;
          this.parts[l] = 0;
        }
        this.partMw[l]! += mw;
        this.parts[l]!++;
        // The interval's mean MW (the parts are equal).
        this.mwOut[k] = this.partMw[l]! / this.parts[l]!;
      }
    }
    if (this.netOut) this.netOut[k] = (part === 1 ? 0 : this.netOut[k]!) + net;
  }

  /** Pays the interval's ancillary-service award for the awarded MW that curtailable loads held running (for `part` of it). */
  settleAncillary(i: number, heldMw: number, part = 1): void {
    const { tl, hours, awards } = this.ctx;
    if (awards === null) return;
    const mw = Math.min(awards.mw[i]!, heldMw);
    if (!(mw > 0)) return;
    const revenue = tl.asPrice[i]! * mw * hours * part;
    this.totals.ancillaryRevenueUsd += revenue;
    this.totals.netMarginUsd += revenue;
    this.monthNet[this.ctx.monthOf[i]!]! += revenue;
    this.monthAncillary[this.ctx.monthOf[i]!]! += revenue;
  }
}

/** Ancillary-service awards: per hour, the curtailable MW whose offer cleared at the product's price. */
interface Awards {
  /** Awarded MW in each interval. */
  mw: Float64Array;
  /** Hour index of each interval, and the award of each hour as a grid event for the policy. */
  hourOf: Int32Array;
  events: GridEvent[][];
}

function setupAwards(site: Site, tl: Timeline, fourCp: FourCpSetup | null): Awards | null {
  const product = tl.asProduct;
  if (!product || !site.loads.some((l) => l.kind === 'mining' && l.curtailable)) return null;
  const mw = new Float64Array(tl.n);
  const hourOf = new Int32Array(tl.n);
  const events: GridEvent[][] = [];
  let hour = Number.NaN;
  let award = 0;
  for (let i = 0; i < tl.n; i++) {
    const hs = Math.floor(tl.t[i]! / HOUR_MS) * HOUR_MS;
    if (hs !== hour) {
      hour = hs;
      award = 0;
      const mcpc = tl.asPrice[i]!;
      const h = tl.hashprice[i]!;
      if (Number.isFinite(mcpc) && Number.isFinite(h)) {
        const da = tl.da[i]!;
        const bid = hourBid(
          site,
          {
            hourStartMs: hs,
            hashprice: {
              usdPerPhDay: h,
              day: tl.hashDays[tl.hashDayIndex[i]!]!,
              ageDays: tl.hashAgeDays[i]!,
              source: 'backtest',
              demo: false,
            },
            daUsdPerMwh: Number.isFinite(da) ? da : null,
            peakProbability: fourCp ? fourCp.probForBid[i]! : 0,
          },
          [product],
        );
        for (const o of bid.asOffers) if (o.priceUsdPerMwh <= mcpc) award += o.mw;
      }
      events.push(
        award > 0
          ? [
              {
                id: `as-award-${site.id}-${hs}`,
                type: 'AS_AWARD',
                market: site.market,
                siteId: site.id,
                mw: award,
                product,
                priceUsdPerMwh: tl.asPrice[i]!,
                startMs: hs,
                endMs: hs + HOUR_MS,
              },
            ]
          : [],
      );
    }
    mw[i] = award;
    hourOf[i] = events.length - 1;
  }
  return { mw, hourOf, events };
}

interface SiteContext {
  site: Site;
  tl: Timeline;
  hours: number;
  models: LoadModel[];
  /** Mining MW available after base load and AI tenants. */
  capacityMw: number;
  fourCp: FourCpSetup | null;
  awards: Awards | null;
  monthOf: Int32Array;
  monthCount: number;
  months: string[];
  /** Local day index of each interval, and the local dates. */
  dayOf: Int32Array;
  days: string[];
  intensity: Float64Array | null;
}

/** Runs the backtest of one site over a timeline. */
export function backtestSite(site: Site, tl: Timeline, opts: BacktestOptions): SiteResult {
  const policies = opts.policies ?? POLICIES;
  const hours = tl.intervalMinutes / 60;
  const models = site.loads.filter((l): l is MiningLoad => l.kind === 'mining').map((l) => modelOf(l, tl.intervalMinutes));
  const aiMw = site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0);
  const cal = localCalendar(tl, site.timezone);
  const monthOf = new Int32Array(tl.n);
  const months: string[] = [];
  const dayOf = new Int32Array(tl.n);
  const days: string[] = [];
  let lastDay = Number.NaN;
  for (let i = 0; i < tl.n; i++) {
    if (cal.day[i] !== lastDay) {
      lastDay = cal.day[i]!;
      const date = new Date(lastDay * DAY_MS).toISOString().slice(0, 10);
      days.push(date);
      if (months[months.length - 1] !== date.slice(0, 7)) months.push(date.slice(0, 7));
    }
    monthOf[i] = months.length - 1;
    dayOf[i] = days.length - 1;
  }
  const fourCp = site.fourCp.enabled && opts.loadActual && opts.loadActual.length > 0 ? setupFourCp(site, tl, opts.loadActual) : null;
  const ctx: SiteContext = {
    site,
    tl,
    hours,
    models,
    capacityMw: Math.max(0, site.interconnectMw - site.baseLoadMw - aiMw),
    fourCp,
    awards: setupAwards(site, tl, fourCp),
    monthOf,
    monthCount: months.length,
    months,
    dayOf,
    days,
    intensity: opts.intensity ?? null,
  };
  const L = models.length;
  const series: SiteSeries | null = opts.record
    ? {
        breakeven: new Float64Array(L * tl.n),
        fullMw: models.map((m) => m.load.powerMw),
        mw: {} as Record<PolicyName, Float32Array>,
        net: {} as Record<PolicyName, Float64Array>,
        stepMw: {},
      }
    : null;
  if (series) {
    for (let l = 0; l < L; l++) for (let i = 0; i < tl.n; i++) series.breakeven[l * tl.n + i] = tl.hashprice[i]! * models[l]!.factor[0]!;
  }
  const ledgers = {} as Record<PolicyName, Ledger>;
  for (const p of policies) {
    if (series) {
      series.mw[p] = new Float32Array(L * tl.n);
      series.net[p] = new Float64Array(L * tl.n);
    }
    ledgers[p] = new Ledger(ctx, series?.mw[p] ?? null, series?.net[p] ?? null);
  }
  // The executed policies carry out the scheduled engine's thresholds: decided once, kept when asked for.
  const executed = policies.some((p) => p === 'engine_price_responsive' || p === 'engine_dispatched');
  let thresholds: EngineThresholds | null = null;
  const reactionLag = opts.reactionLagSced ?? DEFAULT_REACTION_LAG_SCED;
  for (const p of policies) {
    const ledger = ledgers[p];
    if (p === 'always_on') runAlwaysOn(ctx, ledger);
    else if (p === 'perfect_foresight') runPerfectForesight(ctx, ledger);
    else if (p === 'engine')
      thresholds = runEngine(ctx, ledger, opts.forecaster, false, opts.onProgress, executed && !thresholds) ?? thresholds;
    else if (p === 'engine_hourly') runEngine(ctx, ledger, opts.forecaster, true, opts.onProgress, false);
    else {
      thresholds ??= runEngine(ctx, null, opts.forecaster, false, undefined, true);
      if (series) series.stepMw[p] = new Float32Array(L * tl.n * tl.stepsPerInterval);
      const mode = p === 'engine_dispatched' ? 'dispatched' : 'price-responsive';
      runExecuted(ctx, ledger, thresholds!, mode, reactionLag, series?.stepMw[p] ?? null);
    }
  }
  const totals = {} as Record<PolicyName, PolicyTotals>;
  const dailyNet = {} as Record<PolicyName, Float64Array>;
  for (const p of policies) {
    totals[p] = ledgers[p].totals;
    dailyNet[p] = ledgers[p].dayNet;
  }
  const monthCounts = new Float64Array(months.length);
  for (let i = 0; i < tl.n; i++) monthCounts[monthOf[i]!]!++;
  const monthly: MonthRow[] = months.map((month, k) => {
    const net = {} as Record<PolicyName, number>;
    const ancillary = {} as Record<PolicyName, number>;
    const runIntervals = {} as Record<PolicyName, number>;
    for (const p of policies) {
      net[p] = ledgers[p].monthNet[k]!;
      ancillary[p] = ledgers[p].monthAncillary[k]!;
      runIntervals[p] = ledgers[p].monthRuns[k]!;
    }
    return { month, intervals: monthCounts[k]!, net, ancillary, runIntervals };
  });
  return {
    siteId: site.id,
    intervals: tl.n,
    loadIds: models.map((m) => m.load.id),
    policies: totals,
    monthly,
    daily: { days, net: dailyNet },
    fourCp: fourCp && { peaks: fourCp.peaks },
    series,
  };
}

// ---- always on ---------------------------------------------------------------------------------

function runAlwaysOn(ctx: SiteContext, ledger: Ledger): void {
  // Most efficient first when the interconnect is short, as the policy orders them.
  const order = efficiencyOrder(ctx.models.map((m) => m.load));
  const mw = new Float64Array(ctx.models.length);
  let cap = ctx.capacityMw;
  for (const l of order) {
    mw[l] = Math.min(ctx.models[l]!.load.powerMw, Math.max(0, cap));
    cap -= mw[l]!;
  }
  for (let i = 0; i < ctx.tl.n; i++) for (let l = 0; l < ctx.models.length; l++) ledger.settle(l, i, mw[l]!, 0);
}

// ---- perfect foresight -------------------------------------------------------------------------

function runPerfectForesight(ctx: SiteContext, ledger: Ledger): void {
  const { tl, models, hours, fourCp } = ctx;
  const price = new Float64Array(tl.n);
  for (let i = 0; i < tl.n; i++) price[i] = tl.rt[i]! + (fourCp ? fourCp.chargePerMw[i]! / hours : 0);
  const loads: DpLoad[] = models.map((m) => ({
    kOn: m.kOn,
    kOff: m.kOff,
    restartCostUsd: m.load.restartCostUsd,
    options: Array.from(m.mw, (mw, k) => ({ mw, revenueFactor: m.factor[k]! })),
  }));
  const schedule = perfectForesight({ loads, capacityMw: ctx.capacityMw, hours, hashprice: tl.hashprice, price });
  for (let i = 0; i < tl.n; i++) {
    for (let l = 0; l < models.length; l++) {
      const o = schedule.option[l]![i]!;
      ledger.settle(l, i, o < 0 ? 0 : models[l]!.mw[o]!, Math.max(o, 0));
    }
  }
}

// ---- engine (scheduled, per interval or per hour) ---------------------------------------------

/**
 * What the scheduled engine decided for each load-interval (`i * L + l`), for the executed policies:
 * the neutral curtail-above threshold (NaN when the load was not price-responsive), and otherwise
 * the MW it was given (override, grid obligation, fail-safe).
 */
interface EngineThresholds {
  threshold: Float64Array;
  forcedMw: Float64Array;
}

function runEngine(
  ctx: SiteContext,
  ledger: Ledger | null,
  forecaster: PriceForecaster,
  hourly: boolean,
  onProgress: ((n: number) => void) | undefined,
  keepThresholds: boolean,
): EngineThresholds | null {
  const { site, tl, models, fourCp, awards } = ctx;
  const cal = localCalendar(tl, site.timezone);
  const lenMs = tl.intervalMinutes * MINUTE_MS;
  const aiCount = site.loads.length - models.length;
  const L = models.length;
  const kept: EngineThresholds | null = keepThresholds
    ? { threshold: new Float64Array(L * tl.n), forcedMw: new Float64Array(L * tl.n) }
    : null;
  const previous: Record<string, LoadState> = {};
  for (const m of models) previous[m.load.id] = { mw: m.load.powerMw, sinceMs: tl.t[0]! - DAY_MS };
  const recent: number[] = [];
  const features: ForecastFeatures = {
    intervalStartMs: 0,
    decisionTimeMs: 0,
    daUsdPerMwh: null,
    recentRtUsdPerMwh: recent,
    lastRtIntervalStartMs: null,
    localHour: 0,
    month: 1,
    loadForecastMw: null,
  };
  const price: PriceInput = {
    expectedUsdPerMwh: 0,
    source: forecaster.name,
    daUsdPerMwh: null,
    lastRtUsdPerMwh: null,
    lastRtIntervalStartMs: null,
    ageMinutes: 0,
    demo: false,
  };
  const hashprice: HashpriceInput = { usdPerPhDay: 0, day: '', ageDays: 0, source: 'backtest', demo: false };
  const input: DecisionInput = {
    site,
    intervalStartMs: 0,
    intervalMinutes: tl.intervalMinutes,
    price,
    hashprice,
    peakProbability: 0,
    gridEvents: [],
    overrides: [],
    previous,
  };
  const carbon: CarbonInput = { lbCo2PerMwh: 0, kind: 'AVERAGE', source: 'backtest', intervalStartMs: 0 };
  const probs = fourCp ? (hourly ? fourCp.probAtHour : fourCp.probAtStart) : null;
  const probScale = tl.intervalMinutes / 60;
  // Index of the newest interval whose settlement price is known at decision time (published by then), or −1.
  let known = -1;
  let progressed = 0;
  for (let i = 0; i < tl.n; i++) {
    const t = tl.t[i]!;
    const decisionMs = hourly ? Math.floor(t / HOUR_MS) * HOUR_MS : t;
    const before = known;
    while (known + 1 < tl.n && tl.rtKnownMs[known + 1]! <= decisionMs) known++;
    if (known !== before) {
      // Recent RT prices: the newest known intervals, oldest first.
      const first = Math.max(0, known - RECENT_RT_INTERVALS + 1);
      recent.length = known - first + 1;
      for (let k = first; k <= known; k++) recent[k - first] = tl.rt[k]!;
    }
    const da = tl.daKnownMs[i]! <= decisionMs ? tl.da[i]! : Number.NaN;
    features.intervalStartMs = t;
    features.decisionTimeMs = decisionMs;
    features.daUsdPerMwh = Number.isFinite(da) ? da : null;
    features.lastRtIntervalStartMs = known >= 0 ? tl.t[known]! : null;
    features.localHour = cal.hour[i]!;
    features.month = cal.month[i]!;
    const lf = tl.loadForecast[i]!;
    features.loadForecastMw = Number.isFinite(lf) ? lf : null;
    const expected = forecaster.expect(features);
    input.intervalStartMs = t;
    if (Number.isFinite(expected)) {
      price.expectedUsdPerMwh = expected;
      price.daUsdPerMwh = features.daUsdPerMwh;
      price.lastRtUsdPerMwh = known >= 0 ? tl.rt[known]! : null;
      price.lastRtIntervalStartMs = features.lastRtIntervalStartMs;
      price.ageMinutes = known >= 0 ? (decisionMs - (tl.t[known]! + lenMs)) / MINUTE_MS : 0;
      input.price = price;
    } else input.price = null;
    const h = tl.hashprice[i]!;
    if (Number.isFinite(h)) {
      hashprice.usdPerPhDay = h;
      hashprice.day = tl.hashDays[tl.hashDayIndex[i]!]!;
      hashprice.ageDays = tl.hashAgeDays[i]!;
      input.hashprice = hashprice;
    } else input.hashprice = null;
    input.peakProbability = probs ? probs[i]! * probScale : 0;
    if (awards) input.gridEvents = awards.events[awards.hourOf[i]!]!;
    const lb = ctx.intensity ? ctx.intensity[i]! : Number.NaN;
    if (Number.isFinite(lb)) {
      carbon.lbCo2PerMwh = lb;
      carbon.intervalStartMs = t;
      input.carbon = carbon;
    } else input.carbon = null;

    const core = decide(input);

    let heldMw = 0;
    for (let l = 0; l < L; l++) {
      const a = core.allocations[aiCount + l]!;
      const m = models[l]!;
      const o = a.modeId === undefined ? 0 : (m.modeIndex.get(a.modeId) ?? 0);
      const st = previous[m.load.id]!;
      if (kept) {
        const threshold = a.curtailAboveUsdPerMwh ?? null;
        // decide's threshold carries the band of the state it assumed; the executor applies its own.
        const band =
          threshold === null ? 0 : hysteresisBand(m.load, m.mw[o]!, st.mw > 0, site.policy.hysteresisUsdPerMwh, tl.intervalMinutes);
        kept.threshold[i * L + l] = threshold === null ? Number.NaN : threshold - band;
        kept.forcedMw[i * L + l] = threshold === null ? a.mw : Number.NaN;
      }
      if (ledger) ledger.settle(l, i, a.mw, o);
      if (m.load.curtailable) heldMw += a.mw;
      if (st.mw > 0 !== a.mw > 0) st.sinceMs = t;
      st.mw = a.mw;
    }
    if (awards && ledger) ledger.settleAncillary(i, heldMw);
    if (onProgress && ++progressed === 4096) {
      onProgress(progressed);
      progressed = 0;
    }
  }
  if (onProgress && progressed > 0) onProgress(progressed);
  return kept;
}

// ---- executed: the engine's thresholds carried out against 5-minute prices -------------------

/**
 * Carries out the scheduled engine's thresholds in SCED steps with the domain's execution rule.
 * `price-responsive` acts on the newest 5-minute price known at each step and at least `reactionLag`
 * steps old, with the site's hysteresis; `dispatched` follows each step's own price (SCED sets the
 * price and the base point in one run) on the bid, without a band. Minimum run and off times, ramps,
 * the interconnect and AS awards hold in both.
 */
function runExecuted(
  ctx: SiteContext,
  ledger: Ledger,
  engine: EngineThresholds,
  mode: 'price-responsive' | 'dispatched',
  reactionLag: number,
  stepMwOut: Float32Array | null,
): void {
  const { site, tl, models, awards } = ctx;
  const L = models.length;
  const S = tl.stepsPerInterval;
  const stepMinutes = tl.intervalMinutes / S;
  const stepMs = stepMinutes * MINUTE_MS;
  const plan = compileExecution(site, stepMinutes, { hysteresis: mode === 'price-responsive' });
  const state = initialExecutionState(plan);
  const step = newExecutionStep(plan);
  const lag = mode === 'dispatched' ? 0 : Math.max(0, reactionLag);
  const part = 1 / S;
  // The newest SCED interval whose price the site acts on.
  let src = -1;
  for (let i = 0; i < tl.n; i++) {
    for (let l = 0; l < L; l++) {
      step.thresholdUsdPerMwh[l] = engine.threshold[i * L + l]!;
      step.forcedMw[l] = engine.forcedMw[i * L + l]!;
    }
    step.hashpriceUsdPerPhDay = tl.hashprice[i]!;
    step.holdMw = awards ? awards.mw[i]! : 0;
    for (let k = 0; k < S; k++) {
      const j = i * S + k;
      if (mode === 'dispatched') step.priceUsdPerMwh = tl.rt5[j]!;
      else {
        const at = tl.t[i]! + k * stepMs;
        while (src + 1 <= j - lag && tl.rt5KnownMs[src + 1]! <= at) src++;
        step.priceUsdPerMwh = src >= 0 ? tl.rt5[src]! : Number.NaN;
      }
      const held = executeStep(plan, state, step);
      for (let l = 0; l < L; l++) {
        ledger.settle(l, i, state.mw[l]!, state.option[l]! - plan.optionFirst[l]!, part);
        if (stepMwOut) stepMwOut[(l * tl.n + i) * S + k] = state.mw[l]!;
      }
      if (awards) ledger.settleAncillary(i, held, part);
    }
  }
}

/**
 * `captureRatio(x) = (net(x) − net(always_on)) / (net(perfect_foresight) − net(always_on))`, on the
 * energy P&L (ancillary payments left out: perfect foresight is an energy-only optimum).
 */
export function captureRatio(net: number, alwaysOn: number, perfect: number): number {
  const span = perfect - alwaysOn;
  return span === 0 ? 1 : (net - alwaysOn) / span;
}
