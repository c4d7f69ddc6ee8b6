/**
 * The backtest's inputs, laid out once as per-interval arrays: the interval grid is the real-time
 * price series in [from, to); day-ahead prices, the load forecast and the hashprice (by the day − 1
 * rule) are looked up per interval here so that the policy loops only index arrays.
 */
import { HashpriceSeries } from '#domain/economics.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, localParts } from '#domain/time.ts';
import type { AsPricePoint, PricePoint, SystemLoadPoint } from '#ports/market-data.ts';

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
}

/**
 * Builds the timeline of the intervals in [fromMs, toMs), with the clearing prices of one
 * ancillary-service product when asked. Throws when there is no real-time price in range.
 */
export function buildTimeline(data: BacktestMarketData, fromMs: number, toMs: number, asProduct: AsPricePoint['product'] | null = null): Timeline {
  const rt = data.rt.filter((p) => p.intervalStartMs >= fromMs && p.intervalStartMs < toMs).sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  if (rt.length === 0) throw new Error('no real-time prices in the backtest window');
  const intervalMinutes = rt[0]!.intervalMinutes;
  const n = rt.length;
  const daByHour = new Map<number, number>();
  for (const p of data.da) daByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.priceUsdPerMwh);
  const lfByHour = new Map<number, number>();
  for (const p of data.loadForecast ?? []) lfByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.mw);
  const asByHour = new Map<number, number>();
  if (asProduct) for (const p of data.asPrices ?? []) if (p.product === asProduct) asByHour.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.priceUsdPerMwh);

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
  };
  const dayIndex = new Map<string, number>();
  let lastDay = Number.NaN;
  let lastHash: ReturnType<HashpriceSeries['forInterval']> = null;
  for (let i = 0; i < n; i++) {
    const p = rt[i]!;
    const t = p.intervalStartMs;
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    tl.t[i] = t;
    tl.rt[i] = p.priceUsdPerMwh;
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
  return tl;
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
  if (site.settlementPoint !== tl.node) return `site "${site.id}" settles at ${site.settlementPoint ?? '(none)'} but the prices are for ${tl.node}`;
  return null;
}
