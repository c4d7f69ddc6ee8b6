/**
 * Live grid intensity, for the ingest-intensity Lambda and the local runtime alike: ERCOT's fuel-mix dashboard (no key)
 * every pull, and WattTime's marginal intensity when WATTTIME_USERNAME, WATTTIME_PASSWORD and WATTTIME_REGION are set.
 * Settings, read here at the edge:
 *
 * - EMISSION_FACTORS: JSON `{ "<fuel>": lb/MWh | null }` over the defaults of domain/carbon.ts (their sources are documented
 *   there), for the workbook's fuels and the dashboard's alike, e.g. `{"Natural Gas": 900, "Gas-CC": 830}`.
 * - ERCOT_DASHBOARD_BASE_URL, WATTTIME_BASE_URL: where the feeds are (tests point them at loopback servers).
 * - INTENSITY_FORECAST_HOURS (default 2): how far ahead the latest quarter's intensity is stored as a FORECAST.
 * - INTENSITY_LOOKBACK_HOURS (default 2): how far back WattTime is asked for measured values.
 */
import * as z from 'zod';
import { ErcotFuelMixLiveFeed, liveQuarterHours } from '#adapters/feeds/ercot-fuel-mix-live.ts';
import { ERCOT } from '#adapters/feeds/ercot-rows.ts';
import type { HttpOptions } from '#adapters/feeds/http.ts';
import { WattTimeClient, type WattTimeSeries } from '#adapters/feeds/watttime.ts';
import {
  emissionFactorsSetting,
  type LiveFuelMixSource,
  type LiveIntensitySettings,
  type MarginalIntensitySource,
} from '#app/intensity.ts';
import { type EmissionFactors, ERCOT_DEFAULT_EMISSION_FACTORS, ERCOT_LIVE_DEFAULT_EMISSION_FACTORS } from '#domain/carbon.ts';
import { MINUTE_MS } from '#domain/time.ts';
import type { IntensityPoint } from '#ports/market-data.ts';
import { optionalText, parseEnv, wholeNumber } from './settings.ts';

export const IntensityEnv = z.object({
  EMISSION_FACTORS: optionalText,
  ERCOT_DASHBOARD_BASE_URL: optionalText,
  WATTTIME_USERNAME: optionalText,
  WATTTIME_PASSWORD: optionalText,
  WATTTIME_REGION: optionalText,
  WATTTIME_BASE_URL: optionalText,
  INTENSITY_FORECAST_HOURS: wholeNumber(0, 72, 2),
  INTENSITY_LOOKBACK_HOURS: wholeNumber(1, 24 * 31, 2),
});

/** Every fuel's factor, workbook and dashboard names together, with EMISSION_FACTORS laid over them. */
export function emissionFactorsFromEnv(env: NodeJS.ProcessEnv = process.env): EmissionFactors {
  const s = parseEnv(IntensityEnv.pick({ EMISSION_FACTORS: true }), env, 'carbon');
  const defaults = Object.freeze({ ...ERCOT_DEFAULT_EMISSION_FACTORS, ...ERCOT_LIVE_DEFAULT_EMISSION_FACTORS });
  return emissionFactorsSetting(s.EMISSION_FACTORS, defaults, 'EMISSION_FACTORS');
}

const QUARTER_MS = 15 * MINUTE_MS;

/** WattTime's 5-minute points as quarter-hour means (the decisions' interval); only lb/MWh series are taken. */
export function marginalQuarterHours(series: WattTimeSeries, settlementType: 'HISTORICAL' | 'FORECAST'): IntensityPoint[] {
  if (series.units !== 'lbs_co2_per_mwh') throw new Error(`WattTime ${series.signalType}: units are ${series.units}, not lbs_co2_per_mwh`);
  const acc = new Map<number, { sum: number; n: number }>();
  for (const p of series.points) {
    const start = Math.floor(p.pointTimeMs / QUARTER_MS) * QUARTER_MS;
    const a = acc.get(start) ?? { sum: 0, n: 0 };
    a.sum += p.value;
    a.n++;
    acc.set(start, a);
  }
  return [...acc]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalStartMs, a]) => ({
      market: ERCOT,
      kind: 'MARGINAL' as const,
      intervalStartMs,
      intervalMinutes: 15,
      lbCo2PerMwh: Math.round((a.sum / a.n) * 1000) / 1000,
      generationMwh: null,
      settlementType,
      source: 'watttime',
    }));
}

export interface LiveIntensityFeeds {
  fuelMix: LiveFuelMixSource;
  marginal?: MarginalIntensitySource;
  settings: LiveIntensitySettings;
}

export function liveIntensityFromEnv(env: NodeJS.ProcessEnv = process.env, http: HttpOptions = {}): LiveIntensityFeeds {
  const s = parseEnv(IntensityEnv, env, 'live intensity');
  const dashboard = new ErcotFuelMixLiveFeed({ http, ...(s.ERCOT_DASHBOARD_BASE_URL ? { baseUrl: s.ERCOT_DASHBOARD_BASE_URL } : {}) });
  const fuelMix: LiveFuelMixSource = {
    name: dashboard.name,
    quarterHours: async () => liveQuarterHours((await dashboard.fetch()).points).map((q) => ({ ...q, market: ERCOT })),
  };
  const settings = {
    factors: emissionFactorsFromEnv(env),
    forecastHours: s.INTENSITY_FORECAST_HOURS,
    lookbackHours: s.INTENSITY_LOOKBACK_HOURS,
  };
  const { WATTTIME_USERNAME: username, WATTTIME_PASSWORD: password, WATTTIME_REGION: region } = s;
  const given = [username, password, region].filter((v) => v !== undefined).length;
  if (given > 0 && given < 3) {
    throw new Error('live intensity environment: WattTime needs WATTTIME_USERNAME, WATTTIME_PASSWORD and WATTTIME_REGION together');
  }
  if (!username || !password || !region) return { fuelMix, settings };
  const wt = new WattTimeClient({ username, password }, { http, ...(s.WATTTIME_BASE_URL ? { baseUrl: s.WATTTIME_BASE_URL } : {}) });
  const marginal: MarginalIntensitySource = {
    name: 'watttime',
    async marginal({ fromMs, nowMs, toMs }) {
      const past = fromMs < nowMs ? marginalQuarterHours(await wt.historical(region, fromMs, nowMs), 'HISTORICAL') : [];
      const hours = Math.max(0, Math.min(72, Math.ceil((toMs - nowMs) / 3_600_000)));
      const ahead = marginalQuarterHours(await wt.forecast(region, { horizonHours: hours }), 'FORECAST');
      // A measured quarter is not overwritten by the forecast's value of it.
      const measured = new Set(past.map((p) => p.intervalStartMs));
      return [...past, ...ahead.filter((p) => !measured.has(p.intervalStartMs))];
    },
  };
  return { fuelMix, marginal, settings };
}
