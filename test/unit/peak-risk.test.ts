import { describe, expect, it } from 'vitest';
import { type LoadHistory, livePeakProbability, peakRiskFeatures } from '#app/peak-risk.ts';
import { site } from '../support/fixtures.ts';

const H = 3_600_000;
const fourCp = site({ fourCp: { enabled: true, rateUsdPerKwYear: 60, months: [6, 7, 8, 9] } });
// 2024-07-20 21:00 UTC = 16:00 CDT.
const T = Date.parse('2024-07-20T21:00:00Z');

function history(peakSoFar: number, forecastAtT: number): LoadHistory {
  const forecast = new Map<number, number>();
  const actual = new Map<number, number>();
  // A month of actual load peaking at `peakSoFar` each afternoon; today's forecast peaks at T.
  for (let ms = Date.parse('2024-07-01T05:00:00Z'); ms < T; ms += H) {
    const hourLocal = (new Date(ms).getUTCHours() + 19) % 24;
    actual.set(ms, peakSoFar - Math.abs(hourLocal - 16) * 1500);
    forecast.set(ms, peakSoFar - Math.abs(hourLocal - 16) * 1500);
  }
  // Today so far came in as forecast (no forecast error to correct for).
  for (let ms = T - 16 * H; ms < T + 10 * H; ms += H) {
    forecast.set(ms, forecastAtT - (Math.abs(ms - T) / H) * 1500);
    if (ms < T) actual.set(ms, forecast.get(ms)!);
  }
  return { forecast, actual };
}

describe('live coincident-peak risk', () => {
  it('builds the features from stored load: forecast, day max, the month so far and today’s error', () => {
    const f = peakRiskFeatures(fourCp, T, 15, T, history(80_000, 84_000));
    expect(f.loadForecastMw).toBe(84_000);
    expect(f.dayForecastMaxMw).toBe(84_000);
    expect(f.monthPeakSoFarMw).toBe(84_000 - 1500);
    expect(f.daysLeftInMonth).toBe(11);
    expect(f.dailyPeaksSoFarMw).toHaveLength(19);
    expect(f.recentActualOverForecast).toBe(1);
  });

  it('is high when today’s forecast peak beats the month so far, and low when it falls well short', () => {
    // 80 GW afternoons so far; today is forecast at 86 GW (this morning came in as forecast).
    const likely = livePeakProbability(fourCp, T, 15, T, history(80_000, 86_000));
    const unlikely = livePeakProbability(fourCp, T, 15, T, history(80_000, 70_000));
    expect(likely).toBeGreaterThan(0.02);
    expect(unlikely).toBeLessThan(0.001);
  });

  it('is unknown (null), not zero, in a 4CP month with no load forecast stored for the hour', () => {
    expect(livePeakProbability(fourCp, T, 15, T, { forecast: new Map(), actual: new Map() })).toBeNull();
    expect(livePeakProbability(site(), T, 15, T, { forecast: new Map(), actual: new Map() })).toBe(0);
  });

  it('is zero outside the site’s 4CP months or without 4CP', () => {
    expect(livePeakProbability(fourCp, Date.parse('2024-10-20T21:00:00Z'), 15, T, history(80_000, 86_000))).toBe(0);
    expect(livePeakProbability(site(), T, 15, T, history(80_000, 86_000))).toBe(0);
  });

  it('uses only load that was known at decision time', () => {
    const h = history(80_000, 86_000);
    (h.actual as Map<number, number>).set(T, 95_000); // the hour being decided has not ended
    expect(peakRiskFeatures(fourCp, T, 15, T, h).monthPeakSoFarMw).toBe(86_000 - 1500);
  });
});
