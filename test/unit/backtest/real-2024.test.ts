import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSitesFile } from '#adapters/sites-file.ts';
import { type BacktestMarketData, runBacktest, type Summary, summarize } from '#app/backtest/index.ts';
import { intervalCsv } from '#app/backtest/report-csv.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '#domain/time.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { FILES, hasRealData, JUL_2024, realData, Y2024, Y2025 } from './real-data.ts';

const AUG_2024 = Date.parse('2024-08-01T05:00:00Z');

const example = (name: string): Site[] => readSitesFile(new URL(`../../../examples/${name}`, import.meta.url).pathname).sites;

/**
 * The economics of DESIGN §2 written out with plain loops over the raw files — no project code:
 * CPT → UTC by the 2024 DST dates, hashprice from the network CSV, the day − 1 rule.
 */
function handComputed(efficiencyJPerTh: number, poolFeePct: number, mw: number): { alwaysOn: number; perfect: number } {
  const net = readFileSync(FILES.btc, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
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
    const run = (sites: Site[]) =>
      summarize(runBacktest({ sites, data, fromMs: Y2024, toMs: Y2025, forecaster: spikePersistenceForecaster() }));
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
    const r = runBacktest({
      sites,
      data: realData(),
      fromMs: JUL_2024,
      toMs: Y2025,
      forecaster: spikePersistenceForecaster(),
      record: true,
    });
    const { series, loadIds } = r.sites[0]!.result;
    const n = r.timeline.n;
    const S = r.timeline.stepsPerInterval;
    const minutes = { s21: { run: 60, off: 30 }, s19xp: { run: 120, off: 60 } } as Record<string, { run: number; off: number }>;
    for (const p of ['perfect_foresight', 'engine', 'engine_hourly'] as const) {
      loadIds.forEach((id, l) => {
        for (const span of spans(series!.mw[p], l * n, n)) {
          expect(span.length, `${p} ${id} ${span.on ? 'ran' : 'stopped'} for ${span.length} intervals`).toBeGreaterThanOrEqual(
            (span.on ? minutes[id]!.run : minutes[id]!.off) / 15,
          );
        }
      });
    }
    // The executed policies switch in 5-minute steps.
    for (const p of ['engine_price_responsive', 'engine_dispatched'] as const) {
      loadIds.forEach((id, l) => {
        const found = spans(series!.stepMw[p]!, l * n * S, n * S);
        expect(found.length).toBeGreaterThan(10);
        for (const span of found) {
          expect(span.length, `${p} ${id} ${span.on ? 'ran' : 'stopped'} for ${span.length} steps`).toBeGreaterThanOrEqual(
            (span.on ? minutes[id]!.run : minutes[id]!.off) / 5,
          );
        }
      });
    }
  });
});

describe.skipIf(!hasRealData)('July 2024: the engine policies never use a price before it is known', () => {
  // An evening instant in the middle of an interval. After it, every real-time price of an interval
  // not yet ended, every day-ahead price of a later hour and the hashprice of its day onwards are changed.
  const cutMs = Date.parse('2024-07-15T23:07:00Z');
  const sites = example('backtest-two-fleet.json');

  /** The same hashprice series, except the days from `fromDayMs` on (not yet published at the cut). */
  class HashpriceAfterCut extends HashpriceSeries {
    constructor(
      private readonly published: HashpriceSeries,
      private readonly fromDayMs: number,
    ) {
      super([]);
    }
    override forInterval(intervalStartMs: number) {
      const h = this.published.forInterval(intervalStartMs);
      return h && h.dayMs >= this.fromDayMs ? { ...h, usdPerPhDay: h.usdPerPhDay * 3 } : h;
    }
  }

  function poisoned(): BacktestMarketData {
    const data = realData();
    const cutHour = Math.floor(cutMs / HOUR_MS) * HOUR_MS;
    const raised = (p: PricePoint): PricePoint => ({ ...p, priceUsdPerMwh: p.priceUsdPerMwh + 1000 });
    return {
      ...data,
      rt: data.rt.map((p) => (p.intervalStartMs + p.intervalMinutes * MINUTE_MS > cutMs ? raised(p) : p)),
      da: data.da.map((p) => (p.intervalStartMs > cutHour ? raised(p) : p)),
      hashprice: new HashpriceAfterCut(data.hashprice, Math.floor(cutMs / DAY_MS) * DAY_MS),
    };
  }

  // When each policy has committed to an interval's MW: the engines at their decision instant, the
  // executed policies once the interval's own real-time price is known (a price-responsive load answers it).
  const committedBy = {
    engine: (t: number) => t,
    engine_hourly: (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS,
    engine_price_responsive: (t: number) => t + 15 * MINUTE_MS,
    engine_dispatched: (t: number) => t + 15 * MINUTE_MS,
  } as const;

  it.each([
    ['spike persistence', spikePersistenceForecaster()],
    ['last price', lastPriceForecaster],
  ] as const)('%s: the MW committed by the cut are the same, and the changed prices do change what comes after', (_, forecaster) => {
    const policies = ['engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched'] as const;
    const run = (data: BacktestMarketData) =>
      runBacktest({ sites, data, fromMs: JUL_2024, toMs: AUG_2024, forecaster, record: true, policies });
    const before = run(realData());
    const after = run(poisoned());
    const n = before.timeline.n;
    const loads = before.sites[0]!.result.loadIds.length;
    for (const p of policies) {
      const mwBefore = before.sites[0]!.result.series!.mw[p];
      const mwAfter = after.sites[0]!.result.series!.mw[p];
      let changedLater = false;
      for (let i = 0; i < n; i++) {
        const committed = committedBy[p](before.timeline.t[i]!) <= cutMs;
        for (let l = 0; l < loads; l++) {
          const same = mwAfter[l * n + i] === mwBefore[l * n + i];
          if (committed) expect(same, `${p}: load ${l} at ${new Date(before.timeline.t[i]!).toISOString()}`).toBe(true);
          else if (!same) changedLater = true;
        }
      }
      expect(changedLater, `${p} reacts to the changed prices after the cut`).toBe(true);
    }
  });
});

describe.skipIf(!hasRealData)('4CP on ERCOT 2024', () => {
  it('settles the four June–September peaks, and every policy but always-on curtails through all of them', () => {
    const s = summarize(
      runBacktest({
        sites: example('backtest-rockdale-4cp.json'),
        data: realData(),
        fromMs: Y2024,
        toMs: Y2025,
        forecaster: spikePersistenceForecaster(),
      }),
    ).sites[0]!;
    expect(s.fourCp!.peaks.map((p) => p.hourStart)).toEqual([
      '2024-06-30T22:00:00.000Z',
      '2024-07-01T22:00:00.000Z',
      '2024-08-20T22:00:00.000Z',
      '2024-09-19T21:00:00.000Z',
    ]);
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
      const r = runBacktest({
        sites,
        data: realData(),
        fromMs: JUL_2024,
        toMs: Y2025,
        forecaster: spikePersistenceForecaster(),
        record: true,
      });
      return { summary: JSON.stringify(summarize(r)), csv: [...intervalCsv(r)].join('') };
    };
    const a = once();
    const b = once();
    expect(b.summary).toBe(a.summary);
    expect(b.csv === a.csv).toBe(true);
  });
});
