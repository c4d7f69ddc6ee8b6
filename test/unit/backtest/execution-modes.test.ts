import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BacktestMarketData, runBacktest, type ScedLmpPoint, summarize } from '#app/backtest/index.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { START, site, syntheticMarket } from './synthetic.ts';

const DAY = 86_400_000;
const Q = 900_000;
const FIVE = 300_000;

describe('execution modes on a timeline with evening spikes', () => {
  const data = syntheticMarket(3);
  const run = (reactionLagSced: number) =>
    summarize(
      runBacktest({ sites: [site()], data, fromMs: START, toMs: START + 3 * DAY, forecaster: lastPriceForecaster, reactionLagSced }),
    ).sites[0]!;

  it('an unconstrained fleet reacting one or two SCED intervals late keeps strictly less than perfect foresight, and less the later it reacts', () => {
    const one = run(1).captureRatio.engine_price_responsive!;
    const two = run(2).captureRatio.engine_price_responsive!;
    expect(one).toBeLessThan(1);
    expect(two).toBeLessThan(one);
    // Without 5-minute prices this is still an upper bound.
    expect(run(1).policies.engine_price_responsive!.upperBound).toBe(true);
  });

  it('dispatched on 15-minute prices equals perfect foresight for an unconstrained fleet: the upper bound, labelled', () => {
    const s = run(1);
    expect(s.policies.engine_dispatched!.netMarginUsd).toBeCloseTo(s.policies.perfect_foresight!.netMarginUsd, 6);
    expect(s.policies.engine_dispatched!.upperBound).toBe(true);
  });
});

/** Three 5-minute LMPs per interval, their mean the settlement price; one 5-minute spike at 19:05 CDT on July 1. */
function withFiveMinute(): BacktestMarketData {
  const base = syntheticMarket(1);
  const rt5: ScedLmpPoint[] = [];
  const spikeAt = START + 19 * 3_600_000 + FIVE;
  const rt: PricePoint[] = base.rt.map((p) => {
    const lmps = [0, 1, 2].map((k) => (p.intervalStartMs + k * FIVE === spikeAt ? 3000 : 40));
    lmps.forEach((lmp, k) => rt5.push({ scedMs: p.intervalStartMs + k * FIVE + 14_000, settlementPoint: 'HB_HUBAVG', lmp }));
    return { ...p, priceUsdPerMwh: (lmps[0]! + lmps[1]! + lmps[2]!) / 3 };
  });
  // One SCED run missing: filled with its interval's price and counted.
  rt5.splice(10, 1);
  // Another point's price: ignored.
  rt5.push({ scedMs: START, settlementPoint: 'HB_WEST', lmp: 9999 });
  return { ...base, rt, rt5 };
}

describe('with 5-minute prices', () => {
  const data = withFiveMinute();
  const r = runBacktest({ sites: [site()], data, fromMs: START, toMs: START + DAY, forecaster: lastPriceForecaster, record: true });
  const steps = (p: 'engine_price_responsive' | 'engine_dispatched') => r.sites[0]!.result.series!.stepMw[p]!;
  const spikeStep = (19 * 3_600_000 + FIVE) / FIVE;

  it('are placed by SCED timestamp, the missing ones filled and counted, and the policies no longer upper bounds', () => {
    const s = summarize(r);
    expect(s.fiveMinutePrices).toEqual({ given: 96 * 3 - 1, filled: 1 });
    expect(r.timeline.rt5[spikeStep]).toBe(3000);
    expect(s.sites[0]!.policies.engine_price_responsive!.upperBound).toBeUndefined();
    expect(s.sites[0]!.policies.engine_dispatched!.upperBound).toBeUndefined();
  });

  it('dispatch curtails in the spike’s own SCED interval; the site agent one interval later, when it knows the price', () => {
    expect([
      steps('engine_dispatched')[spikeStep - 1],
      steps('engine_dispatched')[spikeStep],
      steps('engine_dispatched')[spikeStep + 1],
    ]).toEqual([100, 0, 100]);
    expect([
      steps('engine_price_responsive')[spikeStep],
      steps('engine_price_responsive')[spikeStep + 1],
      steps('engine_price_responsive')[spikeStep + 2],
    ]).toEqual([100, 0, 100]);
  });

  it('settles energy at the 15-minute settlement price for the MW run in each step', () => {
    const i = Math.floor(spikeStep / 3);
    const tl = r.timeline;
    const net = r.sites[0]!.result.series!.net.engine_dispatched[i]!;
    const breakeven = r.sites[0]!.result.series!.breakeven[i]!;
    // Ran two of three steps at 100 MW: 2/3 of the interval's energy at its settlement price.
    expect(net).toBeCloseTo((breakeven - tl.rt[i]!) * 100 * 0.25 * (2 / 3), 6);
  });
});

