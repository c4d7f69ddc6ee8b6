/**
 * Coincident-peak risk for live decisions: the features of the domain's peak model built from
 * stored system load (the day-ahead forecast and the actual hourly load known at decision time).
 */
import { type PeakRiskFeatures, peakProbability } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, hourStart, localParts } from '#domain/time.ts';

export interface LoadHistory {
  /** Day-ahead system load forecast by UTC hour start, MW. */
  forecast: ReadonlyMap<number, number>;
  /** Actual hourly system load by UTC hour start, MW, for hours that ended by decision time. */
  actual: ReadonlyMap<number, number>;
}

/** How far back actual load is read: the longest month plus a day. */
export const ACTUAL_LOOKBACK_MS = 32 * DAY_MS;
/** How far around the interval the forecast is read: its whole local day. */
export const FORECAST_WINDOW_MS = 26 * HOUR_MS;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function peakRiskFeatures(
  site: Site,
  intervalStartMs: number,
  intervalMinutes: number,
  decisionTimeMs: number,
  h: LoadHistory,
): PeakRiskFeatures {
  const tz = site.timezone;
  const here = localParts(intervalStartMs, tz);
  const hour = hourStart(intervalStartMs);
  let dayMax: number | null = null;
  for (let ms = hour - FORECAST_WINDOW_MS; ms <= hour + FORECAST_WINDOW_MS; ms += HOUR_MS) {
    const f = h.forecast.get(ms);
    if (f !== undefined && localParts(ms, tz).date === here.date) dayMax = dayMax === null ? f : Math.max(dayMax, f);
  }
  let monthPeak: number | null = null;
  const dailyPeaks = new Map<string, number>();
  let latestEnded = -Infinity;
  let recentRatio: number | null = null;
  for (const [ms, mw] of h.actual) {
    if (ms + HOUR_MS > decisionTimeMs) continue;
    const p = localParts(ms, tz);
    if (p.year === here.year && p.month === here.month) {
      monthPeak = monthPeak === null ? mw : Math.max(monthPeak, mw);
      if (p.date < here.date) dailyPeaks.set(p.date, Math.max(dailyPeaks.get(p.date) ?? -Infinity, mw));
    }
    const f = h.forecast.get(ms);
    if (ms > latestEnded && f !== undefined && decisionTimeMs - (ms + HOUR_MS) <= 3 * HOUR_MS) {
      latestEnded = ms;
      recentRatio = mw / f;
    }
  }
  return {
    intervalMinutes,
    loadForecastMw: h.forecast.get(hour) ?? null,
    dayForecastMaxMw: dayMax,
    monthPeakSoFarMw: monthPeak,
    daysLeftInMonth: daysInMonth(here.year, here.month) - here.day,
    dailyPeaksSoFarMw: [...dailyPeaks.values()],
    recentActualOverForecast: recentRatio,
  };
}

/**
 * Probability that the interval sets its month's coincident peak; 0 outside the site's 4CP months.
 * Null when it is in one but no system load forecast is stored for the hour: the risk is unknown, not 0.
 */
export function livePeakProbability(
  site: Site,
  intervalStartMs: number,
  intervalMinutes: number,
  decisionTimeMs: number,
  h: LoadHistory,
): number | null {
  if (!site.fourCp.enabled || !site.fourCp.months.includes(localParts(intervalStartMs, site.timezone).month)) return 0;
  const features = peakRiskFeatures(site, intervalStartMs, intervalMinutes, decisionTimeMs, h);
  if (features.loadForecastMw === null) return null;
  return peakProbability(features);
}
