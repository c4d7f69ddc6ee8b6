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

  it('executing the hourly bids captures at least 99% of the perfect-foresight gain (S21)', () => {
    expect(s21.sites[0]!.captureRatio.engine_bid).toBeGreaterThanOrEqual(0.99);
  });

  it('no policy beats perfect foresight, and always-on runs every load-interval', () => {
    for (const summary of [s21, s19, twoFleet]) {
      const site = summary.sites[0]!;
      const pf = site.policies.perfect_foresight!.netMarginUsd;
      for (const p of ['always_on', 'engine', 'engine_bid', 'engine_hourly'] as const) expect(site.policies[p]!.netMarginUsd).toBeLessThanOrEqual(pf + 1e-6);
      expect(site.policies.always_on!.runIntervals).toBe(site.intervals * (summary === twoFleet ? 2 : 1));
    }
  });

  it('on the two-fleet site, restart costs are their own P&L line and count every restart', () => {
    const site = twoFleet.sites[0]!;
    for (const p of ['perfect_foresight', 'engine', 'engine_bid', 'engine_hourly'] as const) {
      const t = site.policies[p]!;
      expect(t.restarts).toBeGreaterThan(0);
      expect(t.restartCostUsd).toBeGreaterThan(0);
      expect(t.netMarginUsd).toBeCloseTo(t.miningRevenueUsd - t.energyCostUsd - t.restartCostUsd!, 0);
    }
  });
});

describe.skipIf(!hasRealData)('physics on the two-fleet site', () => {
  it('no policy stops a fleet before its minimum run time or restarts it before its minimum off time', () => {
    const sites = example('backtest-two-fleet.json');
    const r = runBacktest({ sites, data: realData(), fromMs: JUL_2024, toMs: Y2025, forecaster: spikePersistenceForecaster(), record: true });
    const { series, loadIds } = r.sites[0]!.result;
    const n = r.timeline.n;
    const minimum = { s21: { run: 4, off: 2 }, s19xp: { run: 8, off: 4 } } as Record<string, { run: number; off: number }>;
    for (const p of ['perfect_foresight', 'engine', 'engine_bid', 'engine_hourly'] as const) {
      loadIds.forEach((id, l) => {
        // Lengths of the runs of consecutive on / off intervals, the first and last left out (cut by the window).
        const spans: { on: boolean; length: number }[] = [];
        for (let i = 0; i < n; i++) {
          const on = series!.mw[p][l * n + i]! > 0;
          if (spans.length && spans[spans.length - 1]!.on === on) spans[spans.length - 1]!.length++;
          else spans.push({ on, length: 1 });
        }
        for (const span of spans.slice(1, -1)) {
          expect(span.length, `${p} ${id} ${span.on ? 'ran' : 'stopped'} for ${span.length} intervals`).toBeGreaterThanOrEqual(span.on ? minimum[id]!.run : minimum[id]!.off);
        }
      });
    }
  });
});

describe.skipIf(!hasRealData)('the fitted forecaster, out of sample (July–December 2024)', () => {
  it('beats the last-price baseline for the S21 fleet', () => {
    const sites = example('backtest-single-s21.json');
    const capture = (forecaster: typeof lastPriceForecaster) =>
      summarize(runBacktest({ sites, data: realData(), fromMs: JUL_2024, toMs: Y2025, forecaster, policies: ['always_on', 'perfect_foresight', 'engine'] })).sites[0]!
        .captureRatio.engine!;
    const fitted = capture(spikePersistenceForecaster());
    const baseline = capture(lastPriceForecaster);
    // Deterministic figures (bench/forecast-report.ts): fitted 0.8491, last price 0.8435. The margin
    // asserted is most of that +0.56 points; ≈ 11.5 points of the gap to 1 are spike onsets that no
    // causal feature here predicts (see SPIKE_PERSISTENCE_2024H1), so 0.90 is out of reach.
    expect(baseline).toBeGreaterThan(0.83);
    expect(fitted).toBeGreaterThan(0.845);
    expect(fitted - baseline).toBeGreaterThan(0.004);
  });
});

describe.skipIf(!hasRealData)('4CP on ERCOT 2024', () => {
  it('settles the four June–September peaks, and every policy but always-on curtails through all of them', () => {
    const s = summarize(runBacktest({ sites: example('backtest-rockdale-4cp.json'), data: realData(), fromMs: Y2024, toMs: Y2025, forecaster: spikePersistenceForecaster() })).sites[0]!;
    expect(s.fourCp!.peaks.map((p) => p.hourStart)).toEqual(['2024-06-30T22:00:00.000Z', '2024-07-01T22:00:00.000Z', '2024-08-20T22:00:00.000Z', '2024-09-19T21:00:00.000Z']);
    // 100 MW in all four peak hours: 60 $/kW-year × 100,000 kW × 4 / 4 peaks.
    expect(s.policies.always_on!.fourCpChargeUsd).toBeCloseTo(6_000_000, 2);
    for (const p of ['perfect_foresight', 'engine', 'engine_bid', 'engine_hourly'] as const) expect(s.policies[p]!.fourCpChargeUsd).toBe(0);
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
