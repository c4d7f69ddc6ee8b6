/**
 * The carbon part of `switchyard backtest`: `--shadow-carbon-prices 0,25,50,100` sweeps the engine over shadow carbon
 * prices against a grid intensity series given as `--intensity <csv>` (the `interval_start_utc,lb_co2_per_mwh` rows that
 * `switchyard intensity --format csv` prints, one per quarter hour) or `--fuel-mix <xlsx>` (ERCOT's Fuel Mix Report
 * workbook, turned into intensity with the default emission factors, as `switchyard ingest` stores it).
 */
import { readFileSync } from 'node:fs';
import { parseErcotFuelMixWorkbook } from '#adapters/feeds/ercot-fuel-mix.ts';
import { type CarbonSummary, carbonSweep, intensityOnTimeline } from '#app/backtest/carbon.ts';
import type { BacktestMarketData, BacktestResult } from '#app/backtest/index.ts';
import { averageIntensityPoints } from '#app/intensity.ts';
import type { PriceForecaster } from '#domain/forecast.ts';
import type { IntensityPoint } from '#ports/market-data.ts';
import { UsageError } from './commands/types.ts';

/** As the sites file bounds a site's own shadow price. */
export const MAX_SHADOW_PRICE_USD_PER_TONNE = 10_000;
/** Each price is one more engine pass over the window. */
export const MAX_SHADOW_PRICES = 12;

/**
 * `0,25,50,100` → ascending distinct $/tCO2. The sweep measures what each tonne avoided costs against no carbon price,
 * so 0 is added when it is not given.
 */
export function shadowPricesFlag(value: string | undefined): number[] | null {
  if (value === undefined) return null;
  const usage = `--shadow-carbon-prices must be a comma-separated list of $/tCO2 from 0 to ${MAX_SHADOW_PRICE_USD_PER_TONNE}, such as 0,25,50,100`;
  const parts = value.split(',').map((p) => p.trim());
  const prices = parts.map((p) => (/^\d+(\.\d+)?$/.test(p) ? Number(p) : Number.NaN));
  const bad = parts.find((_, i) => !(prices[i]! <= MAX_SHADOW_PRICE_USD_PER_TONNE));
  if (bad !== undefined) throw new UsageError(`${usage} (got "${bad}" in "${value}")`);
  const distinct = [...new Set([0, ...prices])].sort((a, b) => a - b);
  if (distinct.length > MAX_SHADOW_PRICES) throw new UsageError(`--shadow-carbon-prices takes at most ${MAX_SHADOW_PRICES} prices`);
  return distinct;
}

const QUARTER_MINUTES = 15;

/** `interval_start_utc,lb_co2_per_mwh` rows → quarter-hour AVERAGE points; a bad row names its line and column. */
export function parseIntensityCsv(text: string, file: string): IntensityPoint[] {
  const lines = text.split(/\r?\n/);
  const header = lines[0]?.trim();
  if (header !== 'interval_start_utc,lb_co2_per_mwh') {
    throw new UsageError(`--intensity ${file}: line 1 must be the header interval_start_utc,lb_co2_per_mwh (got "${header ?? ''}")`);
  }
  const points: IntensityPoint[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const [start, value, extra] = line.split(',');
    const at = start && /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(start) ? Date.parse(start) : Number.NaN;
    if (!Number.isFinite(at))
      throw new UsageError(`--intensity ${file}: line ${i + 1}, interval_start_utc: "${start}" is not a UTC instant`);
    const lb = value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!(lb <= 5_000) || extra !== undefined) {
      throw new UsageError(`--intensity ${file}: line ${i + 1}, lb_co2_per_mwh: "${value}" is not a number from 0 to 5000`);
    }
    points.push({
      market: 'ERCOT',
      kind: 'AVERAGE',
      intervalStartMs: at,
      intervalMinutes: QUARTER_MINUTES,
      lbCo2PerMwh: lb,
      generationMwh: null,
      settlementType: 'FILE',
      source: 'intensity-csv',
    });
  }
  return points;
}

/** The intensity series of `--intensity` or `--fuel-mix` (exactly one of them). */
export async function readIntensityFlags(flags: { intensity?: string | undefined; 'fuel-mix'?: string | undefined }): Promise<{
  source: string;
  points: IntensityPoint[];
}> {
  const { intensity, 'fuel-mix': fuelMix } = flags;
  if ((intensity === undefined) === (fuelMix === undefined)) {
    throw new UsageError('--shadow-carbon-prices needs the grid intensity: give --intensity <csv> or --fuel-mix <xlsx> (one of them)');
  }
  const path = (intensity ?? fuelMix)!;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const flag = intensity !== undefined ? 'intensity' : 'fuel-mix';
    throw new UsageError(`--${flag} ${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (intensity !== undefined) return { source: 'intensity-csv', points: parseIntensityCsv(bytes.toString('utf8'), intensity) };
  const parsed = await parseErcotFuelMixWorkbook(bytes, { skipBadRows: false });
  return { source: 'ercot-fuel-mix-xlsx', points: averageIntensityPoints(parsed.points, 'ercot-fuel-mix-xlsx') };
}

/** The sweep of every site of a backtest, over the result's own timeline. */
export function carbonSummaries(
  result: BacktestResult,
  data: Pick<BacktestMarketData, 'loadActual'>,
  intensity: { source: string; points: IntensityPoint[] },
  prices: readonly number[],
  forecaster: PriceForecaster,
): CarbonSummary[] {
  const tl = result.timeline;
  const series = intensityOnTimeline(tl, intensity.points);
  const covered = series.reduce((n, x) => n + (Number.isFinite(x) ? 1 : 0), 0);
  if (covered === 0) throw new UsageError(`the intensity series (${intensity.source}) covers none of the backtest window`);
  return result.sites.map(({ site }) => ({
    intensitySource: intensity.source,
    intervals: tl.n,
    intervalsWithIntensity: covered,
    sweep: carbonSweep(site, tl, series, prices, {
      forecaster,
      reactionLagSced: result.reactionLagSced,
      ...(data.loadActual ? { loadActual: data.loadActual } : {}),
    }),
  }));
}
