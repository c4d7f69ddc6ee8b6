/**
 * The Fuel Mix Report workbooks of 2023 and 2024 exactly as ERCOT publishes them, read from
 * ../shared/data (never copied into the project); skipped, with a message, where that folder is absent.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cptDateOf } from '#adapters/feeds/cpt.ts';
import { type FuelMixParseResult, readErcotFuelMixWorkbook } from '#adapters/feeds/ercot-fuel-mix.ts';
import { ERCOT_DEFAULT_EMISSION_FACTORS, intensityByInterval, weightedMeanIntensity } from '#domain/carbon.ts';

const ERCOT_DIR = fileURLToPath(new URL('../../../../shared/data/ercot/', import.meta.url));
const file = (year: number) => `${ERCOT_DIR}fuel_mix_IntGenbyFuel${year}.xlsx`;
const HAVE = existsSync(file(2023)) && existsSync(file(2024));
if (!HAVE) console.warn(`[carbon] ${ERCOT_DIR} has no Fuel Mix Report workbooks: the tests on the real 2023/2024 files are skipped`);

/** EPA eGRID2023 (rev 2), subregion ERCT: CO2 total output emission rate. */
const EGRID2023_ERCT_LB_PER_MWH = 733.9;

const quartersPerLocalDay = (r: FuelMixParseResult, fuel: string) => {
  const m = new Map<string, number>();
  for (const p of r.points) if (p.fuel === fuel) m.set(cptDateOf(p.intervalStartMs), (m.get(cptDateOf(p.intervalStartMs)) ?? 0) + 1);
  return m;
};
const twh = (r: FuelMixParseResult) => r.points.reduce((a, p) => a + p.mwh, 0) / 1e6;

describe.skipIf(!HAVE)('ERCOT Fuel Mix Report workbooks, as published', () => {
  let y2023: FuelMixParseResult;
  let y2024: FuelMixParseResult;
  beforeAll(async () => {
    y2023 = await readErcotFuelMixWorkbook(file(2023));
    y2024 = await readErcotFuelMixWorkbook(file(2024));
  }, 120_000);

  it('2023: every quarter hour of 365 days for ten fuels, 92 and 100 on the DST days, all FINAL', () => {
    expect([y2023.rows, y2023.points.length, y2023.rejects, y2023.gaps, y2023.duplicates]).toEqual([3_650, 350_400, [], [], 0]);
    expect(y2023.sheets).toEqual(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
    const perDay = quartersPerLocalDay(y2023, 'Gas-CC');
    expect([perDay.size, perDay.get('2023-03-12'), perDay.get('2023-11-05'), perDay.get('2023-07-04')]).toEqual([365, 92, 100, 96]);
    expect(new Date(y2023.points[0]!.intervalStartMs).toISOString()).toBe('2023-01-01T06:00:00.000Z');
    expect(new Date(y2023.points.at(-1)!.intervalStartMs).toISOString()).toBe('2024-01-01T05:45:00.000Z');
    expect(new Set(y2023.points.map((p) => p.settlementType))).toEqual(new Set(['FINAL']));
    expect(twh(y2023)).toBeCloseTo(443.8, 0);
  });

  it('2024: 366 days, 92 and 100 on the DST days, November–December INITIAL and the rest FINAL', () => {
    expect([y2024.rows, y2024.points.length, y2024.rejects, y2024.gaps, y2024.duplicates]).toEqual([3_660, 351_360, [], [], 0]);
    const perDay = quartersPerLocalDay(y2024, 'Wind');
    expect([perDay.size, perDay.get('2024-03-10'), perDay.get('2024-11-03'), perDay.get('2024-02-29')]).toEqual([366, 92, 100, 96]);
    const typeOfDay = new Map(y2024.points.map((p) => [cptDateOf(p.intervalStartMs), p.settlementType]));
    const types = ['2024-10-31', '2024-11-01', '2024-12-31'].map((d) => typeOfDay.get(d));
    expect(types).toEqual(['FINAL', 'INITIAL', 'INITIAL']);
    expect(twh(y2024)).toBeCloseTo(461.6, 0);
    // WSL (storage charging) is negative; generation is not.
    expect(y2024.points.filter((p) => p.fuel === 'WSL').every((p) => p.mwh <= 0)).toBe(true);
  });

  it('2023 generation-weighted mean intensity lands within 5% of eGRID2023 ERCT (733.9 lb/MWh)', () => {
    const intervals = intensityByInterval(y2023.points, ERCOT_DEFAULT_EMISSION_FACTORS);
    const mean = weightedMeanIntensity(intervals)!;
    console.info(`[carbon] ERCOT 2023 generation-weighted mean: ${mean.toFixed(1)} lb CO2/MWh (eGRID2023 ERCT 733.9)`);
    expect(intervals).toHaveLength(35_040);
    expect(Math.abs(mean / EGRID2023_ERCT_LB_PER_MWH - 1)).toBeLessThan(0.05);
    // Per quarter hour, intensity swings with wind and solar: a wide but physical range.
    const values = intervals.map((i) => i.lbCo2PerMwh!);
    expect(Math.min(...values)).toBeGreaterThan(200);
    expect(Math.max(...values)).toBeLessThan(1_400);
  });
});
