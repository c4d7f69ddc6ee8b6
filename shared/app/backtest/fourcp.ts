/**
 * Coincident peaks in the backtest: the actual system load settles them (each configured month's
 * highest hour), the day-ahead load forecast predicts them causally (domain `peakProbability`).
 *
 * The native-load archive is hourly, so a month's peak is an hour and a site's peak demand is its
 * mean draw over that hour's intervals; the charge for the year is
 * `rate × 1000 × Σ peak MW / peaksPerYear`.
 */
import { PEAK_RISK_2024H1, type PeakRiskParams, peakProbability } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS } from '#domain/time.ts';
import type { SystemLoadPoint } from '#ports/market-data.ts';
import { localCalendar, type Timeline } from './timeline.ts';

export interface FourCpPeak {
  /** Local month, YYYY-MM. */
  month: string;
  hourStartMs: number;
  systemLoadMw: number;
}

export interface FourCpSetup {
  peaks: FourCpPeak[];
  /** Charge in USD per MW drawn in each interval (non-zero only in peak-hour intervals). */
  chargePerMw: Float64Array;
  /** Hourly peak probability known at the interval's start (engine). */
  probAtStart: Float64Array;
  /** Hourly peak probability known at the start of the interval's hour (engine_hourly). */
  probAtHour: Float64Array;
  /** Hourly peak probability known one hour before the interval's hour (the bid's last update). */
  probForBid: Float64Array;
}

