/**
 * The emissions report from stored decisions: MWh, tCO2, intensity, avoided tCO2 and the top-decile share, and, where the
 * site agent reported telemetry, actual MWh and actual tCO2 at each interval's intensity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { emissionsReport } from '#app/queries/emissions.ts';
import { toDecision } from '#domain/decision.ts';
import { ValidationError } from '#domain/errors.ts';
import { decide } from '#domain/policy.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { hashprice, input, price, site } from '../support/fixtures.ts';

const H0 = Date.parse('2024-07-15T00:00:00Z');
const Q = 15 * 60_000;
let t: TestTable;

/** 20 hours: hour h at intensity 500 + 100·h lb/MWh, prices low enough that everything runs. */
beforeAll(async () => {
  t = await freshTable();
  for (let h = 0; h < 20; h++) {
    for (let q = 0; q < 4; q++) {
      const at = H0 + h * 3_600_000 + q * Q;
      const i = input({
        intervalStartMs: at,
        price: price(5),
        hashprice: hashprice(50),
        carbon: { lbCo2PerMwh: 500 + 100 * h, kind: 'AVERAGE', source: 't', intervalStartMs: at },
      });
      const d = toDecision(i, decide(i), { revision: 1, source: 'AUTO', decidedAtMs: at, runId: 'r', previousRevision: null });
      await t.repos.decisions.putRevision(d);
      await t.repos.decisions.makeCurrent([d]);
    }
  }
});

describe('emissions report', () => {
  const deps = () => ({ sites: [site()], decisions: t.repos.decisions });

  it('sums MWh and tCO2 per hour and over the period, with the top-decile share of consumption', async () => {
    const rep = await emissionsReport(deps(), { siteId: 'rockdale', fromMs: H0, toMs: H0 + 86_400_000, granularity: 'hour' });
    expect(rep.buckets).toHaveLength(20);
    // 175 MW for an hour.
    expect(rep.buckets[0]).toEqual({
      start: '2024-07-15T00:00:00.000Z',
      mwh: 175,
      tCo2: 39.689,
      lbCo2PerMwh: 500,
      avoidedTCo2: 0,
      actual: null,
    });
    expect(rep.buckets[19]!.lbCo2PerMwh).toBe(2_400);
    expect(rep.totals.mwh).toBe(3_500);
    // Σ 175 × (500 + 100h) over h < 20 = 175 × 29,000 lb.
    expect(rep.totals.tCo2).toBeCloseTo((175 * 29_000) / 2_204.622_621_8, 2);
    expect(rep.totals.lbCo2PerMwh).toBe(1_450);
    // The two dirtiest of 20 equal hours carry a tenth of the consumption.
    expect(rep.totals.topDecileShare).toBe(0.1);
    expect(rep.totals.intervalsWithoutIntensity).toBe(0);
    // No telemetry store given: no actuals read.
    expect([rep.actualsRead, rep.totals.actual]).toEqual([false, null]);
  });

  it('one day bucket holds them all; bad input names the field', async () => {
    const rep = await emissionsReport(deps(), { siteId: 'rockdale', fromMs: H0, toMs: H0 + 86_400_000, granularity: 'day' });
    expect(rep.buckets.map((b) => [b.start, b.mwh])).toEqual([['2024-07-15T00:00:00.000Z', 3_500]]);
    const bad = await emissionsReport(deps(), { siteId: 'rockdale', fromMs: H0, toMs: H0 + 1, granularity: 'week' as 'day' }).catch(
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).issues[0]!.path).toBe('granularity');
  });

  it('has one row per decision interval with granularity=interval, and caps that range at 92 days', async () => {
    const rep = await emissionsReport(deps(), { siteId: 'rockdale', fromMs: H0, toMs: H0 + 2 * 3_600_000, granularity: 'interval' });
    expect(rep.buckets.map((b) => [b.start, b.mwh, b.lbCo2PerMwh])).toEqual([
      ['2024-07-15T00:00:00.000Z', 43.75, 500],
      ['2024-07-15T00:15:00.000Z', 43.75, 500],
      ['2024-07-15T00:30:00.000Z', 43.75, 500],
      ['2024-07-15T00:45:00.000Z', 43.75, 500],
      ['2024-07-15T01:00:00.000Z', 43.75, 600],
      ['2024-07-15T01:15:00.000Z', 43.75, 600],
      ['2024-07-15T01:30:00.000Z', 43.75, 600],
      ['2024-07-15T01:45:00.000Z', 43.75, 600],
    ]);
    const long = { siteId: 'rockdale', fromMs: H0, toMs: H0 + 93 * 86_400_000 };
    const tooLong = await emissionsReport(deps(), { ...long, granularity: 'interval' }).catch((e: unknown) => e);
    expect((tooLong as ValidationError).issues).toEqual([{ path: 'to', message: 'the range may span at most 92 days' }]);
    await expect(emissionsReport(deps(), { ...long, granularity: 'day' })).resolves.toMatchObject({ totals: { mwh: 3_500 } });
  });

  it("puts the site agent's actual MWh at each interval's intensity beside the plan of the same load-intervals", async () => {
    // s21 (planned 100 MW) drew 80 MW through hour 0 and 40 MW through hour 1; s19 and the tenant reported nothing.
    const samples = [];
    for (let k = 0; k < 8; k++) {
      const atMs = H0 + k * Q + 60_000;
      samples.push({ siteId: 'rockdale', loadId: 's21', atMs, actualMw: k < 4 ? 80 : 40 });
    }
    await t.repos.telemetry.putSamples(samples);
    const telemetryDeps = { ...deps(), telemetry: t.repos.telemetry };
    const rep = await emissionsReport(telemetryDeps, { siteId: 'rockdale', fromMs: H0, toMs: H0 + 86_400_000, granularity: 'hour' });
    expect(rep.actualsRead).toBe(true);
    // Hour 0 at 500 lb/MWh: 4 × 20 MWh actual against 4 × 25 planned.
    expect(rep.buckets[0]!.actual).toEqual({
      loadIntervals: 4,
      plannedMwh: 100,
      plannedTCo2: 22.68,
      mwh: 80,
      tCo2: Math.round(((80 * 500) / 2_204.622_621_8) * 1000) / 1000,
    });
    // Hour 1 at 600 lb/MWh: 4 × 10 MWh.
    expect(rep.buckets[1]!.actual!.tCo2).toBeCloseTo((40 * 600) / 2_204.622_621_8, 3);
    expect(rep.buckets[2]!.actual).toBeNull();
    expect(rep.totals.actual).toMatchObject({ loadIntervals: 8, plannedMwh: 200, mwh: 120 });
    expect(rep.totals.actual!.tCo2).toBeCloseTo((80 * 500 + 40 * 600) / 2_204.622_621_8, 3);
    // The planned figures are those of the whole site, unchanged by telemetry.
    expect(rep.totals.mwh).toBe(3_500);
    // A range longer than the actuals cap reads no telemetry.
    const year = await emissionsReport(telemetryDeps, { siteId: 'rockdale', fromMs: H0, toMs: H0 + 40 * 86_400_000, granularity: 'day' });
    expect([year.actualsRead, year.totals.actual]).toEqual([false, null]);
  });
});
