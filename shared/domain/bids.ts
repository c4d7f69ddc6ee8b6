/**
 * Day-ahead bids (DESIGN §2 "Bids"): for each site and hour of the next operating day, the energy
 * bid curve — AI tenants and base load at the price cap, then each mining load as a step at its
 * breakeven, highest first — and ancillary-service offers for the curtailable mining MW at their
 * opportunity cost.
 *
 * The mining steps come from the live policy: `decide` is asked for the hour with no previous state,
 * and its per-load curtailment threshold (breakeven less the priced coincident-peak risk) is the
 * bid. That threshold is also what a price-responsive load executes in real time, so the backtest's
 * `engine_bid` policy runs exactly these numbers.
 */
import { revenuePerMwh } from './economics.ts';
import type { AsProduct } from './grid.ts';
import { decide, ENGINE_VERSION, type HashpriceInput } from './policy.ts';
import type { MiningLoad, Site } from './sites.ts';
import { HOUR_MS, iso, localParts } from './time.ts';

/** ERCOT's system-wide offer cap: a bid at the cap means "buy at any price". */
export const PRICE_CAP_USD_PER_MWH = 5000;

/** The products a curtailable load resource can offer (ERCOT: RRS on under-frequency relay, ECRS, Non-Spin). */
export const LOAD_RESOURCE_AS_PRODUCTS: readonly AsProduct[] = ['RRS', 'ECRS', 'NSPIN'];

/** One step of a demand bid: buy `mw` more while the price is at or below `priceUsdPerMwh`. */
export interface BidStep {
  loadId: string;
  kind: 'base' | 'ai' | 'mining';
  /** The power mode a partial step belongs to (underclocked profiles). */
  modeId?: string;
  priceUsdPerMwh: number;
  mw: number;
}

/** A capacity offer of curtailable MW into an ancillary-service market. */
export interface AsOffer {
  loadId: string;
  product: AsProduct;
  mw: number;
  /** The opportunity cost of holding the MW available, USD per MW per hour. */
  priceUsdPerMwh: number;
}

export interface HourBid {
  /** UTC start of the hour. */
  hourStart: string;
  hourStartMs: number;
  /** Local wall-clock hour (0–23) at the site. */
  localHour: number;
  /** The steps, highest price first; the demand at price p is the sum of the steps priced at or above p. */
  steps: BidStep[];
  /** Per mining load: curtail above this real-time price (the threshold `engine_bid` executes); null when not price-responsive. */
  thresholdsUsdPerMwh: Record<string, number | null>;
  breakevensUsdPerMwh: Record<string, number> | null;
  asOffers: AsOffer[];
  daUsdPerMwh: number | null;
  peakProbability: number;
  flags: string[];
}

export interface SiteBids {
  siteId: string;
  /** The local operating day, YYYY-MM-DD. */
  operatingDay: string;
  market: string;
  settlementPoint: string | null;
  hashprice: { usdPerPhDay: number; day: string } | null;
  hours: HourBid[];
  engineVersion: string;
  preparedAt: string;
}

/** What is known about one hour when its bid is prepared. */
export interface HourBidInputs {
  hourStartMs: number;
  hashprice: HashpriceInput | null;
  daUsdPerMwh: number | null;
  /** Probability that the hour holds the month's coincident peak. */
  peakProbability: number;
}

/** A price-response option of a mining load: off, full power, or a reduced mode. */
export interface ResponseOption {
  modeId: string | undefined;
  mw: number;
  revenueUsdPerMwh: number;
}

/**
 * The price response of one mining load: at price p it runs the option with the highest
 * `(revenue − p) × mw`, or nothing when all are negative. Returned as steps, highest price first:
 * `mw` is the extra MW bought at or below `priceUsdPerMwh` (the upper envelope of the options).
 * `adderUsdPerMwh` is subtracted from every option's revenue (priced peak risk).
 */
