/** The emissions report from stored decisions: MWh, tCO2, intensity, avoided tCO2 and the top-decile share. */
import { beforeAll, describe, expect, it } from 'vitest';
import { emissionsCsv, emissionsReport } from '#app/queries/emissions.ts';
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
      await t.repos.decisions.putCurrent(d);
    }
  }
});

describe('emissions report', () => {
  const deps = () => ({ sites: [site()], decisions: t.repos.decisions });

  it('sums MWh and tCO2 per hour and over the period, with the top-decile share of consumption', async () => {
    const rep = await emissionsReport(deps(), { siteId: 'rockdale', fromMs: H0, toMs: H0 + 86_400_000, granularity: 'hour' });
    expect(rep.buckets).toHaveLength(20);
    // 175 MW for an hour.
    expect(rep.buckets[0]).toEqual({ start: '2024-07-15T00:00:00.000Z', mwh: 175, tCo2: 39.689, lbCo2PerMwh: 500, avoidedTCo2: 0 });
    expect(rep.buckets[19]!.lbCo2PerMwh).toBe(2_400);
    expect(rep.totals.mwh).toBe(3_500);
    // Σ 175 × (500 + 100h) over h < 20 = 175 × 29,000 lb.
    expect(rep.totals.tCo2).toBeCloseTo((175 * 29_000) / 2_204.622_621_8, 2);
    expect(rep.totals.lbCo2PerMwh).toBe(1_450);
    // The two dirtiest of 20 equal hours carry a tenth of the consumption.
    expect(rep.totals.topDecileShare).toBe(0.1);
    expect(rep.totals.intervalsWithoutIntensity).toBe(0);
    const csv = emissionsCsv(rep).split('\n');
    expect(csv[0]).toBe('bucket_start_utc,mwh,tco2,lb_co2_per_mwh,avoided_tco2');
    expect(csv[1]).toBe('2024-07-15T00:00:00.000Z,175,39.689,500,0');
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
});