export function setupFourCp(
  site: Site,
  tl: Timeline,
  actual: readonly SystemLoadPoint[],
  params: PeakRiskParams = PEAK_RISK_2024H1,
): FourCpSetup {
  const cal = localCalendar(tl, site.timezone);
  const months = new Set(site.fourCp.months);
  const n = tl.n;
  const hourly = [...actual].sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  const monthKey = (ms: number) => {
    const d = new Date(ms + offsetAt(tl, cal, ms));
    return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  };

  // Settlement: the highest actual hour of each configured month that the timeline covers.
  const covered = new Set<string>();
  for (let i = 0; i < n; i++) if (months.has(cal.month[i]!)) covered.add(monthKey(tl.t[i]!));
  const best = new Map<string, FourCpPeak>();
  for (const p of hourly) {
    const key = monthKey(p.intervalStartMs);
    if (!covered.has(key)) continue;
    const cur = best.get(key);
    if (!cur || p.mw > cur.systemLoadMw) best.set(key, { month: key, hourStartMs: p.intervalStartMs, systemLoadMw: p.mw });
  }
  const peaks = [...best.values()].sort((a, b) => a.hourStartMs - b.hourStartMs);
  const chargePerMw = new Float64Array(n);
  const perHour = 60 / tl.intervalMinutes;
  const perMw = (site.fourCp.rateUsdPerKwYear * 1000) / site.fourCp.peaksPerYear / perHour;
  const peakHours = new Set(peaks.map((p) => p.hourStartMs));
  for (let i = 0; i < n; i++) if (peakHours.has(Math.floor(tl.t[i]! / HOUR_MS) * HOUR_MS)) chargePerMw[i] = perMw;

  // Prediction: the forecast of the hour against the month's actual peak so far and the day's forecast peak.
  const dayMax = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const lf = tl.loadForecast[i]!;
    if (Number.isFinite(lf)) dayMax.set(cal.day[i]!, Math.max(dayMax.get(cal.day[i]!) ?? 0, lf));
  }
  const probAtStart = new Float64Array(n);
  const probAtHour = new Float64Array(n);
  const probForBid = new Float64Array(n);
  // Running monthly maximum of actual hours that ended by a decision time.
  const ends = hourly.map((p) => p.intervalStartMs + p.intervalMinutes * 60_000);
  const peakSoFar = (decisionMs: number, month: string): number | null => {
    const lo = countAtMost(ends, decisionMs);
    let m: number | null = null;
    for (let k = lo - 1; k >= 0; k--) {
      const p = hourly[k]!;
      if (monthKey(p.intervalStartMs) !== month) break;
      if (m === null || p.mw > m) m = p.mw;
    }
    return m;
  };
  const cache = new Map<string, number | null>();
  const soFar = (decisionMs: number, month: string) => {
    const key = `${Math.floor(decisionMs / HOUR_MS)}|${month}`;
    if (!cache.has(key)) cache.set(key, peakSoFar(decisionMs, month));
    return cache.get(key)!;
  };
  // Actual daily peaks by local day, with the instant each day ends.
  const days = new Map<number, { month: string; peak: number; endMs: number }>();
  for (const p of hourly) {
    const off = offsetAt(tl, cal, p.intervalStartMs);
    const day = Math.floor((p.intervalStartMs + off) / DAY_MS);
    const d = days.get(day);
    const end = p.intervalStartMs + p.intervalMinutes * 60_000;
    if (!d) days.set(day, { month: monthKey(p.intervalStartMs), peak: p.mw, endMs: end });
    else {
      d.peak = Math.max(d.peak, p.mw);
      d.endMs = Math.max(d.endMs, end);
    }
  }
  const dayList = [...days.values()].sort((a, b) => a.endMs - b.endMs);
  const dayEnds = dayList.map((d) => d.endMs);
  const peaksCache = new Map<string, number[]>();
  /** Actual daily peaks of the month's days that ended by a decision time. */
  const peaksSoFar = (decisionMs: number, month: string): number[] => {
    const ended = countAtMost(dayEnds, decisionMs);
    const key = `${ended}|${month}`;
    let hit = peaksCache.get(key);
    if (!hit) {
      hit = [];
      for (let k = 0; k < ended; k++) if (dayList[k]!.month === month) hit.push(dayList[k]!.peak);
      peaksCache.set(key, hit);
    }
    return hit;
  };
  // Today's forecast error so far: actual / forecast of the latest hour ended within three hours.
  const forecastByHour = new Map<number, number>();
  for (let i = 0; i < n; i++)
    if (Number.isFinite(tl.loadForecast[i]!)) forecastByHour.set(Math.floor(tl.t[i]! / HOUR_MS) * HOUR_MS, tl.loadForecast[i]!);
  const errorAt = (decisionMs: number): number | null => {
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= decisionMs) lo = mid + 1;
      else hi = mid;
    }
    const last = hourly[lo - 1];
    if (!last || decisionMs - ends[lo - 1]! > 3 * HOUR_MS) return null;
    const fc = forecastByHour.get(last.intervalStartMs);
    return fc ? last.mw / fc : null;
  };
  for (let i = 0; i < n; i++) {
    if (!months.has(cal.month[i]!)) continue;
    const t = tl.t[i]!;
    const lf = tl.loadForecast[i]!;
    if (!Number.isFinite(lf)) continue;
    const month = monthKey(t);
    const hour = Math.floor(t / HOUR_MS) * HOUR_MS;
    const local = new Date(cal.day[i]! * DAY_MS);
    const daysLeftInMonth = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate() - local.getUTCDate();
    const f = { intervalMinutes: 60, loadForecastMw: lf, dayForecastMaxMw: dayMax.get(cal.day[i]!) ?? null, daysLeftInMonth };
    const at = (decisionMs: number) =>
      peakProbability(
        {
          ...f,
          monthPeakSoFarMw: soFar(decisionMs, month),
          dailyPeaksSoFarMw: peaksSoFar(decisionMs, month),
          recentActualOverForecast: errorAt(decisionMs),
        },
        params,
      );
    probAtStart[i] = at(t);
    probAtHour[i] = at(hour);
    probForBid[i] = at(hour - HOUR_MS);
  }
  return { peaks, chargePerMw, probAtStart, probAtHour, probForBid };
}

function offsetAt(tl: Timeline, cal: ReturnType<typeof localCalendar>, ms: number): number {
  // The timeline's calendar knows the local day of each interval; the offset is what maps t to it.
  let lo = 0;
  let hi = tl.n - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tl.t[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  const t = tl.t[lo]!;
  const localHour = cal.hour[lo]!;
  let diff = localHour - new Date(t).getUTCHours();
  if (diff > 12) diff -= 24;
  if (diff < -12) diff += 24;
  return diff * HOUR_MS;
}

/** How many values of an ascending array are ≤ x (binary search). */
function countAtMost(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
