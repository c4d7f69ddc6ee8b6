/**
 * The backtest use case: sites × a market timeline → per-site results and the `summary.json` of
 * DESIGN §6. Rendering (CSV, HTML) is in report-*.ts; reading files is the caller's business.
 */
import { lastPriceForecaster, type PriceForecaster, type SpikePersistenceParams } from '#domain/forecast.ts';
import { ENGINE_VERSION } from '#domain/policy.ts';
import type { Site } from '#domain/sites.ts';
import { iso } from '#domain/time.ts';
import type { AsPriceProduct, SystemLoadPoint } from '#ports/market-data.ts';
import type { WalkForwardMonth } from '../forecast-fit.ts';
import { BOOTSTRAP_DEFAULTS, type BootstrapOptions, captureDeltaInterval, type DeltaInterval } from './bootstrap.ts';
import type { CarbonSummary } from './carbon.ts';
import {
  backtestSite,
  captureRatio,
  DEFAULT_REACTION_LAG_SCED,
  ENGINE_POLICIES,
  type EnginePolicy,
  EXECUTED_POLICIES,
  HEADLINE_POLICY,
  POLICIES,
  type PolicyName,
  type PolicyTotals,
  type SiteResult,
} from './engine.ts';
import {
  type BacktestMarketData,
  buildTimeline,
  checkSiteMatches,
  DEFAULT_TIMING,
  type InformationTiming,
  type Timeline,
} from './timeline.ts';

export {
  captureRatio,
  DEFAULT_REACTION_LAG_SCED,
  ENGINE_POLICIES,
  type EnginePolicy,
  EXECUTED_POLICIES,
  HEADLINE_POLICY,
  POLICIES,
  type PolicyName,
  type PolicyTotals,
  type SiteResult,
} from './engine.ts';
export type { BacktestMarketData, InformationTiming, ScedLmpPoint, Timeline } from './timeline.ts';
export { DEFAULT_LMP_LAG_MINUTES, DEFAULT_PRICE_LAG_MINUTES, DEFAULT_TIMING } from './timeline.ts';

export interface BacktestRequest {
  sites: readonly Site[];
  data: BacktestMarketData;
  fromMs: number;
  toMs: number;
  forecaster: PriceForecaster;
  /** Keep per-interval detail for the CSV and the report. */
  record?: boolean;
  policies?: readonly PolicyName[];
  /**
   * Offer curtailable mining MW into this ancillary-service product (clearing prices in
   * `data.asPrices`): awards follow the hourly bids, and the engine policies hold the awarded MW.
   */
  ancillary?: { product: AsPriceProduct };
  /** Called with the number of load-intervals done since the last call (engine policies). */
  onProgress?: (loadIntervals: number) => void;
  /** When prices become known (default: settlement prices 5 minutes after their interval, LMPs 1 minute after their SCED run). */
  timing?: Partial<InformationTiming>;
  /** `engine_price_responsive`: SCED intervals from a 5-minute price to the step that acts on it (default 1). */
  reactionLagSced?: number;
  /**
   * Run the engine policies a second time with the last-price forecaster, for each policy's capture
   * against it (a day-block bootstrap interval in the summary). Off by default (it doubles the engine work).
   */
  compareLastPrice?: boolean | { bootstrap?: BootstrapOptions };
  /** The months and parameters of a walk-forward forecaster, for the summary. */
  walkForward?: readonly WalkForwardMonth[];
}

export interface BacktestResult {
  fromMs: number;
  toMs: number;
  timeline: Timeline;
  forecaster: string;
  reactionLagSced: number;
  /** `lastPrice`: the engine policies run with the last-price forecaster (the same result when that is the forecaster). */
  sites: { site: Site; result: SiteResult; lastPrice?: SiteResult }[];
  bootstrap?: BootstrapOptions;
  walkForward?: readonly WalkForwardMonth[];
}

/** Load-intervals the engine policies will decide (for a progress bar's total). */
export function engineWork(sites: readonly Site[], intervals: number, policies: readonly PolicyName[] = POLICIES): number {
  const enginePolicies = policies.filter((p) => p === 'engine' || p === 'engine_hourly').length;
  return sites.reduce((s, site) => s + site.loads.filter((l) => l.kind === 'mining').length, 0) * intervals * enginePolicies;
}