/** A random timeline of two days: 15-minute prices with spikes, three LMPs per interval, hourly DA prices. */
const timelineArb = fc
  .record({
    prices: fc.array(fc.oneof(fc.integer({ min: -20, max: 100 }), fc.integer({ min: 100, max: 4000 })), { minLength: 192, maxLength: 192 }),
    wiggle: fc.array(fc.integer({ min: -60, max: 60 }), { minLength: 576, maxLength: 576 }),
    da: fc.array(fc.integer({ min: 10, max: 300 }), { minLength: 48, maxLength: 48 }),
  })
  .map(({ prices, wiggle, da }) => {
    const rt: PricePoint[] = prices.map((p, i) => ({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT',
      intervalStartMs: START + i * Q,
      intervalMinutes: 15,
      priceUsdPerMwh: p,
    }));
    const rt5: ScedLmpPoint[] = wiggle.map((w, j) => ({
      scedMs: START + j * FIVE + 14_000,
      settlementPoint: 'HB_HUBAVG',
      lmp: prices[Math.floor(j / 3)]! + w,
    }));
    const dam: PricePoint[] = da.map((p, h) => ({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'DA',
      intervalStartMs: START + h * 3_600_000,
      intervalMinutes: 60,
      priceUsdPerMwh: p,
    }));
    const hashprice = new HashpriceSeries([
      { date: '2024-06-30', usdPerPhDay: 52 },
      { date: '2024-07-01', usdPerPhDay: 54 },
    ]);
    return { rt, da: dam, rt5, hashprice } satisfies BacktestMarketData;
  });

/** DAM results for an operating day post at 13:30 CDT the day before (18:30 UTC). */
const damPostedMs = (intervalStartMs: number) => START + Math.floor((intervalStartMs - START) / DAY) * DAY - 10.5 * 3_600_000;
const POISON = 4999;

describe('information timing (property)', () => {
  it('no decision changes when every price not yet known at its instant is replaced by another', () => {
    fc.assert(
      fc.property(
        timelineArb,
        fc.integer({ min: 1, max: 191 }),
        fc.constantFrom(0, 5, 15, 20),
        fc.constantFrom(1, 2),
        fc.boolean(),
        (data, d, priceLagMinutes, reactionLagSced, spike) => {
          const forecaster = spike ? spikePersistenceForecaster() : lastPriceForecaster;
          const at = START + d * Q;
          const lmpLagMinutes = 1;
          const poisoned: BacktestMarketData = {
            ...data,
            rt: data.rt.map((p) => (p.intervalStartMs + Q + priceLagMinutes * 60_000 > at ? { ...p, priceUsdPerMwh: POISON } : p)),
            da: data.da.map((p) => (damPostedMs(p.intervalStartMs) > at ? { ...p, priceUsdPerMwh: POISON } : p)),
            rt5: data.rt5!.map((p) => (p.scedMs + lmpLagMinutes * 60_000 > at ? { ...p, lmp: POISON } : p)),
          };
          const policies = ['engine', 'engine_hourly', 'engine_price_responsive'] as const;
          const go = (x: BacktestMarketData) =>
            runBacktest({
              sites: [site()],
              data: x,
              fromMs: START,
              toMs: START + 2 * DAY,
              forecaster,
              record: true,
              policies,
              timing: { priceLagMinutes, lmpLagMinutes },
              reactionLagSced,
            }).sites[0]!.result.series!;
          const a = go(data);
          const b = go(poisoned);
          // Scheduled decisions of intervals 0..d are made by instant `at`.
          expect([...b.mw.engine.slice(0, d + 1)]).toEqual([...a.mw.engine.slice(0, d + 1)]);
          expect([...b.mw.engine_hourly.slice(0, d + 1)]).toEqual([...a.mw.engine_hourly.slice(0, d + 1)]);
          // Steps of the site agent up to and including the one starting at `at`.
          expect([...b.stepMw.engine_price_responsive!.slice(0, 3 * d + 1)]).toEqual([
            ...a.stepMw.engine_price_responsive!.slice(0, 3 * d + 1),
          ]);
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it('the poisoning is strong enough to change decisions when the lag is ignored', () => {
    // The same check at a lag of 0 against poison placed with a lag of 15 minutes must fail somewhere:
    // the engine then reads the price of t − 1, which the poison replaced.
    const data = syntheticMarket(2);
    const at = START + (19 * 4 + 2) * Q; // inside the first evening spike
    const poisoned = { ...data, rt: data.rt.map((p) => (p.intervalStartMs + Q + 15 * 60_000 > at ? { ...p, priceUsdPerMwh: 10 } : p)) };
    const go = (x: BacktestMarketData) =>
      runBacktest({
        sites: [site()],
        data: x,
        fromMs: START,
        toMs: START + 2 * DAY,
        forecaster: lastPriceForecaster,
        record: true,
        policies: ['engine'],
        timing: { priceLagMinutes: 0 },
      }).sites[0]!.result.series!.mw.engine;
    const d = (at - START) / Q;
    expect([...go(poisoned).slice(0, d + 1)]).not.toEqual([...go(data).slice(0, d + 1)]);
  });
});
