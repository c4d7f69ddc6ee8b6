import { describe, expect, it } from 'vitest';
import { runBacktest, summarize } from '#app/backtest/index.ts';
import { csvHeader, intervalCsv } from '#app/backtest/report-csv.ts';
import { renderHtmlReport } from '#app/backtest/report-html.ts';
import { revenuePerMwh } from '#domain/economics.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import { START, site, syntheticMarket } from './synthetic.ts';

const DAY = 86_400_000;
const data = syntheticMarket(3);
const run = (s = site(), record = true) =>
  runBacktest({ sites: [s], data, fromMs: START, toMs: START + 3 * DAY, forecaster: spikePersistenceForecaster(), record });

describe('summary.json', () => {
  it('has the fields of DESIGN §6 for every policy and the capture ratios', () => {
    const s = summarize(run());
    expect(s.from).toBe('2024-07-01T05:00:00.000Z');
    expect(s.to).toBe('2024-07-04T05:00:00.000Z');
    const only = s.sites[0]!;
    expect(only.siteId).toBe('test-site');
    expect(only.intervals).toBe(288);
    expect(Object.keys(only)).toEqual(['siteId', 'intervals', 'execution', 'policies', 'captureRatio', 'headline']);
    expect(Object.keys(only.policies)).toEqual([
      'always_on',
      'perfect_foresight',
      'engine',
      'engine_hourly',
      'engine_price_responsive',
      'engine_dispatched',
    ]);
    for (const p of ['always_on', 'perfect_foresight', 'engine', 'engine_hourly'] as const) {
      expect(Object.keys(only.policies[p]!)).toEqual(['netMarginUsd', 'miningRevenueUsd', 'energyCostUsd', 'runIntervals']);
    }
    // No 5-minute prices were given: the executed policies are upper bounds.
    for (const p of ['engine_price_responsive', 'engine_dispatched'] as const) {
      expect(Object.keys(only.policies[p]!)).toEqual(['netMarginUsd', 'miningRevenueUsd', 'energyCostUsd', 'runIntervals', 'upperBound']);
      expect(only.policies[p]!.upperBound).toBe(true);
    }
    expect(Object.keys(only.captureRatio)).toEqual(['engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched']);
    expect(only.execution).toBe('scheduled');
    expect(only.headline).toBe('engine');
    expect(s.fiveMinutePrices).toEqual({ given: 0, filled: 288 * 3 });
    expect(s.timing).toEqual({ priceLagMinutes: 5, lmpLagMinutes: 1, reactionLagSced: 1 });
  });

  it('names the policy of the site’s own execution mode as the headline', () => {
    expect(summarize(run(site({ execution: 'price-responsive' }))).sites[0]!.headline).toBe('engine_price_responsive');
    expect(summarize(run(site({ execution: 'dispatched' }))).sites[0]!.headline).toBe('engine_dispatched');
  });

  it('settles always-on and perfect foresight at the real-time price with the hashprice of the day before', () => {
    const s = summarize(run()).sites[0]!;
    let alwaysOn = 0;
    let perfect = 0;
    for (const p of data.rt) {
      const day = new Date(p.intervalStartMs - DAY).toISOString().slice(0, 10);
      const hash = { '2024-06-30': 52, '2024-07-01': 54, '2024-07-02': 48, '2024-07-03': 51 }[day]!;
      const margin = (revenuePerMwh(hash, 17.5, 2) - p.priceUsdPerMwh) * 100 * 0.25;
      alwaysOn += margin;
      perfect += Math.max(0, margin);
    }
    expect(s.policies.always_on!.netMarginUsd).toBeCloseTo(alwaysOn, 1);
    expect(s.policies.perfect_foresight!.netMarginUsd).toBeCloseTo(perfect, 1);
    // Three evening spikes of three intervals each: perfect foresight curtails exactly those.
    expect(s.policies.perfect_foresight!.runIntervals).toBe(288 - 9);
  });

  it('adds restart costs, AI tenants and 4CP as their own lines only when configured', () => {
    const plain = summarize(run()).sites[0]!;
    expect(plain.ai).toBeUndefined();
    expect(plain.fourCp).toBeUndefined();
    const withAi = summarize(
      run(
        site({
          interconnectMw: 130,
          loads: [
            { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2, restartCostUsd: 100 },
            { id: 'tenant', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 180 },
          ],
        }),
      ),
    ).sites[0]!;
    expect(withAi.ai).toEqual({ servedMwh: 20 * 72, revenueUsd: 20 * 72 * 180, energyCostUsd: expect.any(Number) });
    expect(withAi.policies.engine!.restartCostUsd).toBe(100 * withAi.policies.engine!.restarts!);
  });
});

describe('per-interval CSV', () => {
  it('has one row per load and interval with price, breakeven, and each policy’s MW and net margin', () => {
    const text = [...intervalCsv(run())].join('');
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(csvHeader());
    expect(lines).toHaveLength(1 + 288);
    const header = lines[0]!.split(',');
    // 2024-07-02 00:00 CDT + 19 h: the first spike interval of the second evening.
    const row = lines.find((l) => l.includes('2024-07-03T00:00:00.000Z'))!.split(',');
    const col = (name: string) => row[header.indexOf(name)]!;
    expect(col('rt_price_usd_per_mwh')).toBe('900');
    expect(Number(col('breakeven_usd_per_mwh'))).toBeCloseTo(revenuePerMwh(48, 17.5, 2), 2);
    expect(col('always_on_mw')).toBe('100');
    expect(col('perfect_foresight_mw')).toBe('0');
    expect(col('engine_dispatched_mw')).toBe('0');
    expect(Number(col('always_on_net_usd'))).toBeCloseTo((revenuePerMwh(48, 17.5, 2) - 900) * 25, 1);
  });

  it('refuses a result run without per-interval detail', () => {
    expect(() => [...intervalCsv(run(site(), false))]).toThrow(/without recording/);
  });
});

describe('HTML report', () => {
  it('is one self-contained page: inline SVG charts, nothing fetched, no script', () => {
    const r = run();
    const html = renderHtmlReport(r, summarize(r));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html.match(/<svg class="chart/g)).toHaveLength(3);
    expect(html).toContain('class="curtail"');
    expect(html).toContain('<table class="monthly">');
    // Each mode explained in a sentence; the executed policies labelled upper bounds.
    expect(html).toContain('<b>engine_price_responsive</b>: price-responsive:');
    expect(html).toContain('<b>engine_dispatched</b>: dispatched:');
    expect(html.match(/<span class="upper-bound">upper bound<\/span>/g)).toHaveLength(2);
    expect(html).toContain('class="note upper-bound-note"');
  });
});
