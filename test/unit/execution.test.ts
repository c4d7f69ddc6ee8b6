import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { revenuePerMwh } from '#domain/economics.ts';
import {
  compileExecution,
  type ExecutionPlan,
  type ExecutionState,
  type ExecutionStep,
  efficiencyOrder,
  executeStep,
  initialExecutionState,
  newExecutionStep,
} from '#domain/execution.ts';
import { miningLoads, parseSitesFile, type Site, type SiteInput } from '#domain/sites.ts';

function site(overrides: Partial<SiteInput> = {}): Site {
  return parseSitesFile({
    sites: [
      {
        id: 'x',
        name: 'X',
        market: 'ERCOT',
        settlementPoint: 'HB_HUBAVG',
        timezone: 'America/Chicago',
        interconnectMw: 100,
        loads: [{ id: 'a', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 }],
        ...overrides,
      },
    ],
  }).sites[0]!;
}

/** Runs a price path through the rule with one threshold for every load; returns each step's MW per load. */
function run(
  plan: ExecutionPlan,
  prices: number[],
  threshold: number,
  edit?: (step: ExecutionStep, j: number) => void,
): { mw: number[][]; state: ExecutionState } {
  const state = initialExecutionState(plan);
  const step = newExecutionStep(plan);
  step.thresholdUsdPerMwh.fill(threshold);
  const mw: number[][] = [];
  prices.forEach((p, j) => {
    step.priceUsdPerMwh = p;
    edit?.(step, j);
    executeStep(plan, state, step);
    mw.push([...state.mw]);
  });
  return { mw, state };
}

describe('the sites file’s execution field', () => {
  it('defaults to scheduled and accepts the three modes', () => {
    expect(site().execution).toBe('scheduled');
    for (const execution of ['scheduled', 'price-responsive', 'dispatched'] as const) expect(site({ execution }).execution).toBe(execution);
  });

  it('refuses another value, naming the field', () => {
    expect(() => site({ execution: 'manual' as 'scheduled' })).toThrow(/execution/);
  });
});

describe('carrying out a threshold', () => {
  it('curtails above the threshold plus the band and resumes only below it less the band', () => {
    const plan = compileExecution(site({ policy: { hysteresisUsdPerMwh: 2 } }), 5);
    const { mw } = run(plan, [101, 103, 99, 97, 101, 102.5], 100);
    expect(mw.map((m) => m[0])).toEqual([100, 0, 0, 100, 100, 0]);
  });

  it('has no band when dispatched on a bid', () => {
    const plan = compileExecution(site({ policy: { hysteresisUsdPerMwh: 2 } }), 5, { hysteresis: false });
    const { mw } = run(plan, [99, 100.5, 99.9], 100);
    expect(mw.map((m) => m[0])).toEqual([100, 0, 100]);
  });

  it('keeps what it does while no price is known', () => {
    const plan = compileExecution(site(), 5);
    const { mw } = run(plan, [Number.NaN, 500, Number.NaN], 100);
    expect(mw.map((m) => m[0])).toEqual([100, 0, 0]);
  });

  it('runs the power mode worth most at the price', () => {
    const s = site({
      loads: [{ id: 'a', kind: 'mining', powerMw: 100, efficiencyJPerTh: 20, modes: [{ id: 'eco', powerMw: 60, efficiencyJPerTh: 15 }] }],
    });
    const plan = compileExecution(s, 5, { hysteresis: false });
    const h = 50;
    const full = revenuePerMwh(h, 20, 0);
    const eco = revenuePerMwh(h, 15, 0);
    // Between the two breakevens only the efficient mode pays; below the crossing full power pays more.
    const crossing = (full * 100 - eco * 60) / 40;
    const { mw } = run(plan, [(full + eco) / 2, crossing - 1, eco + 1], full, (step) => (step.hashpriceUsdPerPhDay = h));
    expect(mw.map((m) => m[0])).toEqual([60, 100, 0]);
  });

  it('holds forced states over the threshold and keeps awarded MW running on curtailable loads', () => {
    const s = site({
      interconnectMw: 200,
      loads: [
        { id: 'a', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 },
        { id: 'b', kind: 'mining', powerMw: 80, efficiencyJPerTh: 21.5 },
      ],
    });
    const plan = compileExecution(s, 5);
    const { mw } = run(plan, [900, 900, 900], 100, (step, j) => {
      step.forcedMw[1] = j === 0 ? 80 : Number.NaN;
      step.holdMw = j === 2 ? 50 : 0;
    });
    expect(mw).toEqual([
      [0, 80],
      [0, 0],
      [100, 0],
    ]);
  });

  it('shares a short interconnect most efficient first', () => {
    const s = site({
      interconnectMw: 120,
      loads: [
        { id: 'old', kind: 'mining', powerMw: 70, efficiencyJPerTh: 21.5 },
        { id: 'new', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 },
      ],
    });
    expect([...efficiencyOrder(miningLoads(s))]).toEqual([1, 0]);
    const { mw } = run(compileExecution(s, 5), [20], 100);
    expect(mw[0]).toEqual([20, 100]);
  });

  it('ramps by at most the load’s power per ramp time in each step', () => {
    const plan = compileExecution(site({ loads: [{ id: 'a', kind: 'mining', powerMw: 70, efficiencyJPerTh: 21.5, rampMinutes: 10 }] }), 5);
    const { mw } = run(plan, [900, 900, 900, 10, 10], 100);
    expect(mw.map((m) => m[0])).toEqual([35, 0, 0, 35, 70]);
  });
});

