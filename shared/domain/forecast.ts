/**
 * Price expectation for an interval from what is known at decision time. The live run and the
 * backtest both call a PriceForecaster with the same features.
 */

export interface ForecastFeatures {
  intervalStartMs: number;
  /** When the decision is made; only data of intervals that ended by then is known. */
  decisionTimeMs: number;
  /** Day-ahead price of the hour containing the interval, when the market has one. */
  daUsdPerMwh: number | null;
  /** Real-time prices of the most recent ended intervals, oldest first (may be empty). */
  recentRtUsdPerMwh: readonly number[];
  /** Start of the newest interval in `recentRtUsdPerMwh`, or null. */
  lastRtIntervalStartMs: number | null;
  /** Local wall-clock hour (0–23) and month (1–12) of the interval at the site. */
  localHour: number;
  month: number;
  /** Day-ahead system load forecast for the interval's hour (MW), when known. */
  loadForecastMw: number | null;
}

export interface PriceForecaster {
  readonly name: string;
  expect(f: ForecastFeatures): number;
}

/** The last known real-time price; the day-ahead price when none is known. */
export const lastPriceForecaster: PriceForecaster = {
  name: 'last-price',
  expect(f) {
    const n = f.recentRtUsdPerMwh.length;
    if (n > 0) return f.recentRtUsdPerMwh[n - 1]!;
    return f.daUsdPerMwh ?? Number.NaN;
  },
};
