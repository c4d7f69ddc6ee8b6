/**
 * The backtest's engine policies never use a price before it is known. Random timelines: every
 * real-time price of an interval that had not ended by an instant T, every day-ahead price of a
 * later hour than T's and every hashprice of T's UTC day or later is replaced by another value (the
 * hashprice of a day is published once the day has ended). Whatever was decided by T — the features
 * handed to the forecaster, its forecasts and the MW dispatched — must come out the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BacktestMarketData, type PolicyName, runBacktest } from '#app/backtest/index.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { type ForecastFeatures, lastPriceForecaster, type PriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { START, site } from './synthetic.ts';

const LEN_MS = 15 * MINUTE_MS;
const HASH_FROM = '2024-06-27';

interface MarketSpec {
  /** Quarter-hours after START where the window opens. */
  offset: number;
  /** One entry per quarter-hour of the window; null is a gap in the real-time series. */
  rt: (number | null)[];
  /** Day-ahead price per hour from START; null when the market has none. */
  da: (number | null)[];
  /** Hashprice per UTC day from HASH_FROM. */
  hash: number[];
}

function marketOf(spec: MarketSpec): BacktestMarketData {
  const point = (kind: 'RT' | 'DA', intervalStartMs: number, intervalMinutes: number, priceUsdPerMwh: number): PricePoint => ({
    market: 'ERCOT',
    node: 'HB_HUBAVG',
    kind,
    intervalStartMs,
    intervalMinutes,
    priceUsdPerMwh,
  });
  const from = START + spec.offset * LEN_MS;
  const rt = spec.rt.flatMap((p, k) => (p === null ? [] : [point('RT', from + k * LEN_MS, 15, p)]));
  const da = spec.da.flatMap((p, h) => (p === null ? [] : [point('DA', START + h * HOUR_MS, 60, p)]));
  const day0 = parseUtcDay(HASH_FROM);
  const hashprice = new HashpriceSeries(spec.hash.map((usdPerPhDay, d) => ({ date: utcDay(day0 + d * DAY_MS), usdPerPhDay })));
  return { rt, da, hashprice };
}

/** The same market with everything not yet published at `cutMs` replaced. */
function poisoned(spec: MarketSpec, cutMs: number, shift: number): MarketSpec {
  const from = START + spec.offset * LEN_MS;
  const cutHour = Math.floor(cutMs / HOUR_MS) * HOUR_MS;
  const day0 = parseUtcDay(HASH_FROM);
  return {
    offset: spec.offset,
    rt: spec.rt.map((p, k) => (p !== null && from + k * LEN_MS + LEN_MS > cutMs ? p + shift : p)),
    da: spec.da.map((p, h) => (START + h * HOUR_MS > cutHour ? (p ?? 0) + shift : p)),
    hash: spec.hash.map((v, d) => (day0 + d * DAY_MS >= Math.floor(cutMs / DAY_MS) * DAY_MS ? v * 3 + 10 : v)),
  };
}

interface Call {
  features: ForecastFeatures;
  expected: number;
}

/** A forecaster that records every call with a copy of its features. */
function recording(inner: PriceForecaster): { forecaster: PriceForecaster; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    forecaster: {
      name: inner.name,
      expect(f) {
        const expected = inner.expect(f);
        calls.push({ features: { ...f, recentRtUsdPerMwh: [...f.recentRtUsdPerMwh] }, expected });
        return expected;
      },
    },
  };
}

function run(s: Site, spec: MarketSpec, policy: PolicyName, forecaster: PriceForecaster) {
  const rec = recording(forecaster);
  const fromMs = START + spec.offset * LEN_MS;
  const r = runBacktest({
    sites: [s],
    data: marketOf(spec),
    fromMs,
    toMs: fromMs + spec.rt.length * LEN_MS,
    forecaster: rec.forecaster,
    record: true,
    policies: [policy],
  });
  const tl = r.timeline;
  const mw = r.sites[0]!.result.series!.mw[policy];
  const loads = r.sites[0]!.result.loadIds.length;
  return { t: Array.from(tl.t), calls: rec.calls, mwAt: (i: number) => Array.from({ length: loads }, (_, l) => mw[l * tl.n + i]!) };
}

type Executed = 'engine_price_responsive' | 'engine_dispatched';

/** When each policy commits to interval i's MW: the engines at their decision instant, the bids as the interval ends. */
const committedBy: Record<'engine' | 'engine_hourly' | Executed, (t: number) => number> = {
  engine: (t) => t,
  engine_hourly: (t) => Math.floor(t / HOUR_MS) * HOUR_MS,
  // Thresholds carried out on site answer the interval's own 5-minute prices (here its settlement price).
  engine_price_responsive: (t) => t + LEN_MS,
  engine_dispatched: (t) => t + LEN_MS,
};

