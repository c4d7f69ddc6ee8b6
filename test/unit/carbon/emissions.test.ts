/** Emissions on every decision: the intensity used, planned tCO2 of each load, tCO2 avoided by curtailment. */
import { describe, expect, it } from 'vitest';
import { MarketReader } from '#app/market-view.ts';
import { toDecision } from '#domain/decision.ts';
import { actualEmissions, type CarbonInput } from '#domain/emissions.ts';
import { decide } from '#domain/policy.ts';
import { hashprice, input, price, site, T0 } from '../../support/fixtures.ts';
import { MemoryMarketDataRepository } from '../../support/memory-market-data.ts';

const META = { revision: 1, source: 'AUTO' as const, decidedAtMs: T0, runId: 'r1', previousRevision: null };
const carbon: CarbonInput = { lbCo2PerMwh: 1_000, kind: 'AVERAGE', source: 'ercot-fuel-mix-xlsx', intervalStartMs: T0 };
/** 1,000 lb/MWh in tonnes per MWh. */
const T_PER_MWH = 1_000 / 2_204.622_621_8;

const decision = (usd: number, c: CarbonInput | null) => {
  const i = input({ price: price(usd), hashprice: hashprice(50), carbon: c });
  return toDecision(i, decide(i), META);
};

describe('decision emissions', () => {
  it('records planned tCO2 of each load at the interval intensity when everything runs', () => {
    const d = decision(5, carbon);
    expect(Object.fromEntries(d.allocations.map((a) => [a.loadId, a.mw]))).toEqual({ s21: 100, s19: 60, tenant: 15 });
    const e = d.emissions!;
    expect([e.lbCo2PerMwh, e.kind, e.source]).toEqual([1_000, 'AVERAGE', 'ercot-fuel-mix-xlsx']);
    // 15-minute interval: 100 MW → 25 MWh.
    expect(e.loads.s21!.mwh).toBe(25);
    expect(e.loads.s21!.tCo2).toBeCloseTo(25 * T_PER_MWH, 5);
    expect(e.plannedMwh).toBe(43.75);
    expect(e.plannedTCo2).toBeCloseTo(43.75 * T_PER_MWH, 5);
    expect([e.curtailedMwh, e.avoidedTCo2]).toEqual([0, 0]);
  });

  it('counts the energy curtailment did not draw as avoided tCO2', () => {
    const e = decision(5_000, { ...carbon, kind: 'MARGINAL', lbCo2PerMwh: 1_500 }).emissions!;
    expect([e.loads.s21!.mwh, e.loads.s19!.mwh, e.loads.s21!.curtailedMwh, e.loads.s19!.curtailedMwh]).toEqual([0, 0, 25, 15]);
    expect(e.kind).toBe('MARGINAL');
    expect(e.curtailedMwh).toBe(40);
    expect(e.avoidedTCo2).toBeCloseTo((40 * 1_500) / 2_204.622_621_8, 5);
    expect(e.plannedTCo2).toBeCloseTo((3.75 * 1_500) / 2_204.622_621_8, 5);
  });

  it('leaves the record as it was when no intensity is stored', () => {
    expect('emissions' in decision(5, null)).toBe(false);
  });
});

describe('MarketReader.intensity', () => {
  const put = (repo: MemoryMarketDataRepository, kind: 'AVERAGE' | 'MARGINAL', startMs: number, lb: number, minutes = 15) =>
    repo.putIntensity([
      {
        market: 'ERCOT',
        kind,
        intervalStartMs: startMs,
        intervalMinutes: minutes,
        lbCo2PerMwh: lb,
        generationMwh: null,
        settlementType: 'FINAL',
        source: kind,
      },
    ]);

  it('uses the marginal intensity covering the interval, else the average, else none', async () => {
    const repo = new MemoryMarketDataRepository();
    await put(repo, 'AVERAGE', T0, 700);
    await put(repo, 'AVERAGE', T0 + 15 * 60_000, 710);
    await put(repo, 'MARGINAL', T0 + 10 * 60_000, 1_100, 5);
    const reader = new MarketReader(repo, false);
    expect(await reader.intensity(site(), T0)).toEqual({ lbCo2PerMwh: 700, kind: 'AVERAGE', source: 'AVERAGE', intervalStartMs: T0 });
    expect((await reader.intensity(site(), T0 + 10 * 60_000))!.lbCo2PerMwh).toBe(1_100);
    expect((await reader.intensity(site(), T0 + 15 * 60_000))!.lbCo2PerMwh).toBe(710);
    expect(await reader.intensity(site(), T0 + 30 * 60_000)).toBeNull();
    expect(await reader.intensity(site({ market: 'FIXED', fixedPriceUsdPerMwh: 40, settlementPoint: undefined }), T0)).toBeNull();
  });
});

describe('actualEmissions', () => {
  it("prices each load's actual MWh at the decision's intensity, counting only loads with telemetry", () => {
    const e = decision(5, carbon).emissions!;
    const a = actualEmissions(e, (loadId) => (loadId === 's21' ? 20 : loadId === 'tenant' ? 3.75 : null));
    // s21 planned 25 MWh, drew 20; the tenant planned and drew 3.75; s19 reported nothing.
    expect(a).toEqual({
      loadIntervals: 2,
      plannedMwh: 28.75,
      plannedTCo2: Math.round(28.75 * T_PER_MWH * 1e6) / 1e6,
      mwh: 23.75,
      tCo2: Math.round(23.75 * T_PER_MWH * 1e6) / 1e6,
    });
  });

  it('is null when no load reported', () => {
    expect(actualEmissions(decision(5, carbon).emissions!, () => null)).toBeNull();
  });
});
