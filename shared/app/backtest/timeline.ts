/**
 * The backtest's inputs, laid out once as per-interval arrays: the interval grid is the real-time
 * price series in [from, to); day-ahead prices, the load forecast and the hashprice (by the day − 1
 * rule) are looked up per interval here so that the policy loops only index arrays.
 *
 * Every price carries the instant it becomes known (DESIGN §2 "Information timing and execution"):
 * a settlement price its interval's end plus a publication lag, a 5-minute LMP its SCED timestamp
 * plus a lag, a day-ahead price the posting of the day-ahead market the day before its operating day.
 */
import type { HashpriceSeries } from '#domain/economics.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, localParts, MINUTE_MS } from '#domain/time.ts';
import type { AsPricePoint, PricePoint, SystemLoadPoint } from '#ports/market-data.ts';

/**
 * Minutes after its interval ends until a 15-minute settlement price is known. ERCOT computes the
 * real-time settlement point price (NP6-905-CD) from the interval's SCED LMPs and posts it after the
 * interval ends, a few minutes later. 5 minutes is one SCED cycle past the end: the earliest a feed
 * polling the report every few minutes reliably has it. 0 is the optimistic view the backtest
 * used to take (the price of t − 1 known at the start of t); 15 a conservative one.
 */
export const DEFAULT_PRICE_LAG_MINUTES = 5;

/**
 * Minutes after its SCED timestamp until a 5-minute LMP (NP6-788-CD) is known: ERCOT posts each
 * SCED run's LMPs shortly after the run. Inside the site agent's default reaction lag of one SCED
 * interval (5 minutes).
 */
export const DEFAULT_LMP_LAG_MINUTES = 1;

/**
 * When ERCOT's day-ahead market posts its results: 13:30 Central on the day before the operating
 * day (the DAM closes at 10:00 and publishes by 13:30). Minutes before local midnight.
 */
const DAM_POSTED_MINUTES_BEFORE_MIDNIGHT = 10 * 60 + 30;

/** Length of a SCED interval. */
export const SCED_MINUTES = 5;

export interface InformationTiming {
  /** Minutes after an interval's end until its settlement price is known. */
  priceLagMinutes: number;
  /** Minutes after a SCED timestamp until its LMP is known. */
  lmpLagMinutes: number;
}

export const DEFAULT_TIMING: InformationTiming = { priceLagMinutes: DEFAULT_PRICE_LAG_MINUTES, lmpLagMinutes: DEFAULT_LMP_LAG_MINUTES };

/** A 5-minute LMP as the NP6-788-CD reader gives it: the SCED run's UTC instant, the point and the price. */
export interface ScedLmpPoint {
  scedMs: number;
  settlementPoint: string;
  lmp: number;
}

export interface BacktestMarketData {
  /** Real-time prices of one settlement point, any order. */
  rt: readonly PricePoint[];
  /** Day-ahead prices of the same settlement point. */
  da: readonly PricePoint[];
  hashprice: HashpriceSeries;
  /** Hourly actual system load (settles coincident peaks). */
  loadActual?: readonly SystemLoadPoint[];
  /** Hourly day-ahead system load forecast (predicts them). */
  loadForecast?: readonly SystemLoadPoint[];
  /** Hourly ancillary-service clearing prices (MCPC, USD per MW per hour), any products. */
  asPrices?: readonly AsPricePoint[];
  /** 5-minute SCED LMPs (NP6-788-CD), any order and points; those of the timeline's point are used. */
  rt5?: readonly ScedLmpPoint[];
}

export interface Timeline {
  n: number;
  intervalMinutes: number;
  /** Interval start, UTC ms. */
  t: Float64Array;
  rt: Float64Array;
  /** Day-ahead price of the interval's hour; NaN when unknown. */
  da: Float64Array;
  /** Load forecast of the interval's hour; NaN when unknown. */
  loadForecast: Float64Array;
  /** Hashprice the interval uses (USD/PH/day); NaN when none is known. */
  hashprice: Float64Array;
  /** Age in days of that hashprice against the interval's UTC day. */
  hashAgeDays: Int32Array;
  /** Index into `hashDays` of the hashprice day. */
  hashDayIndex: Int32Array;
  hashDays: string[];
  /** Clearing price of `asProduct` for the interval's hour (USD/MW-h); NaN when unknown or not configured. */
  asPrice: Float64Array;
  asProduct: AsPricePoint['product'] | null;
  node: string;
  market: string;
  timing: InformationTiming;
  /** When each interval's settlement price becomes known: its end plus the publication lag. */
  rtKnownMs: Float64Array;
  /** When each interval's day-ahead price becomes known: the day-ahead market's posting the day before. */
  daKnownMs: Float64Array;
  /** SCED intervals per settlement interval (3 for 15 minutes). */
  stepsPerInterval: number;
  /** 5-minute price of each SCED interval, `i * stepsPerInterval + k`; the interval's price where none was given. */
  rt5: Float64Array;
  /** When each 5-minute price becomes known (SCED timestamp plus the LMP lag; the step's start for filled ones). */
  rt5KnownMs: Float64Array;
  /** SCED intervals whose price came from the 5-minute series, and those filled with the settlement price. */
  rt5Given: number;
  rt5Filled: number;
}