const price = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: -30, max: 150, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 150, max: 3000, noNaN: true }) },
);

const spec: fc.Arbitrary<MarketSpec> = fc.record({
  offset: fc.integer({ min: 0, max: 95 }),
  rt: fc.tuple(price, fc.array(fc.option(price, { freq: 12 }), { minLength: 7, maxLength: 150 })).map(([first, rest]) => [first, ...rest]),
  da: fc.array(fc.option(fc.double({ min: -10, max: 500, noNaN: true }), { freq: 8 }), { minLength: 72, maxLength: 72 }),
  hash: fc.array(fc.double({ min: 25, max: 90, noNaN: true }), { minLength: 10, maxLength: 10 }),
});

const sites = [
  site(),
  site({
    interconnectMw: 152,
    baseLoadMw: 2,
    loads: [
      {
        id: 's21',
        kind: 'mining',
        powerMw: 80,
        efficiencyJPerTh: 17.5,
        poolFeePct: 2,
        minRunMinutes: 60,
        minOffMinutes: 30,
        restartCostUsd: 250,
      },
      {
        id: 's19xp',
        kind: 'mining',
        powerMw: 70,
        efficiencyJPerTh: 21.5,
        poolFeePct: 2,
        minRunMinutes: 120,
        minOffMinutes: 60,
        restartCostUsd: 500,
      },
    ],
  }),
];

const forecasters = [spikePersistenceForecaster(), lastPriceForecaster];

const shift = fc.oneof(fc.double({ min: 100, max: 3000, noNaN: true }), fc.double({ min: -3000, max: -100, noNaN: true }));

const caseOf = fc.record({
  spec,
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  shift,
  site: fc.constantFrom(...sites),
  forecaster: fc.constantFrom(...forecasters),
});

const cutOf = (s: MarketSpec, cut: number) => {
  const from = START + s.offset * LEN_MS;
  return Math.floor(from + cut * s.rt.length * LEN_MS);
};

describe('the engine policies never use a price before it is known', () => {
  it.each(['engine', 'engine_hourly'] as const)(
    '%s: forecasts and dispatch decided by T do not change with what is published after T',
    (policy) => {
      fc.assert(
        fc.property(caseOf, (c) => {
          const cutMs = cutOf(c.spec, c.cut);
          const before = run(c.site, c.spec, policy, c.forecaster);
          const after = run(c.site, poisoned(c.spec, cutMs, c.shift), policy, c.forecaster);

          const decidedBy = (calls: Call[]) => calls.filter((k) => k.features.decisionTimeMs <= cutMs);
          expect(decidedBy(after.calls)).toEqual(decidedBy(before.calls));
          before.t.forEach((t, i) => {
            if (committedBy[policy](t) <= cutMs) expect(after.mwAt(i)).toEqual(before.mwAt(i));
          });
        }),
        { numRuns: 60 },
      );
    },
  );

  it.each(['engine_price_responsive', 'engine_dispatched'] as const)(
    '%s: the MW of every interval that ended by T does not change with what is published after T',
    (policy) => {
      fc.assert(
        fc.property(caseOf, (c) => {
          const cutMs = cutOf(c.spec, c.cut);
          const before = run(c.site, c.spec, policy, c.forecaster);
          const after = run(c.site, poisoned(c.spec, cutMs, c.shift), policy, c.forecaster);
          before.t.forEach((t, i) => {
            if (committedBy[policy](t) <= cutMs) expect(after.mwAt(i)).toEqual(before.mwAt(i));
          });
        }),
        { numRuns: 40 },
      );
    },
  );

  it('the replaced prices do reach the forecaster once they are published (the property above is not vacuous)', () => {
    fc.assert(
      fc.property(caseOf, (c) => {
        const cutMs = cutOf(c.spec, c.cut);
        const before = run(c.site, c.spec, 'engine', c.forecaster);
        const after = run(c.site, poisoned(c.spec, cutMs, c.shift), 'engine', c.forecaster);
        // The first decision that knows an interval which ended after T sees its replaced price.
        const k = before.calls.findIndex(
          (call) => call.features.lastRtIntervalStartMs !== null && call.features.lastRtIntervalStartMs + LEN_MS > cutMs,
        );
        fc.pre(k >= 0);
        const seen = after.calls[k]!.features.recentRtUsdPerMwh;
        const original = before.calls[k]!.features.recentRtUsdPerMwh;
        expect(seen.at(-1)).toBeCloseTo(original.at(-1)! + c.shift, 6);
      }),
      { numRuns: 30 },
    );
  });
});
