/**
 * What is known about a site's market at decision time, read once per run from the repository
 * and turned into the policy's price input through the forecaster.
 */

import { deliveryDayOf, deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import type { CarbonInput } from '#domain/emissions.ts';
import type { ForecastFeatures, PriceForecaster } from '#domain/forecast.ts';
import type { GridEvent } from '#domain/grid.ts';
import type { HashpriceInput, PriceInput } from '#domain/policy.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, localParts, MINUTE_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { FxRatePoint, IntensityPoint, MarketDataRepository, PricePoint } from '#ports/market-data.ts';
import { type DayAheadPlan, planDayAhead } from './day-ahead-plan.ts';
import { ACTUAL_LOOKBACK_MS, FORECAST_WINDOW_MS, type LoadHistory } from './peak-risk.ts';

/** How much real-time history is read: the forecaster uses the last two prices; older than this is stale anyway. */
const RT_LOOKBACK_MS = 6 * HOUR_MS;

export interface MarketSnapshot {
  /** RT points that ended by decision time, ascending. */
  rt: PricePoint[];
  /** DA prices by hour start. */
  da: Map<number, number>;
  /** Load forecast MW by hour start. */
  loadForecast: Map<number, number>;
  gridEvents: GridEvent[];
  /**
   * Day-ahead prices in another currency than USD (Nord Pool's EUR), ascending, with the reference rate
   * known at decision time that converts them: the economics compare USD (hashprice is in USD).
   */
  foreignDa?: { points: PricePoint[]; currency: string; rate: FxRatePoint | null };
}

/** ECB reference rates come out at about 16:00 CET; a rate older than this is not used. */
const ECB_PUBLISHED_LOCAL_HOUR = 16;
const MAX_RATE_AGE_DAYS = 7;

/** The newest day whose ECB reference rate is out at `decisionTimeMs` (the day itself after 16:00 CET). */
export function latestRateDayKnownAt(decisionTimeMs: number): string {
  const p = localParts(decisionTimeMs, 'Europe/Berlin');
  return p.hour >= ECB_PUBLISHED_LOCAL_HOUR ? p.date : utcDay(parseUtcDay(p.date) - DAY_MS);
}

const EMPTY_HISTORY: LoadHistory = { forecast: new Map(), actual: new Map() };

export interface MarketReaderOptions {
  /** USD per unit of a currency used when no reference rate is stored, e.g. `{ EUR: 1.08 }` (backtests without a rates file). */
  fixedRates?: Readonly<Record<string, number>>;
}

/** Reads, once per (market, node, hour), everything the decisions of that hour need. */
export class MarketReader {
  private readonly snapshots = new Map<string, Promise<MarketSnapshot>>();
  private readonly hashprices = new Map<string, Promise<HashpriceInput | null>>();
  private readonly loadHistories = new Map<string, Promise<LoadHistory>>();
  private readonly plans = new Map<string, Promise<DayAheadPlan | null>>();
  private readonly intensities = new Map<string, Promise<{ marginal: IntensityPoint[]; average: IntensityPoint[] }>>();

  constructor(
    private readonly repo: MarketDataRepository,
    private readonly demo: boolean,
    private readonly opts: MarketReaderOptions = {},
  ) {}

  snapshot(site: Site, hourStartMs: number, decisionTimeMs: number): Promise<MarketSnapshot> {
    const key = `${site.market}|${site.settlementPoint ?? ''}|${hourStartMs}|${decisionTimeMs}`;
    let s = this.snapshots.get(key);
    if (!s) {
      s = this.read(site, hourStartMs, decisionTimeMs);
      this.snapshots.set(key, s);
    }
    return s;
  }

  private async read(site: Site, hourStartMs: number, decisionTimeMs: number): Promise<MarketSnapshot> {
    const hourEnd = hourStartMs + HOUR_MS;
    const gridEvents = this.repo.getGridEvents(site.market, hourStartMs, hourEnd);
    const loadForecast = this.repo.getSystemLoad(site.market, 'FORECAST', hourStartMs, hourEnd);
    if (site.market === 'FIXED' || !site.settlementPoint) {
      return { rt: [], da: new Map(), loadForecast: toHourMap(await loadForecast, (p) => p.mw), gridEvents: await gridEvents };
    }
    const [rtRaw, da] = await Promise.all([
      this.repo.getPrices(site.market, site.settlementPoint, 'RT', decisionTimeMs - RT_LOOKBACK_MS, decisionTimeMs),
      this.repo.getPrices(site.market, site.settlementPoint, 'DA', hourStartMs, hourEnd),
    ]);
    const rt = rtRaw.filter((p) => p.intervalStartMs + p.intervalMinutes * MINUTE_MS <= decisionTimeMs);
    const currency = da.find((p) => p.currency !== undefined && p.currency !== 'USD')?.currency;
    if (currency) {
      // One rate for a delivery day: the latest published when the day began (or at decision time, if earlier).
      const rate = await this.rateKnownAt(currency, Math.min(decisionTimeMs, deliveryDayWindow(deliveryDayOf(hourStartMs)).startMs));
      const foreignDa = { points: da, currency, rate };
      return { rt, da: new Map(), loadForecast: toHourMap(await loadForecast, (p) => p.mw), gridEvents: await gridEvents, foreignDa };
    }
    return {
      rt,
      da: toHourMap(da, (p) => p.priceUsdPerMwh),
      loadForecast: toHourMap(await loadForecast, (p) => p.mw),
      gridEvents: await gridEvents,
    };
  }

  /**
   * The day-ahead optimum's levels for an interval of a Nord Pool site: computed once per site and
   * delivery day from the whole day's prices in USD. Null when the day is not wholly priced, or there is no rate or hashprice.
   */
  async dayAheadPlan(
    site: Site,
    intervalStartMs: number,
    decisionTimeMs: number,
    intervalMinutes: number,
  ): Promise<Record<string, number> | null> {
    if (site.market !== 'NORDPOOL' || !site.settlementPoint) return null;
    const day = deliveryDayOf(intervalStartMs);
    const { startMs } = deliveryDayWindow(day);
    const key = `${site.id}|${day}|${Math.min(decisionTimeMs, startMs)}`;
    let p = this.plans.get(key);
    if (!p) {
      p = this.planDay(site, day, Math.min(decisionTimeMs, startMs), intervalMinutes);
      this.plans.set(key, p);
    }
    return (await p)?.get(intervalStartMs) ?? null;
  }

  /** The hashprice is the one of the day's middle (a delivery day begins at 22:00 or 23:00 UTC the day before). */
  private async planDay(site: Site, day: string, rateTimeMs: number, intervalMinutes: number): Promise<DayAheadPlan | null> {
    const { startMs, endMs } = deliveryDayWindow(day);
    const [points, hashprice] = await Promise.all([
      this.repo.getPrices(site.market, site.settlementPoint!, 'DA', startMs, endMs),
      this.hashprice(startMs + 12 * HOUR_MS),
    ]);
    const currency = points[0]?.currency ?? 'USD';
    const rate = currency === 'USD' ? 1 : (await this.rateKnownAt(currency, rateTimeMs))?.rate;
    if (!hashprice || rate === undefined) return null;
    const starts: number[] = [];
    const usd: number[] = [];
    for (let t = startMs; t < endMs; t += intervalMinutes * MINUTE_MS) {
      const q = points.find((x) => x.intervalStartMs <= t && t < x.intervalStartMs + x.intervalMinutes * MINUTE_MS);
      if (!q) return null;
      starts.push(t);
      usd.push(q.priceUsdPerMwh * rate);
    }
    try {
      return planDayAhead(site, starts, usd, hashprice.usdPerPhDay, intervalMinutes);
    } catch {
      return null; // too many loads sharing the interconnect for the exact optimum: the intervals decide on their own
    }
  }

  /** The latest reference rate published by decision time, or a fixed rate when none is stored (backtests); null when stale. */
  private async rateKnownAt(currency: string, decisionTimeMs: number): Promise<FxRatePoint | null> {
    const day = latestRateDayKnownAt(decisionTimeMs);
    const stored = await this.repo.latestFxRate(currency, 'USD', day);
    if (stored && (parseUtcDay(day) - parseUtcDay(stored.date)) / DAY_MS <= MAX_RATE_AGE_DAYS) return stored;
    const fixed = this.opts.fixedRates?.[currency];
    return fixed === undefined ? null : { date: day, base: currency, quote: 'USD', rate: fixed, source: 'fixed' };
  }

  /** System load known at decision time around an hour, for coincident-peak risk (read only for 4CP sites). */
  loadHistory(site: Site, hourStartMs: number, decisionTimeMs: number): Promise<LoadHistory> {
    if (!site.fourCp.enabled) return Promise.resolve(EMPTY_HISTORY);
    const key = `${site.market}|${hourStartMs}|${decisionTimeMs}`;
    let h = this.loadHistories.get(key);
    if (!h) {
      h = Promise.all([
        this.repo.getSystemLoad(site.market, 'FORECAST', hourStartMs - FORECAST_WINDOW_MS, hourStartMs + FORECAST_WINDOW_MS + HOUR_MS),
        this.repo.getSystemLoad(site.market, 'ACTUAL', decisionTimeMs - ACTUAL_LOOKBACK_MS, decisionTimeMs),
      ]).then(([forecast, actual]) => ({ forecast: toHourMap(forecast, (p) => p.mw), actual: toHourMap(actual, (p) => p.mw) }));
      this.loadHistories.set(key, h);
    }
    return h;
  }

  /** The hashprice an interval uses: UTC day date(t) − 1, or the latest earlier day stored. */
  hashprice(intervalStartMs: number): Promise<HashpriceInput | null> {
    const day = utcDay(intervalStartMs - DAY_MS);
    let h = this.hashprices.get(day);
    if (!h) {
      h = this.repo.latestHashprice(day).then((p) =>
        p
          ? {
              usdPerPhDay: p.usdPerPhDay,
              day: p.date,
              ageDays: Math.round((parseUtcDay(utcDay(intervalStartMs)) - parseUtcDay(p.date)) / DAY_MS),
              source: p.source,
              demo: this.demo || p.source === 'demo',
            }
          : null,
      );
      this.hashprices.set(day, h);
    }
    return h;
  }

  /**
   * The grid intensity of the interval: the stored point covering its start, marginal where a provider's is stored,
   * else the fuel mix's average; null when neither is (a FIXED market has none). Read once per market and hour.
   */
  async intensity(site: Site, intervalStartMs: number): Promise<CarbonInput | null> {
    if (site.market === 'FIXED') return null;
    const hour = Math.floor(intervalStartMs / HOUR_MS) * HOUR_MS;
    const key = `${site.market}|${hour}`;
    let h = this.intensities.get(key);
    if (!h) {
      h = Promise.all([
        this.repo.getIntensity(site.market, 'MARGINAL', hour, hour + HOUR_MS),
        this.repo.getIntensity(site.market, 'AVERAGE', hour, hour + HOUR_MS),
      ]).then(([marginal, average]) => ({ marginal, average }));
      this.intensities.set(key, h);
    }
    const { marginal, average } = await h;
    const covering = (points: IntensityPoint[]) =>
      points.find((p) => p.intervalStartMs <= intervalStartMs && intervalStartMs < p.intervalStartMs + p.intervalMinutes * MINUTE_MS);
    const p = covering(marginal) ?? covering(average);
    return p ? { lbCo2PerMwh: p.lbCo2PerMwh, kind: p.kind, source: p.source, intervalStartMs: p.intervalStartMs } : null;
  }

  /** The policy's price input for one interval. */
  price(site: Site, snap: MarketSnapshot, intervalStartMs: number, decisionTimeMs: number, forecaster: PriceForecaster): PriceInput | null {
    if (site.market === 'FIXED') {
      return {
        expectedUsdPerMwh: site.fixedPriceUsdPerMwh!,
        source: 'FIXED',
        daUsdPerMwh: null,
        lastRtUsdPerMwh: null,
        lastRtIntervalStartMs: null,
        ageMinutes: 0,
        demo: false,
      };
    }
    if (snap.foreignDa) return foreignDaPrice(snap.foreignDa, intervalStartMs, this.demo);
    const hour = Math.floor(intervalStartMs / HOUR_MS) * HOUR_MS;
    const da = snap.da.get(hour) ?? null;
    const last = snap.rt[snap.rt.length - 1];
    if (da === null && !last) return null;
    const { hour: localHour, month } = localParts(intervalStartMs, site.timezone);
    const features: ForecastFeatures = {
      intervalStartMs,
      decisionTimeMs,
      daUsdPerMwh: da,
      recentRtUsdPerMwh: snap.rt.map((p) => p.priceUsdPerMwh),
      lastRtIntervalStartMs: last ? last.intervalStartMs : null,
      localHour,
      month,
      loadForecastMw: snap.loadForecast.get(hour) ?? null,
    };
    const lastEnd = last ? last.intervalStartMs + last.intervalMinutes * MINUTE_MS : null;
    return {
      expectedUsdPerMwh: forecaster.expect(features),
      source: forecaster.name,
      daUsdPerMwh: da,
      lastRtUsdPerMwh: last ? last.priceUsdPerMwh : null,
      lastRtIntervalStartMs: last ? last.intervalStartMs : null,
      // A day-ahead price for the interval's own hour is current; otherwise the newest RT price ages.
      ageMinutes: da !== null ? 0 : Math.max(0, Math.round((decisionTimeMs - lastEnd!) / MINUTE_MS)),
      demo: this.demo,
    };
  }
}

/**
 * A day-ahead price in another currency, converted with the rate: the price of the market time unit
 * (a quarter-hour, or before 2025-10-01 an hour) the interval lies in. Null without a price or a rate.
 */
function foreignDaPrice(fda: NonNullable<MarketSnapshot['foreignDa']>, intervalStartMs: number, demo: boolean): PriceInput | null {
  const covers = (q: PricePoint) =>
    q.intervalStartMs <= intervalStartMs && intervalStartMs < q.intervalStartMs + q.intervalMinutes * MINUTE_MS;
  const p = fda.points.find(covers);
  if (!p || !fda.rate) return null;
  // To 1/10,000 of a dollar: only float noise is rounded away, the economics see the exact product.
  const usd = Math.round(p.priceUsdPerMwh * fda.rate.rate * 10_000) / 10_000;
  return {
    expectedUsdPerMwh: usd,
    source: 'DA',
    daUsdPerMwh: usd,
    lastRtUsdPerMwh: null,
    lastRtIntervalStartMs: null,
    ageMinutes: 0,
    demo: demo || fda.rate.source === 'demo',
    fx: {
      currency: fda.currency,
      pricePerMwh: p.priceUsdPerMwh,
      usdPerUnit: fda.rate.rate,
      rateDay: fda.rate.date,
      rateSource: fda.rate.source,
    },
  };
}

function toHourMap<T extends { intervalStartMs: number }>(points: T[], value: (p: T) => number): Map<number, number> {
  const m = new Map<number, number>();
  for (const p of points) m.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, value(p));
  return m;
}
