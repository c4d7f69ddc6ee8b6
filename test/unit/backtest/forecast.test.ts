/**
 * The price forecasters and the coincident-peak probability, as properties that hold for any fitted
 * parameters (or for the fitted set where stated), not the figures of today's fit. That the backtest
 * hands them only what is known at decision time is tested in causality.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ForecastFeatures,
  lastPriceForecaster,
  normalCdf,
  PEAK_RISK_2024H1,
  type PeakRiskFeatures,
  type PriceForecaster,
  peakProbability,
  SPIKE_PERSISTENCE_2024,
  SPIKE_PERSISTENCE_2024H1,
  type SpikePersistenceParams,
  spikePersistenceForecaster,
} from '#domain/forecast.ts';

const price = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -50, max: 150, noNaN: true }) },
  { weight: 2, arbitrary: fc.double({ min: 150, max: 5000, noNaN: true }) },
  { weight: 1, arbitrary: fc.double({ min: -1, max: 2, noNaN: true }) },
);

const features: fc.Arbitrary<ForecastFeatures> = fc.record({
  intervalStartMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
  decisionTimeMs: fc.integer({ min: 1.7e12, max: 1.8e12 }),
  daUsdPerMwh: fc.option(price, { freq: 5 }),
  recentRtUsdPerMwh: fc.array(price, { maxLength: 4 }),
  lastRtIntervalStartMs: fc.option(fc.integer({ min: 1.7e12, max: 1.8e12 })),
  localHour: fc.integer({ min: 0, max: 23 }),
  month: fc.integer({ min: 1, max: 12 }),
  loadForecastMw: fc.option(fc.double({ min: 20_000, max: 90_000, noNaN: true })),
});

/** Any parameters a refit could produce: premiums well above −100%, a ratio above 1, a kept share in [0, 1]. */
const params: fc.Arbitrary<SpikePersistenceParams> = fc
  .record({
    hours: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 23 })),
    eveningPremium: fc.double({ min: -0.4, max: 0.5, noNaN: true }),
    eveningDaWeight: fc.double({ min: 0, max: 0.5, noNaN: true }),
    otherPremium: fc.double({ min: -0.5, max: 0.5, noNaN: true }),
    freshSpikeRatio: fc.double({ min: 1.5, max: 10, noNaN: true }),
    freshSpikeFloorUsdPerMwh: fc.double({ min: 1, max: 200, noNaN: true }),
    freshSpikeKeep: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ hours: [a, b], ...rest }) => ({ eveningFromHour: Math.min(a, b), eveningToHour: Math.max(a, b), ...rest }));

const forecasters: fc.Arbitrary<PriceForecaster> = fc.oneof(
  fc.constant(lastPriceForecaster),
  fc.constant(spikePersistenceForecaster()),
  fc.constant(spikePersistenceForecaster(SPIKE_PERSISTENCE_2024H1)),
  params.map((p) => spikePersistenceForecaster(p)),
);

const deepFrozen = (f: ForecastFeatures): ForecastFeatures =>
  Object.freeze({ ...f, recentRtUsdPerMwh: Object.freeze([...f.recentRtUsdPerMwh]) });

/** The premium band of a parameter set: the lowest and highest premium any hour and day-ahead price can give. */
const band = (p: SpikePersistenceParams) => ({
  lo: Math.min(p.otherPremium, p.eveningPremium - p.eveningDaWeight),
  hi: Math.max(p.otherPremium, p.eveningPremium + p.eveningDaWeight),
});

