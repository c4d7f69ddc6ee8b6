/**
 * Walk-forward refitting, the day-block bootstrap of capture against the last price, and where both
 * appear in the summary and the report. Properties, not figures: nothing of a month reaches its own
 * fit, the bootstrap is a deterministic function of its seed and its interval holds the estimate.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { captureDeltaInterval, seededRandom } from '#app/backtest/bootstrap.ts';
import { type BacktestMarketData, runBacktest, summarize } from '#app/backtest/index.ts';
import { renderHtmlReport } from '#app/backtest/report-html.ts';
import { NEUTRAL_PARAMS, restrictTerms, termStages, walkForwardForecaster, walkForwardMonthly } from '#app/forecast-fit.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { type ForecastFeatures, lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, utcDay } from '#domain/time.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { site } from './synthetic.ts';

const LEN = 15 * MINUTE_MS;
/** 2024-07-22 00:00 CDT; August begins 2024-08-01 05:00 UTC. */
const FROM = Date.parse('2024-07-22T05:00:00Z');
const AUGUST = Date.parse('2024-08-01T05:00:00Z');
const TO = Date.parse('2024-08-04T05:00:00Z');

/** Seeded spiky prices from FROM to TO: a daily shape, random spikes that last a few intervals, an evening bump. */
type Market = BacktestMarketData & { hashDays: { date: string; usdPerPhDay: number }[] };

function market(seed: number): Market {
  const rand = seededRandom(seed);
  const rt: PricePoint[] = [];
  const da: PricePoint[] = [];
  let spike = 0;
  for (let t = FROM; t < TO; t += LEN) {
    const hour = new Date(t - 5 * HOUR_MS).getUTCHours();
    if (spike > 0) spike--;
    else if (rand() < (hour >= 17 && hour <= 20 ? 0.06 : 0.01)) spike = 1 + Math.floor(rand() * 4);
    const base = 30 + 25 * Math.sin(((hour - 9) / 24) * 2 * Math.PI) + rand() * 15;
    const price = spike > 0 ? 120 + rand() * 1500 : base;
    rt.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: t, intervalMinutes: 15, priceUsdPerMwh: price });
    if (t % HOUR_MS === 0) {
      const priceUsdPerMwh = base * (hour >= 17 ? 1.6 : 1);
      da.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh });
    }
  }
  const days = [];
  for (let d = FROM - 5 * DAY_MS; d < TO + DAY_MS; d += DAY_MS) days.push({ date: utcDay(d), usdPerPhDay: 50 + 5 * rand() });
  return { rt, da, hashprice: new HashpriceSeries(days), hashDays: days };
}

/** Everything from `cutMs` on replaced: prices, day-ahead prices and hashprices. */
function poisoned(data: Market, cutMs: number, shift: number): BacktestMarketData {
  const move = (p: PricePoint) => (p.intervalStartMs >= cutMs ? { ...p, priceUsdPerMwh: p.priceUsdPerMwh * 3 + shift } : p);
  // A day's hashprice is published once the day has ended: the cut's UTC day and later are unknown.
  const cutDay = utcDay(Math.floor(cutMs / DAY_MS) * DAY_MS);
  const days = data.hashDays.map((d) => (d.date >= cutDay ? { ...d, usdPerPhDay: 200 } : d));
  return { rt: data.rt.map(move), da: data.da.map(move), hashprice: new HashpriceSeries(days) };
}

// Two fit fleets and a day's worth of fit data keep the property affordable; the procedure is the CLI's.
const FIT = { timeZone: 'America/Chicago', efficiencies: [17.5, 21.5], minFitIntervals: 96 } as const;

