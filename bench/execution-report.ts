/**
 * Capture ratio of every engine policy on ERCOT HB_HUBAVG 2024 (../shared/data) for the S21 and
 * two-fleet examples, under settlement-price lags of 0, 5 and 15 minutes and site-agent reaction
 * lags of 1 and 2 SCED intervals: what information timing and the execution mode are worth.
 * `npx tsx bench/execution-report.ts`
 */
import { join } from 'node:path';
import { readSitesFile } from '#adapters/sites-file.ts';
import { ENGINE_POLICIES, runBacktest, summarize } from '#app/backtest/index.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';

const DATA = join(import.meta.dirname, '../../shared/data');
const data = readBacktestFiles({
  rtm: join(DATA, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
  dam: join(DATA, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
  btc: join(DATA, 'btc/network_daily_2020_2024.csv'),
});
const from = Date.parse('2024-01-01T06:00:00Z');
const to = Date.parse('2025-01-01T06:00:00Z');
const examples = ['backtest-single-s21.json', 'backtest-two-fleet.json'];
const forecasters = { 'spike-persistence': spikePersistenceForecaster(), 'last-price': lastPriceForecaster };

process.stdout.write(`example,forecaster,price_lag_min,reaction_lag_sced,${ENGINE_POLICIES.join(',')}\n`);
for (const example of examples) {
  const sites = readSitesFile(join(import.meta.dirname, '../examples', example)).sites;
  for (const [name, forecaster] of Object.entries(forecasters)) {
    for (const priceLagMinutes of [0, 5, 15]) {
      for (const reactionLagSced of [1, 2]) {
        const s = summarize(runBacktest({ sites, data, fromMs: from, toMs: to, forecaster, timing: { priceLagMinutes }, reactionLagSced }))
          .sites[0]!;
        const cr = ENGINE_POLICIES.map((p) => s.captureRatio[p]!.toFixed(4)).join(',');
        process.stdout.write(`${example},${name},${priceLagMinutes},${reactionLagSced},${cr}\n`);
      }
    }
  }
}