export function responseSteps(
  options: readonly ResponseOption[],
  adderUsdPerMwh = 0,
): { priceUsdPerMwh: number; mw: number; modeId: string | undefined }[] {
  const opts = options.filter((o) => o.mw > 0).sort((a, b) => a.mw - b.mw || b.revenueUsdPerMwh - a.revenueUsdPerMwh);
  const steps: { priceUsdPerMwh: number; mw: number; modeId: string | undefined }[] = [];
  // Walk up from 0 MW: each next option takes over below the price where it beats the current one.
  let curMw = 0;
  let curRev = 0;
  let curPrice = Number.POSITIVE_INFINITY;
  for (;;) {
    let best: ResponseOption | undefined;
    let bestPrice = Number.NEGATIVE_INFINITY;
    for (const o of opts) {
      if (o.mw <= curMw) continue;
      // (rev_o − p) mw_o ≥ (rev_c − p) mw_c  ⇔  p ≤ (rev_o mw_o − rev_c mw_c) / (mw_o − mw_c)
      const p = (o.revenueUsdPerMwh * o.mw - curRev * curMw) / (o.mw - curMw) - adderUsdPerMwh;
      if (p > bestPrice || (p === bestPrice && best !== undefined && o.mw > best.mw)) {
        best = o;
        bestPrice = p;
      }
    }
    if (!best) break;
    const price = Math.min(bestPrice, curPrice);
    steps.push({ priceUsdPerMwh: round2(price), mw: best.mw - curMw, modeId: best.modeId });
    curPrice = price;
    curMw = best.mw;
    curRev = best.revenueUsdPerMwh;
  }
  return steps;
}

/** MW a set of steps buys at a price. */
export function demandAt(steps: readonly { priceUsdPerMwh: number; mw: number }[], priceUsdPerMwh: number): number {
  let mw = 0;
  for (const s of steps) if (priceUsdPerMwh <= s.priceUsdPerMwh) mw += s.mw;
  return mw;
}

function optionsOf(load: MiningLoad, hashprice: number): ResponseOption[] {
  const out: ResponseOption[] = [
    { modeId: undefined, mw: load.powerMw, revenueUsdPerMwh: revenuePerMwh(hashprice, load.efficiencyJPerTh, load.poolFeePct) },
  ];
  for (const m of load.modes)
    out.push({ modeId: m.id, mw: m.powerMw, revenueUsdPerMwh: revenuePerMwh(hashprice, m.efficiencyJPerTh, load.poolFeePct) });
  return out;
}

/**
 * The bid of one site for one hour. The per-load thresholds come from `decide` (the live policy,
 * asked without a previous state so that no hysteresis band applies).
 */
