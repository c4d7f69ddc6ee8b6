import { describe, expect, it } from 'vitest';
import { planDayAhead } from '#app/day-ahead-plan.ts';
import { revenuePerMwh } from '#domain/economics.ts';
import { decide } from '#domain/policy.ts';
import { hashprice, price, site } from '../../support/fixtures.ts';

const Q = 15 * 60_000;
const T0 = Date.parse('2025-11-11T23:00:00Z');
const hall = { id: 'hall', kind: 'mining' as const, powerMw: 40, efficiencyJPerTh: 20, poolFeePct: 2, restartCostUsd: 2_000 };
const tydal = site({ id: 'tydal', market: 'NORDPOOL', settlementPoint: 'NO3', timezone: 'Europe/Oslo', interconnectMw: 50, loads: [hall] });
const breakeven = revenuePerMwh(50, 20, 2);

describe('the day-ahead plan', () => {
  it('rides through a short spike that would not pay for the restart, and curtails a long one', () => {
    // 96 quarter-hours below breakeven, with a 2-interval spike (10 MWh × 60 USD saved < 2,000 USD restart) and a 30-interval one.
    const usd = Array.from({ length: 96 }, (_, i) =>
      i >= 20 && i < 22 ? breakeven + 60 : i >= 40 && i < 70 ? breakeven + 60 : breakeven - 20,
    );
    const starts = usd.map((_, i) => T0 + i * Q);
    const plan = planDayAhead(tydal, starts, usd, 50, 15);
    const mw = starts.map((t) => plan.get(t)!.hall);
    expect(mw.slice(18, 24)).toEqual([40, 40, 40, 40, 40, 40]);
    expect(mw.slice(40, 70).every((x) => x === 0)).toBe(true);
    expect(mw[39]).toBe(40);
    expect(mw[70]).toBe(40);
  });

  it('sets the level of a load the economics decide, with reason DA_OPTIMUM, where the interval alone would curtail', () => {
    const input = {
      site: tydal,
      intervalStartMs: T0 + 20 * Q,
      intervalMinutes: 15,
      price: price(breakeven + 60, { source: 'DA' }),
      hashprice: hashprice(50),
      peakProbability: 0,
      gridEvents: [],
      overrides: [],
      previous: { hall: { mw: 40, sinceMs: T0 - 10 * Q } },
    };
    const alone = decide(input);
    expect(alone.allocations.find((a) => a.loadId === 'hall')!.mw).toBe(0);
    const planned = decide({ ...input, dayAheadPlan: { hall: 40 } });
    const a = planned.allocations.find((x) => x.loadId === 'hall')!;
    expect(a.mw).toBe(40);
    expect(a.reasons).toContain('DA_OPTIMUM');
    expect(a.reasons).not.toContain('ECONOMIC_CURTAIL');
    expect(planned.economics.energyCostUsd).toBeCloseTo(10 * (breakeven + 60), 6);
  });

  it('does not move a load a trader override holds', () => {
    const input = {
      site: tydal,
      intervalStartMs: T0,
      intervalMinutes: 15,
      price: price(breakeven - 20, { source: 'DA' }),
      hashprice: hashprice(50),
      peakProbability: 0,
      gridEvents: [],
      overrides: [
        {
          id: 'o1',
          siteId: 'tydal',
          loadId: 'hall',
          action: 'CURTAIL' as const,
          fromMs: T0 - Q,
          toMs: T0 + 4 * Q,
          author: 'trader',
          acknowledgeObligation: false,
          createdAtMs: T0 - Q,
          reason: 'maintenance',
        },
      ],
      previous: null,
      dayAheadPlan: { hall: 40 },
    };
    const a = decide(input).allocations.find((x) => x.loadId === 'hall')!;
    expect(a.mw).toBe(0);
    expect(a.reasons).not.toContain('DA_OPTIMUM');
  });
});