/**
 * Builds the timeline of the intervals in [fromMs, toMs), with the clearing prices of one
 * ancillary-service product when asked. Throws when there is no real-time price in range.
 */
export function buildTimeline(
  data: BacktestMarketData,
  fromMs: number,
  toMs: number,
  asProduct: AsPricePoint['product'] | null = null,
  timing: InformationTiming = DEFAULT_TIMING,
): Timeline {
  const rt = data.rt
    .filter((p) => p.intervalStartMs >= fromMs && p.intervalStartMs < toMs)
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  if (rt.length === 0) throw new Error('no real-time prices in the backtest window');
  const intervalMinutes = rt[0]!.intervalMinutes;
  const n = rt.length;
  const steps = intervalMinutes % SCED_MINUTES === 0 ? intervalMinutes / SCED_MINUTES : 1;
  const daByHour = new Map<number, number>();
  for (const p of data.da) daByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.priceUsdPerMwh);
  const lfByHour = new Map<number, number>();
  for (const p of data.loadForecast ?? []) lfByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.mw);
  const asByHour = new Map<number, number>();
  if (asProduct)
    for (const p of data.asPrices ?? [])
      if (p.product === asProduct) asByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.priceUsdPerMwh);

  const tl: Timeline = {
    n,
    intervalMinutes,
    t: new Float64Array(n),
    rt: new Float64Array(n),
    da: new Float64Array(n),
    loadForecast: new Float64Array(n),
    hashprice: new Float64Array(n),
    hashAgeDays: new Int32Array(n),
    hashDayIndex: new Int32Array(n),
    hashDays: [],
    asPrice: new Float64Array(n),
    asProduct,
    node: rt[0]!.node,
    market: rt[0]!.market,
    timing,
    rtKnownMs: new Float64Array(n),
    daKnownMs: new Float64Array(n),
    stepsPerInterval: steps,
    rt5: new Float64Array(n * steps),
    rt5KnownMs: new Float64Array(n * steps),
    rt5Given: 0,
    rt5Filled: 0,
  };
  const lenMs = intervalMinutes * MINUTE_MS;
  const dayIndex = new Map<string, number>();
  let lastDay = Number.NaN;
  let lastHash: ReturnType<HashpriceSeries['forInterval']> = null;
  for (let i = 0; i < n; i++) {
    const p = rt[i]!;
    const t = p.intervalStartMs;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    tl.t[i] = t;
    tl.rt[i] = p.priceUsdPerMwh;
    tl.rtKnownMs[i] = t + lenMs + timing.priceLagMinutes * MINUTE_MS;
    tl.da[i] = daByHour.get(hour) ?? Number.NaN;
    tl.loadForecast[i] = lfByHour.get(hour) ?? Number.NaN;
    tl.asPrice[i] = asByHour.get(hour) ?? Number.NaN;
    const day = Math.floor(t / DAY_MS);
    if (day !== lastDay) {
      lastDay = day;
      lastHash = data.hashprice.forInterval(t);
    }
    if (lastHash) {
      let k = dayIndex.get(lastHash.day);
      if (k === undefined) {
        k = tl.hashDays.length;
        tl.hashDays.push(lastHash.day);
        dayIndex.set(lastHash.day, k);
      }
      tl.hashprice[i] = lastHash.usdPerPhDay;
      tl.hashAgeDays[i] = Math.round((day * DAY_MS - lastHash.dayMs) / DAY_MS);
      tl.hashDayIndex[i] = k;
    } else {
      tl.hashprice[i] = Number.NaN;
      tl.hashAgeDays[i] = -1;
      tl.hashDayIndex[i] = -1;
    }
  }
  setDamPosting(tl);
  fillFiveMinute(tl, data.rt5 ?? []);
  return tl;
}

/** The day-ahead price of an operating day is known from the market's posting the day before (Central time for ERCOT). */
function setDamPosting(tl: Timeline): void {
  const zone = tl.market === 'PJM' ? 'America/New_York' : tl.market === 'NORDPOOL' ? 'Europe/Oslo' : 'America/Chicago';
  let hour = Number.NaN;
  let offsetMs = 0;
  for (let i = 0; i < tl.n; i++) {
    const t = tl.t[i]!;
    const h = Math.floor(t / HOUR_MS);
    if (h !== hour) {
      hour = h;
      offsetMs = utcOffsetMs(h * HOUR_MS, zone);
    }
    const localMidnightUtc = Math.floor((t + offsetMs) / DAY_MS) * DAY_MS - offsetMs;
    tl.daKnownMs[i] = localMidnightUtc - DAM_POSTED_MINUTES_BEFORE_MIDNIGHT * MINUTE_MS;
  }
}

