import { describe, expect, it, vi } from 'vitest';
import { runBacktest } from '#app/backtest/index.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import * as policy from '#domain/policy.ts';
import { utcDay } from '#domain/time.ts';
import { START, site, syntheticMarket } from './synthetic.ts';

interface Call {
  t: number;
  lastRtStart: number | null;
  hashDay: string | null;
  previousMw: number | null;
  mw: number[];
}
const calls: Call[] = [];

// Wrap the live policy to observe every call; the backtest must go through it.
vi.mock('#domain/policy.ts', async (importOriginal) => {
  const live = await importOriginal<typeof import('#domain/policy.ts')>();
  return {
    ...live,
    decide: vi.fn((input: policy.DecisionInput) => {
      const out = live.decide(input);
      calls.push({
        t: input.intervalStartMs,
        lastRtStart: input.price?.lastRtIntervalStartMs ?? null,
        hashDay: input.hashprice?.day ?? null,
        previousMw: input.previous?.s21?.mw ?? null,
        mw: out.allocations.map((a) => a.mw),
      });
      return out;
    }),
  };
});

const DAY = 86_400_000;

describe('the backtest runs the live policy', () => {
  it('engine: one decide call per interval, and each settled MW is what decide returned', () => {
    calls.length = 0;
    const r = runBacktest({
      sites: [site()],
      data: syntheticMarket(),
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: spikePersistenceForecaster(),
      record: true,
      policies: ['engine'],
    });
    expect(vi.mocked(policy.decide)).toHaveBeenCalled();
    expect(calls).toHaveLength(288);
    const settled = r.sites[0]!.result.series!.mw.engine;
    calls.forEach((c, i) => expect(settled[i]).toBe(c.mw[0]));
  });

  it('engine: each decision sees only intervals that ended by its start and the hashprice of the day before', () => {
    calls.length = 0;
    runBacktest({
      sites: [site()],
      data: syntheticMarket(),
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: spikePersistenceForecaster(),
      policies: ['engine'],
    });
    for (const c of calls) {
      if (c.lastRtStart !== null) expect(c.lastRtStart + 900_000).toBeLessThanOrEqual(c.t);
      expect(c.hashDay).toBe(utcDay(c.t - DAY));
    }
    // The previous state handed to each call is the decision of the interval before.
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.previousMw).toBe(calls[i - 1]!.mw[0]);
  });

  it('engine_hourly: every interval is decided with what was known at the start of its hour', () => {
    calls.length = 0;
    runBacktest({
      sites: [site()],
      data: syntheticMarket(),
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: spikePersistenceForecaster(),
      policies: ['engine_hourly'],
    });
    expect(calls).toHaveLength(288);
    for (const c of calls) {
      const hourStart = Math.floor(c.t / 3_600_000) * 3_600_000;
      if (c.lastRtStart !== null) expect(c.lastRtStart + 900_000).toBeLessThanOrEqual(hourStart);
    }
  });

  it('the executed policies carry out the engine’s decisions: one decide call per interval for all of them', () => {
    calls.length = 0;
    const policies = ['engine', 'engine_price_responsive', 'engine_dispatched'] as const;
    runBacktest({
      sites: [site()],
      data: syntheticMarket(),
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: spikePersistenceForecaster(),
      policies,
    });
    expect(calls).toHaveLength(288);
    calls.length = 0;
    runBacktest({
      sites: [site()],
      data: syntheticMarket(),
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: spikePersistenceForecaster(),
      policies: ['engine_dispatched'],
    });
    expect(calls).toHaveLength(288);
  });

  it('engine: a settlement price is read only once published (interval end + the price lag)', () => {
    for (const priceLagMinutes of [0, 5, 15, 20]) {
      calls.length = 0;
      const timing = { priceLagMinutes };
      runBacktest({
        sites: [site()],
        data: syntheticMarket(),
        fromMs: START,
        toMs: START + DAY,
        forecaster: spikePersistenceForecaster(),
        policies: ['engine'],
        timing,
      });
      for (const c of calls) {
        if (c.lastRtStart === null) continue;
        expect(c.lastRtStart + 900_000 + priceLagMinutes * 60_000).toBeLessThanOrEqual(c.t);
        // And it is the newest one published by then.
        expect(c.lastRtStart + 2 * 900_000 + priceLagMinutes * 60_000).toBeGreaterThan(c.t);
      }
    }
  });
});