export function runBacktest(req: BacktestRequest): BacktestResult {
  const timing: InformationTiming = { ...DEFAULT_TIMING, ...req.timing };
  const reactionLagSced = req.reactionLagSced ?? DEFAULT_REACTION_LAG_SCED;
  const timeline = buildTimeline(req.data, req.fromMs, req.toMs, req.ancillary?.product ?? null, timing);
  for (const site of req.sites) {
    const problem = checkSiteMatches(site, timeline);
    if (problem) throw new Error(problem);
  }
  const loadActual: readonly SystemLoadPoint[] | undefined = req.data.loadActual;
  const sites = req.sites.map((site) => {
    const miningLoads = site.loads.filter((l) => l.kind === 'mining').length;
    const result = backtestSite(site, timeline, {
      forecaster: req.forecaster,
      record: req.record ?? false,
      reactionLagSced,
      ...(req.policies ? { policies: req.policies } : {}),
      ...(loadActual ? { loadActual } : {}),
      ...(req.onProgress ? { onProgress: (n: number) => req.onProgress!(n * miningLoads) } : {}),
    });
    if (!req.compareLastPrice) return { site, result };
    if (req.forecaster === lastPriceForecaster) return { site, result, lastPrice: result };
    const enginePolicies = (req.policies ?? POLICIES).filter((p) => (ENGINE_POLICIES as readonly PolicyName[]).includes(p));
    const lastPrice = backtestSite(site, timeline, {
      forecaster: lastPriceForecaster,
      reactionLagSced,
      policies: enginePolicies,
      ...(loadActual ? { loadActual } : {}),
      ...(req.onProgress ? { onProgress: (n: number) => req.onProgress!(n * miningLoads) } : {}),
    });
    return { site, result, lastPrice };
  });
  const out: BacktestResult = { fromMs: req.fromMs, toMs: req.toMs, timeline, forecaster: req.forecaster.name, reactionLagSced, sites };
  if (typeof req.compareLastPrice === 'object' && req.compareLastPrice.bootstrap) out.bootstrap = req.compareLastPrice.bootstrap;
  if (req.walkForward) out.walkForward = req.walkForward;
  return out;
}

export interface SummaryPolicy {
  netMarginUsd: number;
  miningRevenueUsd: number;
  energyCostUsd: number;
  runIntervals: number;
  restarts?: number;
  restartCostUsd?: number;
  fourCpChargeUsd?: number;
  ancillaryRevenueUsd?: number;
  /** The policy carried out thresholds against 5-minute prices that were not given (each interval's three taken as its price). */
  upperBound?: true;
}

export interface SummarySite {
  siteId: string;
  intervals: number;
  /** How the site carries out its decisions (sites file). */
  execution: Site['execution'];
  policies: Partial<Record<PolicyName, SummaryPolicy>>;
  captureRatio: Partial<Record<EnginePolicy, number>>;
  /**
   * Each engine policy's capture minus the same policy's capture with the last-price forecaster, and
   * a day-block bootstrap interval of that difference (`summary.bootstrap` says how it was drawn).
   */
  captureVsLastPrice?: Partial<Record<EnginePolicy, DeltaInterval>>;
  /** The policy of the site's own execution mode. */
  headline?: EnginePolicy;
  /** AI tenants (same in every policy: served first). */
  ai?: { servedMwh: number; revenueUsd: number; energyCostUsd: number };
  fourCp?: { rateUsdPerKwYear: number; peaks: { month: string; hourStart: string; systemLoadMw: number }[] };
  /** The product curtailable MW were offered into, when configured. */
  ancillary?: { product: AsPriceProduct };
  /** The shadow carbon price sweep (`--shadow-carbon-prices`), when asked for. */
  carbon?: CarbonSummary;
}

