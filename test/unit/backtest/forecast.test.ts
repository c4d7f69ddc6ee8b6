import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, peakProbability, spikePersistenceForecaster, SPIKE_PERSISTENCE_2024H1, type ForecastFeatures } from '#domain/forecast.ts';

const features = (over: Partial<ForecastFeatures> = {}): ForecastFeatures => ({
  intervalStartMs: 0,
  decisionTimeMs: 0,
  daUsdPerMwh: 40,
  recentRtUsdPerMwh: [35, 40],
  lastRtIntervalStartMs: 0,
  localHour: 10,
  month: 7,
  loadForecastMw: null,
  ...over,
});

describe('spike-persistence forecaster', () => {
  const f = spikePersistenceForecaster();
  const p = SPIKE_PERSISTENCE_2024H1;

  it('expects the last price, mean-reverting outside the evening window', () => {
    expect(f.expect(features())).toBeCloseTo(40 * (1 + p.otherPremium), 9);
  });

  it('adds the evening premium, more when the day-ahead price sits above the last price', () => {
    const even = f.expect(features({ localHour: p.eveningFromHour, daUsdPerMwh: 40 }));
    const daAbove = f.expect(features({ localHour: p.eveningFromHour, daUsdPerMwh: 80 }));
    expect(even).toBeCloseTo(40 * (1 + p.eveningPremium), 9);
    expect(daAbove).toBeCloseTo(40 * (1 + p.eveningPremium + p.eveningDaWeight * Math.log(2)), 9);
  });

  it('falls back to the day-ahead price without real-time prices, and to NaN without either', () => {
    expect(f.expect(features({ recentRtUsdPerMwh: [] }))).toBe(40);
    expect(f.expect(features({ recentRtUsdPerMwh: [], daUsdPerMwh: null }))).toBeNaN();
  });

  it('discounts a fresh spike towards the price before it, but lets a sustained one persist', () => {
    const fresh = f.expect(features({ recentRtUsdPerMwh: [30, 400] }));
    const full = 400 * (1 + p.otherPremium);
    expect(fresh).toBeCloseTo(40 + p.freshSpikeKeep * (full - 40), 9);
    expect(fresh).toBeLessThan(full);
    // Two high intervals in a row: no longer fresh, full persistence.
    expect(f.expect(features({ recentRtUsdPerMwh: [300, 400] }))).toBeCloseTo(full, 9);
    // A rise smaller than the ratio is not a spike.
    expect(f.expect(features({ recentRtUsdPerMwh: [30, 100] }))).toBeCloseTo(100 * (1 + p.otherPremium), 9);
  });

  it('passes negative and near-zero prices through', () => {
    expect(f.expect(features({ recentRtUsdPerMwh: [-12.5], localHour: 18 }))).toBe(-12.5);
  });

  it('never moves a price by more than the clipped premiums allow', () => {
    fc.assert(
      fc.property(fc.double({ min: 1.01, max: 5000, noNaN: true }), fc.double({ min: -100, max: 5000, noNaN: true }), fc.integer({ min: 0, max: 23 }), (last, da, hour) => {
        const e = f.expect(features({ recentRtUsdPerMwh: [last], daUsdPerMwh: da, localHour: hour }));
        const maxPremium = Math.max(Math.abs(p.otherPremium), p.eveningPremium + p.eveningDaWeight);
        expect(Math.abs(e / last - 1)).toBeLessThanOrEqual(maxPremium + 1e-12);
      }),
    );
  });
});

describe('coincident-peak probability', () => {
  const base = { intervalMinutes: 60, loadForecastMw: 80_000, dayForecastMaxMw: 80_000, monthPeakSoFarMw: 78_000 };

  it('is zero without a load forecast', () => {
    expect(peakProbability({ ...base, loadForecastMw: null })).toBe(0);
  });

  it('rises as the forecast approaches and passes the month’s peak so far', () => {
    const below = peakProbability({ ...base, loadForecastMw: 74_000, dayForecastMaxMw: 74_000 });
    const near = peakProbability({ ...base, loadForecastMw: 78_000, dayForecastMaxMw: 78_000 });
    const above = peakProbability({ ...base, loadForecastMw: 82_000, dayForecastMaxMw: 82_000 });
    expect(below).toBeLessThan(near);
    expect(near).toBeCloseTo(0.5, 2);
    expect(near).toBeLessThan(above);
    expect(above).toBeLessThanOrEqual(1);
  });

  it('is highest in the day’s forecast peak hour and spread over the intervals of an hour', () => {
    const shoulder = peakProbability({ ...base, loadForecastMw: 76_000 });
    expect(shoulder).toBeLessThan(peakProbability(base));
    expect(peakProbability({ ...base, intervalMinutes: 15 })).toBeCloseTo(peakProbability(base) / 4, 12);
  });

  it('is certain-ish early in a month with no actual peak yet', () => {
    expect(peakProbability({ ...base, monthPeakSoFarMw: null })).toBe(1);
  });

  it('falls with the days left in the month, the more the hotter the days seen so far', () => {
    const lastDay = peakProbability({ ...base, daysLeftInMonth: 0 });
    const mild = peakProbability({ ...base, daysLeftInMonth: 10, dailyPeaksSoFarMw: [72_000, 74_000, 73_000, 75_000] });
    const hot = peakProbability({ ...base, daysLeftInMonth: 10, dailyPeaksSoFarMw: [77_000, 79_000, 78_000, 80_000] });
    expect(mild).toBeLessThan(lastDay);
    expect(hot).toBeLessThan(mild);
  });

  it('treats every day as equally likely before three days of the month are seen', () => {
    const early = peakProbability({ ...base, monthPeakSoFarMw: null, daysLeftInMonth: 30, dailyPeaksSoFarMw: [] });
    expect(early).toBeCloseTo(1 / (30 * 0.5 + 1), 12);
  });

  it('corrects the forecast by today’s error so far', () => {
    const running = peakProbability({ ...base, recentActualOverForecast: 1.03 });
    const lagging = peakProbability({ ...base, recentActualOverForecast: 0.97 });
    expect(running).toBeGreaterThan(peakProbability(base));
    expect(lagging).toBeLessThan(peakProbability(base));
  });

  it('uses an accurate normal CDF', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});