describe('walk-forward monthly', () => {
  it('fits each month on data published before it began: poisoning the month (and its last unpublished interval) changes nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 50, max: 2000, noNaN: true }), (seed, shift) => {
        const data = market(seed);
        const months = walkForwardMonthly(data, FROM, TO, FIT);
        expect(months.map((m) => m.month)).toEqual(['2024-07', '2024-08']);
        const august = months[1]!;
        expect(august.startMs).toBe(AUGUST);
        expect(august.fit).not.toBeNull();
        // The interval ending at the month's start is published 5 minutes into it: left out.
        expect(august.fit!.toMs).toBeLessThanOrEqual(AUGUST - LEN);
        const after = walkForwardMonthly(poisoned(data, AUGUST - LEN, shift), FROM, TO, FIT)[1]!;
        expect(after.params).toEqual(august.params);
        expect(after.fit).toEqual(august.fit);
      }),
      { numRuns: 4 },
    );
  });

  it('does read the data before the month (the property above is not vacuous)', () => {
    const data = market(7);
    const august = walkForwardMonthly(data, FROM, TO, FIT)[1]!;
    const earlier = walkForwardMonthly(poisoned(data, AUGUST - 2 * DAY_MS, 400), FROM, TO, FIT)[1]!;
    expect(earlier.fit!.inSample).not.toBe(august.fit!.inSample);
  });

  it('runs a month with nothing before it to fit on on the last price', () => {
    const months = walkForwardMonthly(market(3), FROM, TO, FIT);
    expect(months[0]!.fit).toBeNull();
    expect(months[0]!.params).toEqual(NEUTRAL_PARAMS);
  });

  it('with no terms to fit, is the last price in every month', () => {
    const months = walkForwardMonthly(market(3), FROM, TO, { ...FIT, stages: termStages([]) });
    for (const m of months) expect(m.params).toEqual(NEUTRAL_PARAMS);
  });

  it('fits only the terms asked for: the others stay neutral', () => {
    const months = walkForwardMonthly(market(11), FROM, TO, { ...FIT, stages: termStages(['freshSpike']) });
    const p = months[1]!.params;
    expect(restrictTerms(p, ['freshSpike'])).toEqual(p);
    expect({ ...p, freshSpikeRatio: 3, freshSpikeFloorUsdPerMwh: 40, freshSpikeKeep: 1 }).toEqual(NEUTRAL_PARAMS);
  });

  it('the neutral parameters forecast exactly the last price', () => {
    const f = spikePersistenceForecaster(NEUTRAL_PARAMS);
    const x = fc.record({
      daUsdPerMwh: fc.option(fc.double({ min: -50, max: 3000, noNaN: true })),
      recentRtUsdPerMwh: fc.array(fc.double({ min: -250, max: 5000, noNaN: true }), { maxLength: 4 }),
      localHour: fc.integer({ min: 0, max: 23 }),
    });
    fc.assert(
      fc.property(x, (v) => {
        const features: ForecastFeatures = {
          ...v,
          intervalStartMs: 0,
          decisionTimeMs: 0,
          lastRtIntervalStartMs: null,
          month: 1,
          loadForecastMw: null,
        };
        expect(f.expect(features)).toBe(lastPriceForecaster.expect(features));
      }),
    );
  });

  it('the walk-forward forecaster uses each month’s parameters from the month’s first interval on', () => {
    const a = { ...NEUTRAL_PARAMS, otherPremium: -0.3 };
    const b = { ...NEUTRAL_PARAMS, otherPremium: 0.4 };
    const f = walkForwardForecaster([
      { month: '2024-07', startMs: FROM, fit: null, params: a },
      { month: '2024-08', startMs: AUGUST, fit: null, params: b },
    ]);
    const at = (t: number): ForecastFeatures => ({
      intervalStartMs: t,
      decisionTimeMs: t,
      daUsdPerMwh: null,
      recentRtUsdPerMwh: [100],
      lastRtIntervalStartMs: null,
      localHour: 3,
      month: 1,
      loadForecastMw: null,
    });
    expect(f.expect(at(AUGUST - LEN))).toBeCloseTo(70, 9);
    expect(f.expect(at(AUGUST))).toBeCloseTo(140, 9);
    // Out of order (a second backtest with the same forecaster) still picks by the interval.
    expect(f.expect(at(FROM))).toBeCloseTo(70, 9);
  });
});

/** Money to the cent, as the ledgers hold it. */
const cents = (min: number, max: number) => fc.integer({ min: min * 100, max: max * 100 }).map((c) => c / 100);
const day = cents(-5e4, 5e4);
const dailyNets = fc.integer({ min: 1, max: 60 }).chain((n) =>
  fc.record({
    x: fc.array(day, { minLength: n, maxLength: n }),
    base: fc.array(day, { minLength: n, maxLength: n }),
    alwaysOn: fc.array(day, { minLength: n, maxLength: n }),
    // Perfect foresight is never below always-on on a day.
    gain: fc.array(cents(0, 1e5), { minLength: n, maxLength: n }),
  }),
);
const nets = (d: { x: number[]; base: number[]; alwaysOn: number[]; gain: number[] }) => ({
  x: d.x,
  base: d.base,
  alwaysOn: d.alwaysOn,
  perfect: d.alwaysOn.map((a, k) => a + d.gain[k]!),
});