export function hourBid(site: Site, inputs: HourBidInputs, asProducts: readonly AsProduct[] = LOAD_RESOURCE_AS_PRODUCTS): HourBid {
  const core = decide({
    site,
    intervalStartMs: inputs.hourStartMs,
    intervalMinutes: 60,
    price: {
      expectedUsdPerMwh: inputs.daUsdPerMwh ?? 0,
      source: inputs.daUsdPerMwh === null ? 'NONE' : 'DA',
      daUsdPerMwh: inputs.daUsdPerMwh,
      lastRtUsdPerMwh: null,
      lastRtIntervalStartMs: null,
      ageMinutes: 0,
      demo: false,
    },
    hashprice: inputs.hashprice,
    peakProbability: inputs.peakProbability,
    gridEvents: [],
    overrides: [],
    previous: null,
  });
  const steps: BidStep[] = [];
  if (site.baseLoadMw > 0) steps.push({ loadId: 'base', kind: 'base', priceUsdPerMwh: PRICE_CAP_USD_PER_MWH, mw: site.baseLoadMw });
  const thresholds: Record<string, number | null> = {};
  const asOffers: AsOffer[] = [];
  const mining: BidStep[] = [];
  for (const a of core.allocations) {
    if (a.kind === 'ai') {
      if (a.mw > 0) steps.push({ loadId: a.loadId, kind: 'ai', priceUsdPerMwh: PRICE_CAP_USD_PER_MWH, mw: a.mw });
      continue;
    }
    const threshold = a.curtailAboveUsdPerMwh ?? null;
    thresholds[a.loadId] = threshold;
    const load = site.loads.find((l): l is MiningLoad => l.id === a.loadId && l.kind === 'mining')!;
    if (threshold === null || inputs.hashprice === null) continue;
    const full = revenuePerMwh(inputs.hashprice.usdPerPhDay, load.efficiencyJPerTh, load.poolFeePct);
    // The threshold is the breakeven less the priced peak risk: apply the same adder to every mode.
    const adder = full - threshold;
    for (const s of responseSteps(optionsOf(load, inputs.hashprice.usdPerPhDay), adder)) {
      const step: BidStep = { loadId: load.id, kind: 'mining', priceUsdPerMwh: clampPrice(s.priceUsdPerMwh), mw: s.mw };
      if (s.modeId !== undefined) step.modeId = s.modeId;
      mining.push(step);
    }
    if (load.curtailable) {
      // Held running and ready to curtail: costs what running above the threshold would lose at the
      // expected (day-ahead) price; never offered below a cent.
      const cost = Math.max(0.01, round2((inputs.daUsdPerMwh ?? threshold) - threshold));
      for (const product of asProducts) asOffers.push({ loadId: load.id, product, mw: load.powerMw, priceUsdPerMwh: cost });
    }
  }
  mining.sort((a, b) => b.priceUsdPerMwh - a.priceUsdPerMwh || (a.loadId < b.loadId ? -1 : a.loadId > b.loadId ? 1 : 0));
  steps.push(...mining);
  return {
    hourStart: iso(inputs.hourStartMs),
    hourStartMs: inputs.hourStartMs,
    localHour: localParts(inputs.hourStartMs, site.timezone).hour,
    steps,
    thresholdsUsdPerMwh: thresholds,
    breakevensUsdPerMwh: core.breakevens,
    asOffers,
    daUsdPerMwh: inputs.daUsdPerMwh,
    peakProbability: inputs.peakProbability,
    flags: core.flags,
  };
}

/** Bids for every hour of a local operating day (23, 24 or 25 hours), given each hour's inputs. */
export function siteBids(site: Site, operatingDay: string, hours: readonly HourBidInputs[], preparedAtMs: number): SiteBids {
  const bids = hours.map((h) => hourBid(site, h));
  const first = hours.find((h) => h.hashprice !== null)?.hashprice ?? null;
  return {
    siteId: site.id,
    operatingDay,
    market: site.market,
    settlementPoint: site.settlementPoint ?? null,
    hashprice: first && { usdPerPhDay: first.usdPerPhDay, day: first.day },
    hours: bids,
    engineVersion: ENGINE_VERSION,
    preparedAt: iso(preparedAtMs),
  };
}

/** UTC starts of the hours of a local operating day in a time zone (23, 24 or 25 of them). */
export function operatingDayHours(day: string, timeZone: string): number[] {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  // Local midnight lies within 14 h of UTC midnight: scan the UTC hours around it.
  const out: number[] = [];
  const base = Date.UTC(y, m - 1, d);
  for (let t = base - 14 * HOUR_MS; t < base + 38 * HOUR_MS; t += HOUR_MS) {
    if (localDay(t, timeZone) === day) out.push(t);
  }
  return out;
}

const dayFormatters = new Map<string, Intl.DateTimeFormat>();

function localDay(ms: number, timeZone: string): string {
  let f = dayFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormatters.set(timeZone, f);
  }
  return f.format(ms);
}

function clampPrice(p: number): number {
  return p > PRICE_CAP_USD_PER_MWH ? PRICE_CAP_USD_PER_MWH : Math.max(p, -PRICE_CAP_USD_PER_MWH);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