describe('every price forecaster', () => {
  it('is a pure function of its features: the same answer twice, its input untouched', () => {
    fc.assert(
      fc.property(forecasters, features, (f, x) => {
        const frozen = deepFrozen(x);
        expect(Object.is(f.expect(frozen), f.expect(deepFrozen(x)))).toBe(true);
      }),
    );
  });

  it('does not look at the clock, the calendar month or the load forecast', () => {
    fc.assert(
      fc.property(forecasters, features, features, (f, x, other) => {
        const moved: ForecastFeatures = {
          ...x,
          intervalStartMs: other.intervalStartMs,
          decisionTimeMs: other.decisionTimeMs,
          lastRtIntervalStartMs: other.lastRtIntervalStartMs,
          month: other.month,
          loadForecastMw: other.loadForecastMw,
        };
        expect(Object.is(f.expect(moved), f.expect(x))).toBe(true);
      }),
    );
  });

  it('without a real-time price expects the day-ahead price, and without either knows nothing (NaN)', () => {
    fc.assert(
      fc.property(forecasters, features, (f, x) => {
        const none = { ...x, recentRtUsdPerMwh: [] };
        if (x.daUsdPerMwh === null) expect(f.expect(none)).toBeNaN();
        else expect(f.expect(none)).toBe(x.daUsdPerMwh);
      }),
    );
  });
});

describe('last-price forecaster', () => {
  it('expects the newest known real-time price', () => {
    fc.assert(
      fc.property(features, fc.array(price, { minLength: 1, maxLength: 4 }), (x, recent) => {
        expect(lastPriceForecaster.expect({ ...x, recentRtUsdPerMwh: recent })).toBe(recent.at(-1));
      }),
    );
  });
});

describe('spike-persistence forecaster', () => {
  const withRecent = fc.tuple(features, fc.array(price, { minLength: 1, maxLength: 4 })).map(([x, r]) => ({ ...x, recentRtUsdPerMwh: r }));

  it('reads only the last two real-time prices', () => {
    fc.assert(
      fc.property(params, withRecent, fc.array(price, { maxLength: 3 }), (p, x, older) => {
        const f = spikePersistenceForecaster(p);
        const lastTwo = x.recentRtUsdPerMwh.slice(-2);
        const longer = [...older, ...lastTwo];
        // With a single known price, prepending others would create a "price before it"; keep that case exact.
        if (lastTwo.length === 1) expect(f.expect({ ...x, recentRtUsdPerMwh: lastTwo })).toBe(f.expect(x));
        else expect(f.expect({ ...x, recentRtUsdPerMwh: longer })).toBe(f.expect(x));
      }),
    );
  });

  it('passes a last price of $1/MWh or less through unchanged', () => {
    fc.assert(
      fc.property(params, withRecent, fc.double({ min: -250, max: 1, noNaN: true }), (p, x, last) => {
        const recent = [...x.recentRtUsdPerMwh.slice(0, -1), last];
        expect(spikePersistenceForecaster(p).expect({ ...x, recentRtUsdPerMwh: recent })).toBe(last);
      }),
    );
  });

  it('stays in the premium band around the last price, or between it and the price a fresh spike jumped from', () => {
    fc.assert(
      fc.property(params, withRecent, (p, x) => {
        const recent = x.recentRtUsdPerMwh;
        const last = recent.at(-1)!;
        fc.pre(last > 1);
        const { lo, hi } = band(p);
        const ends = [last * (1 + lo), last * (1 + hi)];
        if (recent.length >= 2) ends.push(Math.max(recent.at(-2)!, p.freshSpikeFloorUsdPerMwh));
        const e = spikePersistenceForecaster(p).expect(x);
        const tol = 1e-9 * Math.abs(last);
        expect(e).toBeGreaterThanOrEqual(Math.min(...ends) - tol);
        expect(e).toBeLessThanOrEqual(Math.max(...ends) + tol);
        expect(e).toBeGreaterThan(0);
      }),
    );
  });

  it('in the evening window, never expects less when the day-ahead price (above $1) is higher; outside it, ignores it', () => {
    const da = fc.double({ min: 1.0001, max: 5000, noNaN: true });
    fc.assert(
      fc.property(params, withRecent, da, da, (p, x, a, b) => {
        const f = spikePersistenceForecaster(p);
        const low = f.expect({ ...x, daUsdPerMwh: Math.min(a, b) });
        const high = f.expect({ ...x, daUsdPerMwh: Math.max(a, b) });
        const evening = x.localHour >= p.eveningFromHour && x.localHour <= p.eveningToHour;
        if (evening) expect(high).toBeGreaterThanOrEqual(low - 1e-9 * Math.abs(low));
        else expect(high).toBe(low);
      }),
    );
  });

  it('treats a price that repeats as sustained: the same forecast as the price alone', () => {
    fc.assert(
      fc.property(params, features, price, (p, x, last) => {
        const f = spikePersistenceForecaster(p);
        expect(f.expect({ ...x, recentRtUsdPerMwh: [last, last] })).toBe(f.expect({ ...x, recentRtUsdPerMwh: [last] }));
      }),
    );
  });

  it('with the fitted parameters, expects a fresh spike lower than the same price sustained, and not below where it came from', () => {
    const p = SPIKE_PERSISTENCE_2024;
    const f = spikePersistenceForecaster();
    fc.assert(
      fc.property(
        features,
        fc.double({ min: -50, max: 300, noNaN: true }),
        fc.double({ min: 1, max: 20, noNaN: true }),
        (x, before, jump) => {
          const ref = Math.max(before, p.freshSpikeFloorUsdPerMwh);
          const last = ref * p.freshSpikeRatio * jump;
          const fresh = f.expect({ ...x, recentRtUsdPerMwh: [before, last] });
          const sustained = f.expect({ ...x, recentRtUsdPerMwh: [last, last] });
          expect(fresh).toBeLessThan(sustained);
          expect(fresh).toBeGreaterThanOrEqual(ref);
        },
      ),
    );
  });
});