export interface Summary {
  from: string;
  to: string;
  engineVersion: string;
  forecaster: string;
  /** When prices became known, and the site agent's reaction lag. */
  timing: { priceLagMinutes: number; lmpLagMinutes: number; reactionLagSced: number };
  /** SCED intervals with a 5-minute price given, and those filled with their settlement interval's price. */
  fiveMinutePrices: { given: number; filled: number };
  /** How the intervals of `captureVsLastPrice` were drawn: resamples of local days, coverage, seed. */
  bootstrap?: { blocks: 'local day'; resamples: number; level: number; seed: number };
  /** Walk-forward: each month's forecaster parameters, fitted on data published before the month began. */
  walkForward?: { month: string; fitFrom: string | null; fitTo: string | null; fitIntervals: number; params: SpikePersistenceParams }[];
  sites: SummarySite[];
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

/** The `summary.json` of DESIGN §6 (money in USD to the cent, ratios to 4 decimals). */
export function summarize(result: BacktestResult): Summary {
  const tl = result.timeline;
  const boot = { ...BOOTSTRAP_DEFAULTS, ...result.bootstrap };
  const compared = result.sites.some((s) => s.lastPrice);
  const summary: Summary = {
    from: iso(result.fromMs),
    to: iso(result.toMs),
    engineVersion: ENGINE_VERSION,
    forecaster: result.forecaster,
    timing: { priceLagMinutes: tl.timing.priceLagMinutes, lmpLagMinutes: tl.timing.lmpLagMinutes, reactionLagSced: result.reactionLagSced },
    fiveMinutePrices: { given: tl.rt5Given, filled: tl.rt5Filled },
    sites: result.sites.map(({ site, result: r, lastPrice }) => {
      const withRestarts = site.loads.some((l) => l.kind === 'mining' && l.restartCostUsd > 0);
      const upperBound = tl.rt5Given === 0;
      const policies: Partial<Record<PolicyName, SummaryPolicy>> = {};
      for (const p of POLICIES) {
        const t: PolicyTotals | undefined = r.policies[p];
        if (!t) continue;
        const row: SummaryPolicy = {
          netMarginUsd: round(t.netMarginUsd, 2),
          miningRevenueUsd: round(t.miningRevenueUsd, 2),
          energyCostUsd: round(t.energyCostUsd, 2),
          runIntervals: t.runIntervals,
        };
        if (withRestarts) {
          row.restarts = t.restarts;
          row.restartCostUsd = round(t.restartCostUsd, 2);
        }
        if (r.fourCp) row.fourCpChargeUsd = round(t.fourCpChargeUsd, 2);
        if (tl.asProduct) row.ancillaryRevenueUsd = round(t.ancillaryRevenueUsd, 2);
        if (upperBound && (EXECUTED_POLICIES as readonly PolicyName[]).includes(p)) row.upperBound = true;
        policies[p] = row;
      }
      const captureRatioOut: SummarySite['captureRatio'] = {};
      const ao = r.policies.always_on;
      const pf = r.policies.perfect_foresight;
      if (ao && pf) {
        for (const p of ENGINE_POLICIES) {
          const t = r.policies[p];
          const energy = (x: PolicyTotals) => x.netMarginUsd - x.ancillaryRevenueUsd;
          if (t) captureRatioOut[p] = round(captureRatio(energy(t), energy(ao), energy(pf)), 4);
        }
      }
      const out: SummarySite = {
        siteId: site.id,
        intervals: r.intervals,
        execution: site.execution,
        policies,
        captureRatio: captureRatioOut,
      };
      if (lastPrice && ao && pf) out.captureVsLastPrice = versusLastPrice(r, lastPrice, boot);
      const headline = HEADLINE_POLICY[site.execution];
      if (r.policies[headline]) out.headline = headline;
      if (tl.asProduct) out.ancillary = { product: tl.asProduct };
      const ai = aiLines(site, tl);
      if (ai) out.ai = ai;
      if (r.fourCp) {
        out.fourCp = {
          rateUsdPerKwYear: site.fourCp.rateUsdPerKwYear,
          peaks: r.fourCp.peaks.map((p) => ({ month: p.month, hourStart: iso(p.hourStartMs), systemLoadMw: round(p.systemLoadMw, 1) })),
        };
      }
      return out;
    }),
  };
  if (compared) summary.bootstrap = { blocks: 'local day', resamples: boot.resamples, level: boot.level, seed: boot.seed };
  if (result.walkForward) {
    summary.walkForward = result.walkForward.map((m) => ({
      month: m.month,
      fitFrom: m.fit ? iso(m.fit.fromMs) : null,
      fitTo: m.fit ? iso(m.fit.toMs) : null,
      fitIntervals: m.fit?.intervals ?? 0,
      params: m.params,
    }));
  }
  // Keep the documented key order: the bootstrap and walk-forward notes before the sites.
  const { sites, ...head } = summary;
  return { ...head, sites };
}

/** Each engine policy against itself with the last-price forecaster: Δ capture and its day-block bootstrap interval. */
function versusLastPrice(r: SiteResult, base: SiteResult, boot: Required<BootstrapOptions>): Partial<Record<EnginePolicy, DeltaInterval>> {
  const out: Partial<Record<EnginePolicy, DeltaInterval>> = {};
  const alwaysOn = r.daily.net.always_on;
  const perfect = r.daily.net.perfect_foresight;
  for (const p of ENGINE_POLICIES) {
    const x = r.daily.net[p];
    const b = base.daily.net[p];
    if (!x || !b) continue;
    const d = captureDeltaInterval({ x, base: b, alwaysOn, perfect }, boot);
    out[p] = { delta: round(d.delta, 4), low: round(d.low, 4), high: round(d.high, 4) };
  }
  return out;
}

/** AI tenants are served first in every policy: their energy and revenue, settled at the real-time price. */
function aiLines(site: Site, tl: Timeline): SummarySite['ai'] | null {
  let mw = 0;
  let revenuePerHour = 0;
  let room = Math.max(0, site.interconnectMw - site.baseLoadMw);
  for (const l of site.loads) {
    if (l.kind !== 'ai') continue;
    const served = Math.min(l.contractedMw, room);
    room -= served;
    mw += served;
    revenuePerHour += served * l.priceUsdPerMwh;
  }
  if (mw === 0) return null;
  const hours = tl.intervalMinutes / 60;
  let energy = 0;
  for (let i = 0; i < tl.n; i++) energy += tl.rt[i]! * mw * hours;
  return { servedMwh: round(mw * hours * tl.n, 3), revenueUsd: round(revenuePerHour * hours * tl.n, 2), energyCostUsd: round(energy, 2) };
}
