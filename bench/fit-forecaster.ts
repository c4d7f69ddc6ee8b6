/**
 * Reproduces the fitted constants of shared/domain/forecast.ts from ERCOT 2024 data (operating days,
 * Central time). The fitting is in shared/app/forecast-fit.ts; this script reads the files and prints.
 *
 * - SPIKE_PERSISTENCE_2024: the kept terms of the forecaster (KEPT_TERMS) by the coordinate search
 *   the walk-forward uses, on all of 2024 (in sample: its held-out figures are the walk-forward's,
 *   bench/forecast-report.ts). The same fit on January–June is scored on July–December beside it.
 * - SPIKE_PERSISTENCE_2024H1 (with --full-grid, January–June): the original two-stage grid
 *   (`fullGridStages`): evening window, evening premium, DA weight and the premium outside the evening jointly, then the fresh-spike
 *   reversion with those fixed, maximising the mean engine capture of 100 MW mining fleets at 15,
 *   17.5, 19.5, 21.5 and 24 J/TH (2% pool fee) with the default 5-minute price publication lag.
 * - PEAK_RISK_2024H1.forecastRelSigma: the standard deviation of actual / forecast − 1 of hourly
 *   ERCOT system load, January–June. Its other two parameters are judgement (the 4CP months, June–September, lie
 *   almost wholly outside the fitting window) and are documented where they are defined.
 *
 * For the fits on January–June, July–December is printed as the held-out evaluation.
 * Whether a term holds on data it was not fitted on is bench/forecast-report.ts's question.
 *
 *   npx tsx bench/fit-forecaster.ts [../shared/data] [--full-grid]
 */
import { join } from 'node:path';
import { type BacktestMarketData, buildTimeline } from '#app/backtest/timeline.ts';
import { boundsOf, FIT_EFFICIENCIES, fitSpikePersistence, fullGridStages, meanCapture, miningSite } from '#app/forecast-fit.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import { HOUR_MS } from '#domain/time.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';

/** 2024-01-01 00:00 CST, 2024-07-01 00:00 CDT, 2025-01-01 00:00 CST. */
export const H1_FROM = Date.parse('2024-01-01T06:00:00Z');
export const H2_FROM = Date.parse('2024-07-01T05:00:00Z');
export const H2_TO = Date.parse('2025-01-01T06:00:00Z');

export { miningSite } from '#app/forecast-fit.ts';

export function fitPeakRisk(data: BacktestMarketData): { forecastRelSigma: number; hours: number } {
  const actual = new Map<number, number>();
  for (const p of data.loadActual ?? []) actual.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.mw);
  let n = 0;
  let sum = 0;
  let sum2 = 0;
  for (const p of data.loadForecast ?? []) {
    if (p.intervalStartMs < H1_FROM || p.intervalStartMs >= H2_FROM) continue;
    const a = actual.get(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS);
    if (a === undefined) continue;
    const e = a / p.mw - 1;
    n++;
    sum += e;
    sum2 += e * e;
  }
  const mean = sum / n;
  return { forecastRelSigma: Math.sqrt(sum2 / n - mean * mean), hours: n };
}

export function readData2024(dir = join(import.meta.dirname, '../../shared/data')): BacktestMarketData {
  return readBacktestFiles({
    rtm: join(dir, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
    dam: join(dir, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
    btc: join(dir, 'btc/network_daily_2020_2024.csv'),
    load: join(dir, 'ercot/native_load_hourly_2024.csv'),
    loadForecast: join(dir, 'ercot/load_forecast_da_hourly_2024.csv'),
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  const data = readData2024(dir);
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const sites = FIT_EFFICIENCIES.map((e) => miningSite(e));
  const h1 = buildTimeline(data, H1_FROM, H2_FROM);
  const h2 = buildTimeline(data, H2_FROM, H2_TO);
  const h1Bounds = boundsOf(h1, sites);
  const h2Bounds = boundsOf(h2, sites);
  const score = (params: Parameters<typeof spikePersistenceForecaster>[0]) => ({
    inSample: round4(meanCapture(h1, sites, h1Bounds, spikePersistenceForecaster(params))),
    heldOut: round4(meanCapture(h2, sites, h2Bounds, spikePersistenceForecaster(params))),
  });
  log('the kept terms (the walk-forward fit) on 2024-01-01..2024-12-31 …');
  const year = fitSpikePersistence(data, H1_FROM, H2_TO, { log });
  log('the kept terms on 2024-01-01..2024-06-30 …');
  const coordinate = fitSpikePersistence(data, H1_FROM, H2_FROM, { log });
  const out: Record<string, unknown> = {
    SPIKE_PERSISTENCE_2024: { params: year.params, inSample: round4(year.inSample) },
    keptTermsFittedOnH1: { params: coordinate.params, ...score(coordinate.params) },
    lastPrice: {
      inSample: round4(meanCapture(h1, sites, h1Bounds, lastPriceForecaster)),
      heldOut: round4(meanCapture(h2, sites, h2Bounds, lastPriceForecaster)),
    },
  };
  if (args.includes('--full-grid')) {
    log('full two-stage grid on 2024-01-01..2024-06-30 …');
    const full = fitSpikePersistence(data, H1_FROM, H2_FROM, { stages: fullGridStages(), log });
    out.SPIKE_PERSISTENCE_2024H1 = { params: full.params, ...score(full.params), stage1Only: score(full.afterStage[0]!) };
  }
  const peak = fitPeakRisk(data);
  out.PEAK_RISK_2024H1 = {
    forecastRelSigma: round4(peak.forecastRelSigma),
    hours: peak.hours,
    '(judgement, not fitted)': 'minDaysSeen, dayIndependence',
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) await main();
