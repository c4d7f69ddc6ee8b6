import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktest, summarize, type Summary } from '#app/backtest/index.ts';
import { intervalCsv } from '#app/backtest/report-csv.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { FILES, hasRealData, JUL_2024, realData, Y2024, Y2025 } from './real-data.ts';

const example = (name: string): Site[] => readSitesFile(new URL(`../../../examples/${name}`, import.meta.url).pathname).sites;

/**
 * The economics of DESIGN §2 written out with plain loops over the raw files — no project code:
 * CPT → UTC by the 2024 DST dates, hashprice from the network CSV, the day − 1 rule.
 */
function handComputed(efficiencyJPerTh: number, poolFeePct: number, mw: number): { alwaysOn: number; perfect: number } {
  const net = readFileSync(FILES.btc, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  const hashByDay = new Map<string, number>();
  for (let i = 0; i < net.length; i++) {
    let sum = 0;
    let n = 0;
    for (let j = Math.max(0, i - 6); j <= i; j++) {
      sum += Number(net[j]![2]);
      n++;
    }
    const [date, price, , fees, issuance] = net[i]!;
    hashByDay.set(date!, ((Number(issuance) + Number(fees)) * Number(price)) / (sum / n / 1000));
  }
  let alwaysOn = 0;
  let perfect = 0;
  for (const line of readFileSync(FILES.rtm, 'utf8').trim().split('\n').slice(1)) {
    const [date, hour, interval, , , price, dst] = line.split(',');
    const [mm, dd, yyyy] = date!.split('/').map(Number);
    const local = Date.UTC(yyyy!, mm! - 1, dd!) + (Number(hour) - 1) * 3_600_000 + (Number(interval) - 1) * 900_000;
    const daylight = dst === 'N' && local >= Date.UTC(2024, 2, 10, 2) && local < Date.UTC(2024, 10, 3, 2);
    const utc = local + (daylight ? 5 : 6) * 3_600_000;
    const previousDay = new Date(utc - 86_400_000).toISOString().slice(0, 10);
    const breakeven = (hashByDay.get(previousDay)! * (1 - poolFeePct / 100)) / (0.024 * efficiencyJPerTh);
    const margin = (breakeven - Number(price)) * mw * 0.25;
    alwaysOn += margin;
    if (margin > 0) perfect += margin;
  }
  return { alwaysOn, perfect };
}

describe.skipIf(!hasRealData)('backtest on ERCOT HB_HUBAVG 2024', () => {
  let s21: Summary;
  let s19: Summary;
  let twoFleet: Summary;

  beforeAll(() => {
    const data = realData();
    const run = (sites: Site[]) => summarize(runBacktest({ sites, data, fromMs: Y2024, toMs: Y2025, forecaster: spikePersistenceForecaster() }));
    s21 = run(example('backtest-single-s21.json'));
    s19 = run(example('backtest-single-s19xp.json'));
    twoFleet = run(example('backtest-two-fleet.json'));
  });

  it.each([
    ['S21, 17.5 J/TH', () => s21, 17.5],
    ['S19 XP, 21.5 J/TH', () => s19, 21.5],
  ] as const)('%s: always_on and perfect_foresight agree with a hand computation within 0.1%%', (_, summary, efficiency) => {
    const hand = handComputed(efficiency, 2, 100);
    const site = summary().sites[0]!;
    expect(site.intervals).toBe(35_136);
    expect(Math.abs(site.policies.always_on!.netMarginUsd / hand.alwaysOn - 1)).toBeLessThan(0.001);
    expect(Math.abs(site.policies.perfect_foresight!.netMarginUsd / hand.perfect - 1)).toBeLessThan(0.001);
  });

  it('dispatched on the engine’s thresholds against the settlement price captures at least 99% of the gain (S21), labelled an upper bound', () => {
    expect(s21.sites[0]!.captureRatio.engine_dispatched).toBeGreaterThanOrEqual(0.99);
    expect(s21.sites[0]!.policies.engine_dispatched!.upperBound).toBe(true);
    expect(s21.sites[0]!.policies.engine_price_responsive!.upperBound).toBe(true);
  });

  it('a site reacting one SCED interval late keeps less than dispatch, and more than the scheduled engine', () => {
    const c = s21.sites[0]!.captureRatio;
    expect(c.engine_price_responsive!).toBeLessThan(c.engine_dispatched!);
    expect(c.engine_price_responsive!).toBeGreaterThan(c.engine!);
  });

  it('no policy beats perfect foresight, and always-on runs every load-interval', () => {
    for (const summary of [s21, s19, twoFleet]) {
      const site = summary.sites[0]!;
      const pf = site.policies.perfect_foresight!.netMarginUsd;
      for (const p of ['always_on', 'engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched'] as const) {
        expect(site.policies[p]!.netMarginUsd).toBeLessThanOrEqual(pf + 1e-6);
      }
      expect(site.policies.always_on!.runIntervals).toBe(site.intervals * (summary === twoFleet ? 2 : 1));
    }
  });

  it('on the two-fleet site, restart costs are their own P&L line and count every restart', () => {
    const site = twoFleet.sites[0]!;
    for (const p of ['perfect_foresight', 'engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched'] as const) {
      const t = site.policies[p]!;
      expect(t.restarts).toBeGreaterThan(0);
      expect(t.restartCostUsd).toBeGreaterThan(0);
      expect(t.netMarginUsd).toBeCloseTo(t.miningRevenueUsd - t.energyCostUsd - t.restartCostUsd!, 0);
    }
  });
});

describe.skipIf(!hasRealData)('physics on the two-fleet site', () => {
  /** Lengths of the runs of consecutive on / off entries, the first and last left out (cut by the window). */
  const spans = (mw: ArrayLike<number>, from: number, count: number) => {
    const out: { on: boolean; length: number }[] = [];
    for (let i = from; i < from + count; i++) {
      const on = mw[i]! > 0;
      if (out.length && out[out.length - 1]!.on === on) out[out.length - 1]!.length++;
      else out.push({ on, length: 1 });
    }
    return out.slice(1, -1);
  };

  it('no policy stops a fleet before its minimum run time or restarts it before its minimum off time', () => {
    const sites = example('backtest-two-fleet.json');
    const r = runBacktest({ sites, data: realData(), fromMs: JUL_2024, toMs: Y2025, forecaster: spikePersistenceForecaster(), record: true });
    const { series, loadIds } = r.sites[0]!.result;
    const n = r.timeline.n;
    const S = r.timeline.stepsPerInterval;
    const minutes = { s21: { run: 60, off: 30 }, s19xp: { run: 120, off: 60 } } as Record<string, { run: number; off: number }>;
    for (const p of ['perfect_foresight', 'engine', 'engine_hourly'] as const) {
      loadIds.forEach((id, l) => {
        for (const span of spans(series!.mw[p], l * n, n)) {
          expect(span.length, `${p} ${id} ${span.on ? 'ran' : 'stopped'} for ${span.length} intervals`).toBeGreaterThanOrEqual((span.on ? minutes[id]!.run : minutes[id]!.off) / 15);
        }
      });
    }
    // The executed policies switch in 5-minute steps.
    for (const p of ['engine_price_responsive', 'engine_dispatched'] as const) {
      loadIds.forEach((id, l) => {
        const found = spans(series!.stepMw[p]!, l * n * S, n * S);
        expect(found.length).toBeGreaterThan(10);
        for (const span of found) {
          expect(span.length, `${p} ${id} ${span.on ? 'ran' : 'stopped'} for ${span.length} steps`).toBeGreaterThanOrEqual((span.on ? minutes[id]!.run : minutes[id]!.off) / 5);
        }
      });
    }
  });
});

describe.skipIf(!hasRealData)('the fitted forecaster, out of sample (July–December 2024)', () => {
  it('beats the last-price baseline for the S21 fleet', () => {
    const sites = example('backtest-single-s21.json');
    const capture = (forecaster: typeof lastPriceForecaster, priceLagMinutes: number) =>
      summarize(
        runBacktest({ sites, data: realData(), fromMs: JUL_2024, toMs: Y2025, forecaster, policies: ['always_on', 'perfect_foresight', 'engine'], timing: { priceLagMinutes } }),
      ).sites[0]!.captureRatio.engine!;
    // Fitted with the price of t − 1 known at the start of t (a price lag of 0). Deterministic figures
    // (bench/forecast-report.ts): fitted 0.8491, last price 0.8435. The margin asserted is most of that
    // +0.56 points; ≈ 11.5 points of the gap to 1 are spike onsets that no causal feature here predicts
    // (see SPIKE_PERSISTENCE_2024H1), so 0.90 is out of reach.
    const fitted = capture(spikePersistenceForecaster(), 0);
    const baseline = capture(lastPriceForecaster, 0);
    expect(baseline).toBeGreaterThan(0.83);
    expect(fitted).toBeGreaterThan(0.845);
    expect(fitted - baseline).toBeGreaterThan(0.004);
    // With the default publication lag (5 minutes: the newest known price is that of t − 2) both
    // lose about 5 to 6 points: fitted 0.8000, last price 0.7804.
    const fittedLate = capture(spikePersistenceForecaster(), 5);
    const baselineLate = capture(lastPriceForecaster, 5);
    expect(fittedLate).toBeLessThan(fitted - 0.03);
    expect(baselineLate).toBeLessThan(baseline - 0.03);
    expect(fittedLate).toBeGreaterThan(baselineLate);
  });
});

describe.skipIf(!hasRealData)('4CP on ERCOT 2024', () => {
  it('settles the four June–September peaks, and every policy but always-on curtails through all of them', () => {
    const s = summarize(runBacktest({ sites: example('backtest-rockdale-4cp.json'), data: realData(), fromMs: Y2024, toMs: Y2025, forecaster: spikePersistenceForecaster() })).sites[0]!;
    expect(s.fourCp!.peaks.map((p) => p.hourStart)).toEqual(['2024-06-30T22:00:00.000Z', '2024-07-01T22:00:00.000Z', '2024-08-20T22:00:00.000Z', '2024-09-19T21:00:00.000Z']);
    // 100 MW in all four peak hours: 60 $/kW-year × 100,000 kW × 4 / 4 peaks.
    expect(s.policies.always_on!.fourCpChargeUsd).toBeCloseTo(6_000_000, 2);
    for (const p of ['perfect_foresight', 'engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched'] as const) {
      expect(s.policies[p]!.fourCpChargeUsd).toBe(0);
    }
    expect(s.ai).toMatchObject({ servedMwh: 15 * 8784, revenueUsd: 15 * 8784 * 180 });
  });
});

describe.skipIf(!hasRealData)('determinism', () => {
  it('two runs of the same inputs give identical summaries and per-interval CSV', () => {
    const sites = example('backtest-two-fleet.json');
    const once = () => {
      const r = runBacktest({ sites, data: realData(), fromMs: JUL_2024, toMs: Y2025, forecaster: spikePersistenceForecaster(), record: true });
      return { summary: JSON.stringify(summarize(r)), csv: [...intervalCsv(r)].join('') };
    };
    const a = once();
    const b = once();
    expect(b.summary).toBe(a.summary);
    expect(b.csv === a.csv).toBe(true);
  });
});