describe('coincident-peak probability', () => {
  const load = fc.double({ min: 40_000, max: 90_000, noNaN: true });
  const peak: fc.Arbitrary<PeakRiskFeatures> = fc.record({
    intervalMinutes: fc.constantFrom(5, 15, 60),
    loadForecastMw: load,
    dayForecastMaxMw: fc.option(load),
    monthPeakSoFarMw: fc.option(load),
    daysLeftInMonth: fc.integer({ min: 0, max: 30 }),
    dailyPeaksSoFarMw: fc.array(load, { maxLength: 30 }),
    recentActualOverForecast: fc.option(fc.double({ min: 0.8, max: 1.2, noNaN: true })),
  });
  // The normal CDF is an approximation (|error| < 1.5e-7): monotonicity holds to that tolerance.
  const TOL = 1e-6;

  it('is a probability for the interval: between 0 and its share of the hour', () => {
    fc.assert(
      fc.property(peak, (x) => {
        const pr = peakProbability(x);
        expect(pr).toBeGreaterThanOrEqual(0);
        expect(pr).toBeLessThanOrEqual(Math.min(60, x.intervalMinutes) / 60 + TOL);
      }),
    );
  });

  it('is zero without a load forecast', () => {
    fc.assert(
      fc.property(peak, (x) => {
        expect(peakProbability({ ...x, loadForecastMw: null })).toBe(0);
      }),
    );
  });

  it('never falls as the hour’s load forecast rises', () => {
    fc.assert(
      fc.property(peak, load, load, (x, a, b) => {
        const dayMax = x.dayForecastMaxMw === null ? null : Math.max(x.dayForecastMaxMw!, a, b);
        const low = peakProbability({ ...x, dayForecastMaxMw: dayMax, loadForecastMw: Math.min(a, b) });
        const high = peakProbability({ ...x, dayForecastMaxMw: dayMax, loadForecastMw: Math.max(a, b) });
        expect(high).toBeGreaterThanOrEqual(low - TOL);
      }),
    );
  });

  it('never rises with a higher peak so far this month, nor with more days left in it', () => {
    fc.assert(
      fc.property(peak, load, load, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (x, a, b, d1, d2) => {
        expect(peakProbability({ ...x, monthPeakSoFarMw: Math.max(a, b) })).toBeLessThanOrEqual(
          peakProbability({ ...x, monthPeakSoFarMw: Math.min(a, b) }) + TOL,
        );
        expect(peakProbability({ ...x, daysLeftInMonth: Math.max(d1, d2) })).toBeLessThanOrEqual(
          peakProbability({ ...x, daysLeftInMonth: Math.min(d1, d2) }) + TOL,
        );
      }),
    );
  });

  it('is an even chance when the forecast peak hour is forecast exactly at the month’s peak so far, on its last day', () => {
    fc.assert(
      fc.property(load, (mw) => {
        const pr = peakProbability({
          intervalMinutes: 60,
          loadForecastMw: mw,
          dayForecastMaxMw: mw,
          monthPeakSoFarMw: mw,
          daysLeftInMonth: 0,
        });
        expect(pr).toBeCloseTo(0.5, 6);
      }),
    );
  });

  it('is spread evenly over the intervals of an hour', () => {
    fc.assert(
      fc.property(peak, (x) => {
        expect(peakProbability({ ...x, intervalMinutes: 15 })).toBeCloseTo(peakProbability({ ...x, intervalMinutes: 60 }) / 4, 12);
      }),
    );
  });

  it('is highest in the day’s forecast peak hour', () => {
    fc.assert(
      fc.property(peak, fc.double({ min: 0.8, max: 0.99, noNaN: true }), (x, shoulder) => {
        const dayMax = x.loadForecastMw!;
        const top = peakProbability({ ...x, dayForecastMaxMw: dayMax });
        expect(peakProbability({ ...x, dayForecastMaxMw: dayMax, loadForecastMw: dayMax * shoulder })).toBeLessThanOrEqual(top + TOL);
      }),
    );
  });

  it('is certain for the forecast peak hour of the last day when the month has no actual peak yet', () => {
    fc.assert(
      fc.property(load, (mw) => {
        expect(peakProbability({ intervalMinutes: 60, loadForecastMw: mw, dayForecastMaxMw: mw, monthPeakSoFarMw: null })).toBe(1);
      }),
    );
  });

  it('treats every day left as equally likely before the month has shown enough days', () => {
    const p = PEAK_RISK_2024H1;
    fc.assert(
      fc.property(load, fc.integer({ min: 1, max: 30 }), fc.array(load, { maxLength: p.minDaysSeen - 1 }), (mw, daysLeft, seen) => {
        const pr = peakProbability({
          intervalMinutes: 60,
          loadForecastMw: mw,
          dayForecastMaxMw: mw,
          monthPeakSoFarMw: null,
          daysLeftInMonth: daysLeft,
          dailyPeaksSoFarMw: seen,
        });
        expect(pr).toBeCloseTo(1 / (daysLeft * p.dayIndependence + 1), 12);
      }),
    );
  });

  it('with hotter days so far, expects later days to beat this one more often', () => {
    fc.assert(
      fc.property(fc.array(load, { minLength: 3, maxLength: 20 }), fc.double({ min: 500, max: 5000, noNaN: true }), (days, warmer) => {
        const x = { intervalMinutes: 60, loadForecastMw: 80_000, dayForecastMaxMw: 80_000, monthPeakSoFarMw: 78_000, daysLeftInMonth: 10 };
        const mild = peakProbability({ ...x, dailyPeaksSoFarMw: days });
        const hot = peakProbability({ ...x, dailyPeaksSoFarMw: days.map((d) => d + warmer) });
        expect(hot).toBeLessThanOrEqual(mild + TOL);
      }),
    );
  });

  it('corrects the forecast by today’s error so far: running hot raises the chance, lagging lowers it', () => {
    fc.assert(
      fc.property(peak, fc.double({ min: 1.001, max: 1.1, noNaN: true }), (x, over) => {
        const neutral = peakProbability({ ...x, recentActualOverForecast: 1 });
        expect(peakProbability({ ...x, recentActualOverForecast: over })).toBeGreaterThanOrEqual(neutral - TOL);
        expect(peakProbability({ ...x, recentActualOverForecast: 1 / over })).toBeLessThanOrEqual(neutral + TOL);
      }),
    );
  });

  it('uses an accurate normal CDF: symmetric, increasing, and at the known quantiles', () => {
    fc.assert(
      fc.property(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: 0, max: 2, noNaN: true }), (z, dz) => {
        expect(normalCdf(z) + normalCdf(-z)).toBeCloseTo(1, 7);
        expect(normalCdf(z + dz)).toBeGreaterThanOrEqual(normalCdf(z) - 1e-7);
      }),
    );
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });
});
