/**
 * The demo market-data source, used when no real feed is configured: deterministic, plausible
 * prices for every priced node of the configured sites (a diurnal shape with occasional spikes)
 * and a hashprice near $50/PH/day, and for ERCOT a grid carbon intensity per quarter-hour. Values depend
 * only on the interval, so regenerating them rewrites the same values. Every value is labelled demo.
 */
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, utcDay } from '#domain/time.ts';
import type { FxRatePoint, HashpricePoint, IntensityPoint, MarketDataRepository, PricePoint, SystemLoadPoint } from '#ports/market-data.ts';

/** A hash of an integer to [0, 1): the same interval always gets the same noise. */
function noise(n: number, salt: number): number {
  let x = (n ^ (salt * 0x9e3779b1)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 4294967296;
}

function salt(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Demo real-time price of the interval starting at `t` (UTC ms) at a node. */
export function demoRtPrice(node: string, t: number, utcOffsetHours: number): number {
  const s = salt(node);
  const hourLocal = (((t / HOUR_MS + utcOffsetHours) % 24) + 24) % 24;
  const diurnal = 28 + 22 * Math.exp(-((hourLocal - 17.5) ** 2) / 8) - 8 * Math.exp(-((hourLocal - 4) ** 2) / 6);
  const slot = Math.floor(t / (15 * MINUTE_MS));
  const jitter = (noise(slot, s) - 0.5) * 10;
  // About 2% of afternoon-evening intervals spike, a few hundred dollars.
  const spike = hourLocal >= 14 && hourLocal < 21 && noise(slot, s + 1) < 0.06 ? 120 + 500 * noise(slot, s + 2) : 0;
  return Math.round((diurnal + jitter + spike) * 100) / 100;
}

/** Demo day-ahead price of the hour starting at `t`: the diurnal shape without noise or spikes. */
export function demoDaPrice(node: string, t: number, utcOffsetHours: number): number {
  const hourLocal = (((t / HOUR_MS + utcOffsetHours) % 24) + 24) % 24;
  const base = 30 + 24 * Math.exp(-((hourLocal - 17.5) ** 2) / 8) - 8 * Math.exp(-((hourLocal - 4) ** 2) / 6);
  return Math.round((base + (noise(Math.floor(t / HOUR_MS), salt(node) + 3) - 0.5) * 4) * 100) / 100;
}

export function demoHashprice(day: string): number {
  const n = Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
  return Math.round((50 + 6 * Math.sin(n / 9) + (noise(n, 7) - 0.5) * 4) * 100) / 100;
}

/**
 * Demo ERCOT average intensity of the quarter-hour at `t`, lb CO2/MWh: near the 2023 mean of ~720 (eGRID2023 ERCT 733.9),
 * lowest around the solar noon, highest in the evening ramp, with some noise.
 */
export function demoIntensity(t: number): number {
  const hourLocal = (((t / HOUR_MS - 6) % 24) + 24) % 24;
  const slot = Math.floor(t / (15 * MINUTE_MS));
  const shape = 800 - 260 * Math.exp(-((hourLocal - 13) ** 2) / 9) + 90 * Math.exp(-((hourLocal - 20) ** 2) / 6);
  return Math.round(shape + (noise(slot, 13) - 0.5) * 40);
}

const UTC_OFFSET: Record<string, number> = { ERCOT: -6, PJM: -5, NORDPOOL: 1 };

/** Demo Nord Pool day-ahead price of the quarter-hour at `t`, EUR/MWh: the diurnal shape with quarter-hour steps. */
export function demoNordPoolPrice(area: string, t: number): number {
  const slot = Math.floor(t / (15 * MINUTE_MS));
  return Math.round((demoDaPrice(area, t, 1) * 0.9 + (noise(slot, salt(area) + 5) - 0.5) * 6) * 100) / 100;
}

/** Demo ECB reference rate, USD per EUR, of a day. */
export function demoEurUsd(day: string): number {
  const n = Math.floor(Date.parse(`${day}T00:00:00Z`) / DAY_MS);
  return Math.round((1.08 + 0.02 * Math.sin(n / 23) + (noise(n, 11) - 0.5) * 0.004) * 10_000) / 10_000;
}

/**
 * Writes demo data covering [fromMs, toMs) for every priced node of the sites: RT intervals,
 * DA hours (through the end of the next day), system load forecast, and daily hashprice.
 */
export async function seedDemoMarketData(
  repo: MarketDataRepository,
  sites: readonly Site[],
  fromMs: number,
  toMs: number,
): Promise<number> {
  const prices: PricePoint[] = [];
  const nodes = new Map<string, { market: string; node: string }>();
  for (const s of sites)
    if (s.market !== 'FIXED' && s.settlementPoint)
      nodes.set(`${s.market}|${s.settlementPoint}`, { market: s.market, node: s.settlementPoint });
  const start = Math.floor(fromMs / HOUR_MS) * HOUR_MS;
  const daEnd = Math.floor(toMs / DAY_MS) * DAY_MS + 2 * DAY_MS;
  for (const { market, node } of nodes.values()) {
    if (market === 'NORDPOOL') {
      // The day-ahead auction's quarter-hours in EUR, through the end of the next day; Nord Pool has no RT series here.
      for (let t = start; t < daEnd; t += 15 * MINUTE_MS) {
        const priceUsdPerMwh = demoNordPoolPrice(node, t);
        prices.push({ market, node, kind: 'DA', intervalStartMs: t, intervalMinutes: 15, priceUsdPerMwh, currency: 'EUR' });
      }
      continue;
    }
    const offset = UTC_OFFSET[market] ?? 0;
    const rtMinutes = intervalMinutesFor(market as Site['market']);
    for (let t = start; t < toMs; t += rtMinutes * MINUTE_MS) {
      prices.push({
        market,
        node,
        kind: 'RT',
        intervalStartMs: t,
        intervalMinutes: rtMinutes,
        priceUsdPerMwh: demoRtPrice(node, t, offset),
      });
    }
    for (let t = start; t < daEnd; t += HOUR_MS) {
      prices.push({ market, node, kind: 'DA', intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh: demoDaPrice(node, t, offset) });
    }
  }
  const load: SystemLoadPoint[] = [];
  if (sites.some((s) => s.market === 'ERCOT')) {
    for (let t = start; t < daEnd; t += HOUR_MS) {
      const hourLocal = (((t / HOUR_MS - 6) % 24) + 24) % 24;
      load.push({
        market: 'ERCOT',
        kind: 'FORECAST',
        intervalStartMs: t,
        intervalMinutes: 60,
        mw: Math.round(48_000 + 14_000 * Math.exp(-((hourLocal - 17) ** 2) / 10)),
      });
    }
  }
  const intensity: IntensityPoint[] = [];
  if (sites.some((s) => s.market === 'ERCOT')) {
    // Through the end of the next day, like the day-ahead prices: the hours ahead are decided with it. A real point replaces it.
    for (let t = start; t < daEnd; t += 15 * MINUTE_MS) {
      intensity.push({
        market: 'ERCOT',
        kind: 'AVERAGE',
        intervalStartMs: t,
        intervalMinutes: 15,
        lbCo2PerMwh: demoIntensity(t),
        generationMwh: null,
        settlementType: 'DEMO',
        source: 'demo',
      });
    }
  }
  const hashprices: HashpricePoint[] = [];
  for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS - 7 * DAY_MS; d < toMs; d += DAY_MS) {
    const day = utcDay(d);
    hashprices.push({ date: day, usdPerPhDay: demoHashprice(day), source: 'demo' });
  }
  const fxRates: FxRatePoint[] = [];
  if (sites.some((s) => s.market === 'NORDPOOL')) {
    for (let d = Math.floor(fromMs / DAY_MS) * DAY_MS - 7 * DAY_MS; d < daEnd; d += DAY_MS) {
      const date = utcDay(d);
      fxRates.push({ date, base: 'EUR', quote: 'USD', rate: demoEurUsd(date), source: 'demo' });
    }
  }
  await Promise.all([
    repo.putPrices(prices),
    repo.putSystemLoad(load),
    repo.putHashprices(hashprices),
    repo.putFxRates(fxRates),
    repo.putIntensity(intensity),
  ]);
  return prices.length + load.length + hashprices.length + fxRates.length + intensity.length;
}
