/**
 * Engine and engine_hourly capture, in sample (Jan–Jun 2024) and out of sample (Jul–Dec 2024), of
 * the fitted forecaster against the last price, for the 17.5 and 21.5 J/TH fleets and the two-fleet
 * example site.   npx tsx bench/forecast-report.ts
 */
import { join } from 'node:path';
import { runBacktest, summarize } from '#app/backtest/index.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';
import { H1_FROM, H2_FROM, H2_TO, miningSite } from './fit-forecaster.ts';
const dir = join(import.meta.dirname, '../../shared/data');
const data = readBacktestFiles({ rtm: join(dir, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'), dam: join(dir, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'), btc: join(dir, 'btc/network_daily_2020_2024.csv'), loadForecast: join(dir, 'ercot/load_forecast_da_hourly_2024.csv') });
const cases = { '17.5 J/TH': [miningSite(17.5)], '21.5 J/TH': [miningSite(21.5)], 'two-fleet': readSitesFile(join(import.meta.dirname, '../examples/backtest-two-fleet.json')).sites };
for (const [name, sites] of Object.entries(cases)) for (const [half, from, to] of [['H1', H1_FROM, H2_FROM], ['H2', H2_FROM, H2_TO]] as const) {
  const row: string[] = [];
  for (const f of [spikePersistenceForecaster(), lastPriceForecaster]) {
    const c = summarize(runBacktest({ sites, data, fromMs: from, toMs: to, forecaster: f, policies: ['always_on', 'perfect_foresight', 'engine', 'engine_hourly'] })).sites[0]!.captureRatio as Record<string, number>;
    row.push(`${f.name}: engine ${c.engine!.toFixed(4)} hourly ${c.engine_hourly!.toFixed(4)}`);
  }
  console.log(name.padEnd(10), half, row.join(' | '));
}
