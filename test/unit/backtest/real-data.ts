/** The real 2024 ERCOT and Bitcoin data in ../shared/data, read once per test file. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BacktestMarketData } from '#app/backtest/index.ts';
import { readBacktestFiles } from '../../../local/backtest-files.ts';

export const DATA_DIR = join(import.meta.dirname, '../../../../shared/data');

export const FILES = {
  rtm: join(DATA_DIR, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
  dam: join(DATA_DIR, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
  btc: join(DATA_DIR, 'btc/network_daily_2020_2024.csv'),
  load: join(DATA_DIR, 'ercot/native_load_hourly_2024.csv'),
  loadForecast: join(DATA_DIR, 'ercot/load_forecast_da_hourly_2024.csv'),
};

export const hasRealData = Object.values(FILES).every((f) => existsSync(f));

if (!hasRealData) {
  console.warn(`[backtest] ${DATA_DIR} is absent: the tests on real 2024 ERCOT data are skipped (CI always has it).`);
}

/** Operating days 2024-01-01, 2024-07-01 and 2025-01-01 at local (Central) midnight. */
export const Y2024 = Date.parse('2024-01-01T06:00:00Z');
export const JUL_2024 = Date.parse('2024-07-01T05:00:00Z');
export const Y2025 = Date.parse('2025-01-01T06:00:00Z');

let cached: BacktestMarketData | null = null;

export function realData(): BacktestMarketData {
  cached ??= readBacktestFiles(FILES);
  return cached;
}