describe('physics over random price paths', () => {
  it('never stops a load before its minimum run, never restarts it before its minimum off, never exceeds the interconnect', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ run: fc.integer({ min: 0, max: 60 }), off: fc.integer({ min: 0, max: 60 }), eff: fc.integer({ min: 15, max: 25 }) }),
          {
            minLength: 1,
            maxLength: 3,
          },
        ),
        fc.integer({ min: 50, max: 250 }),
        fc.boolean(),
        fc.array(fc.oneof(fc.integer({ min: -20, max: 90 }), fc.integer({ min: 110, max: 3000 })), { minLength: 20, maxLength: 120 }),
        fc.array(fc.option(fc.integer({ min: 0, max: 100 }), { freq: 4 }), { minLength: 120, maxLength: 120 }),
        (loads, interconnectMw, hysteresis, prices, forced) => {
          const s = site({
            interconnectMw,
            loads: loads.map((l, k) => ({
              id: `m${k}`,
              kind: 'mining' as const,
              powerMw: 100,
              efficiencyJPerTh: l.eff,
              minRunMinutes: l.run,
              minOffMinutes: l.off,
            })),
          });
          const plan = compileExecution(s, 5, { hysteresis });
          const { mw } = run(plan, prices, 100, (step, j) => {
            step.forcedMw.fill(Number.NaN);
            if (forced[j] !== null) step.forcedMw[j % loads.length] = forced[j]!;
            step.holdMw = j % 7 === 0 ? 100 : 0;
          });
          for (const row of mw) expect(row.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(interconnectMw + 1e-9);
          loads.forEach((l, k) => {
            const spans: { on: boolean; length: number }[] = [];
            for (const row of mw) {
              const on = row[k]! > 0;
              if (spans.length && spans[spans.length - 1]!.on === on) spans[spans.length - 1]!.length++;
              else spans.push({ on, length: 1 });
            }
            // The first span continues the initial state (long enough to stop); the last is cut by the path.
            for (const span of spans.slice(1, -1)) {
              expect(span.length).toBeGreaterThanOrEqual(Math.max(1, Math.ceil((span.on ? l.run : l.off) / 5)));
            }
          });
        },
      ),
      { numRuns: 300, seed: 11 },
    );
  });
});