describe('day-block bootstrap of capture minus the last price’s', () => {
  it('is deterministic for a seed', () => {
    fc.assert(
      fc.property(dailyNets, fc.integer(), (d, seed) => {
        expect(captureDeltaInterval(nets(d), { seed, resamples: 200 })).toEqual(captureDeltaInterval(nets(d), { seed, resamples: 200 }));
      }),
      { numRuns: 50 },
    );
  });

  it('gives an interval that contains the point estimate, which is the difference of the two capture ratios', () => {
    fc.assert(
      fc.property(dailyNets, fc.integer(), (d, seed) => {
        const n = nets(d);
        const r = captureDeltaInterval(n, { seed, resamples: 200 });
        expect(r.low).toBeLessThanOrEqual(r.delta);
        expect(r.delta).toBeLessThanOrEqual(r.high);
        const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
        const span = sum(n.perfect) - sum(n.alwaysOn);
        fc.pre(span > 1);
        const capture = (x: number[]) => (sum(x) - sum(n.alwaysOn)) / span;
        expect(r.delta).toBeCloseTo(capture(n.x) - capture(n.base), 6);
      }),
      { numRuns: 50 },
    );
  });

  it('is exactly zero for a policy compared with itself, and has width when days disagree', () => {
    fc.assert(
      fc.property(dailyNets, (d) => {
        expect(captureDeltaInterval({ ...nets(d), base: d.x })).toEqual({ delta: 0, low: 0, high: 0 });
      }),
      { numRuns: 20 },
    );
    const rand = seededRandom(9);
    const days = Array.from({ length: 40 }, () => rand());
    const n = {
      x: days.map((v) => 100 * v),
      base: days.map((v) => 100 * (1 - v)),
      alwaysOn: days.map(() => 0),
      perfect: days.map(() => 120),
    };
    const r = captureDeltaInterval(n);
    expect(r.low).toBeLessThan(r.delta);
    expect(r.high).toBeGreaterThan(r.delta);
    expect(captureDeltaInterval(n, { seed: 2 })).not.toEqual(captureDeltaInterval(n, { seed: 3 }));
  });
});

describe('summary and report', () => {
  const data = market(5);
  const run = (forecaster = spikePersistenceForecaster(), extra = {}) =>
    runBacktest({ sites: [site()], data, fromMs: FROM, toMs: TO, forecaster, record: true, compareLastPrice: true, ...extra });

  it('give every engine policy its capture minus the last price’s, with an interval around it', () => {
    const result = run();
    const s = summarize(result);
    const only = s.sites[0]!;
    expect(Object.keys(only.captureVsLastPrice!)).toEqual(Object.keys(only.captureRatio));
    const base = summarize(run(lastPriceForecaster)).sites[0]!;
    for (const [p, d] of Object.entries(only.captureVsLastPrice!)) {
      expect(d.low).toBeLessThanOrEqual(d.delta);
      expect(d.delta).toBeLessThanOrEqual(d.high);
      const policy = p as keyof typeof only.captureRatio;
      // Both capture ratios and Δ are rounded to 4 decimals.
      expect(Math.abs(d.delta - (only.captureRatio[policy]! - base.captureRatio[policy]!))).toBeLessThanOrEqual(2e-4);
    }
    expect(s.bootstrap).toEqual({ blocks: 'local day', resamples: 1000, level: 0.95, seed: expect.any(Number) });
    expect(summarize(result)).toEqual(s);
    const html = renderHtmlReport(result, s);
    expect(html).toContain('capture − last price [interval]');
    expect(html).toContain('bootstrap-note');
  });

  it('show zero for the last price itself, and nothing when the comparison is not asked for', () => {
    const self = summarize(run(lastPriceForecaster)).sites[0]!.captureVsLastPrice!;
    for (const d of Object.values(self)) expect(d).toEqual({ delta: 0, low: 0, high: 0 });
    const off = summarize(run(spikePersistenceForecaster(), { compareLastPrice: false }));
    expect(off.sites[0]!.captureVsLastPrice).toBeUndefined();
    expect(off.bootstrap).toBeUndefined();
  });

  it('list the walk-forward months and their parameters', () => {
    const months = walkForwardMonthly(data, FROM, TO, FIT);
    const s = summarize(run(walkForwardForecaster(months), { walkForward: months }));
    expect(s.forecaster).toBe('spike-persistence (walk-forward monthly)');
    expect(s.walkForward!.map((m) => m.month)).toEqual(['2024-07', '2024-08']);
    expect(s.walkForward![0]!.fitIntervals).toBe(0);
    expect(Date.parse(s.walkForward![1]!.fitTo!)).toBeLessThanOrEqual(AUGUST);
    expect(s.walkForward![1]!.params).toEqual(months[1]!.params);
  });
});