/**
 * Places 5-minute LMPs on the SCED intervals of the timeline by their SCED timestamp (a later run
 * in the same SCED interval replaces an earlier one); SCED intervals without one take their
 * settlement interval's price and are counted as filled.
 */
function fillFiveMinute(tl: Timeline, points: readonly ScedLmpPoint[]): void {
  const S = tl.stepsPerInterval;
  const stepMs = (tl.intervalMinutes / S) * MINUTE_MS;
  const lmpLagMs = tl.timing.lmpLagMinutes * MINUTE_MS;
  const at = new Float64Array(tl.n * S).fill(Number.NaN);
  const index = new Map<number, number>();
  for (let i = 0; i < tl.n; i++) index.set(tl.t[i]!, i);
  const lenMs = tl.intervalMinutes * MINUTE_MS;
  for (const p of points) {
    if (p.settlementPoint !== tl.node || !Number.isFinite(p.lmp)) continue;
    const start = Math.floor(p.scedMs / lenMs) * lenMs;
    const i = index.get(start);
    if (i === undefined) continue;
    const j = i * S + Math.min(S - 1, Math.floor((p.scedMs - start) / stepMs));
    if (!(p.scedMs <= at[j]!)) {
      at[j] = p.scedMs;
      tl.rt5[j] = p.lmp;
    }
  }
  let given = 0;
  for (let i = 0; i < tl.n; i++) {
    for (let k = 0; k < S; k++) {
      const j = i * S + k;
      if (Number.isNaN(at[j]!)) {
        tl.rt5[j] = tl.rt[i]!;
        tl.rt5KnownMs[j] = tl.t[i]! + k * stepMs + lmpLagMs;
      } else {
        tl.rt5KnownMs[j] = at[j]! + lmpLagMs;
        given++;
      }
    }
  }
  tl.rt5Given = given;
  tl.rt5Filled = tl.n * S - given;
}

/** Local calendar fields of each interval at a site. */
export interface LocalCalendar {
  hour: Int8Array;
  month: Int8Array;
  /** A number that changes with the local day (days since epoch of the local date). */
  day: Int32Array;
}

const calendars = new WeakMap<Timeline, Map<string, LocalCalendar>>();

/** The local hour, month and day of every interval in a time zone (computed once per timeline and zone). */
export function localCalendar(tl: Timeline, timeZone: string): LocalCalendar {
  let byZone = calendars.get(tl);
  if (!byZone) {
    byZone = new Map();
    calendars.set(tl, byZone);
  }
  let cal = byZone.get(timeZone);
  if (cal) return cal;
  cal = { hour: new Int8Array(tl.n), month: new Int8Array(tl.n), day: new Int32Array(tl.n) };
  // The UTC offset changes at most twice a year: find it per UTC hour and reuse it.
  let offsetHour = Number.NaN;
  let offsetMs = 0;
  for (let i = 0; i < tl.n; i++) {
    const t = tl.t[i]!;
    const h = Math.floor(t / HOUR_MS);
    if (h !== offsetHour) {
      offsetHour = h;
      offsetMs = utcOffsetMs(h * HOUR_MS, timeZone);
    }
    const local = new Date(t + offsetMs);
    cal.hour[i] = local.getUTCHours();
    cal.month[i] = local.getUTCMonth() + 1;
    cal.day[i] = Math.floor((t + offsetMs) / DAY_MS);
  }
  byZone.set(timeZone, cal);
  return cal;
}

/** Offset of local wall-clock time from UTC at an instant (whole-hour zones resolved via localParts). */
function utcOffsetMs(ms: number, timeZone: string): number {
  const { hour } = localParts(ms, timeZone);
  const utcHour = new Date(ms).getUTCHours();
  let diff = hour - utcHour;
  if (diff > 12) diff -= 24;
  if (diff < -12) diff += 24;
  return diff * HOUR_MS;
}

/** The sites a timeline can serve: same market and settlement point. */
export function checkSiteMatches(site: Site, tl: Timeline): string | null {
  if (site.market !== tl.market) return `site "${site.id}" is in market ${site.market} but the prices are ${tl.market}`;
  if (site.settlementPoint !== tl.node)
    return `site "${site.id}" settles at ${site.settlementPoint ?? '(none)'} but the prices are for ${tl.node}`;
  return null;
}
