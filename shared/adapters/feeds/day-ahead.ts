/**
 * What the European day-ahead feeds (Nord Pool, ENTSO-E) have in common: the CET/CEST delivery
 * day, one price record per market time unit in the currency the exchange published, and the
 * revision (version, preliminary or final) that decides whether a later answer replaces an earlier one.
 *
 * A delivery day runs from local midnight to local midnight in Central European time, so it has
 * 23 hours on the last Sunday of March and 25 on the last Sunday of October: 92 or 100
 * quarter-hours once the market time unit became 15 minutes (delivery day 2025-10-01).
 */
import { ValidationError } from '#domain/errors.ts';
import { DAY_MS, HOUR_MS, iso, localParts, MINUTE_MS, parseUtcDay } from '#domain/time.ts';

/** The zone whose wall clock defines a delivery day (CET/CEST; Oslo and Brussels share its rules). */
export const DELIVERY_TIME_ZONE = 'Europe/Oslo';
/** The first delivery day with a 15-minute market time unit in the Nordic and European day-ahead auction. */
export const QUARTER_HOUR_MTU_FROM = '2025-10-01';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** One market time unit of a day-ahead result. */
export interface DayAheadPrice {
  /** The bidding zone as Nord Pool names it, e.g. `NO3`. */
  area: string;
  intervalStartMs: number;
  intervalMinutes: 15 | 60;
  /** Per MWh, in `currency`; never converted here. */
  price: number;
  /** ISO 4217, e.g. `EUR`. */
  currency: string;
}

/** Which answer for a delivery day is newest: a higher version wins; at the same version Final beats Preliminary. */
export interface DayAheadRevision {
  /** Nord Pool's `version`; ENTSO-E's document `revisionNumber`. */
  version: number;
  /** `Preliminary` or `Final` as Nord Pool reports it; an ENTSO-E publication is `Final`. */
  state: string;
  /** When the provider last changed this result, if it says. */
  updatedAtMs?: number | undefined;
}

/** A whole delivery day for one area, as one provider published it. */
export interface DayAheadDay {
  area: string;
  /** The CET/CEST delivery day, YYYY-MM-DD. */
  deliveryDay: string;
  currency: string;
  intervalMinutes: 15 | 60;
  revision: DayAheadRevision;
  /** Ascending, contiguous, covering the delivery day exactly. */
  prices: DayAheadPrice[];
}

/** The result of asking a provider for a delivery day. */
export type DayAheadFetch =
  | { status: 'published'; day: DayAheadDay }
  /** The auction result is not out yet (Nord Pool's 204, ENTSO-E's "No matching data found"): ask again later. */
  | { status: 'not-published'; area: string; deliveryDay: string; detail: string };

/** A provider of day-ahead results per delivery day and area. */
export interface DayAheadSource {
  readonly name: string;
  fetchDay(deliveryDay: string, area: string): Promise<DayAheadFetch>;
}

/** The UTC window [startMs, endMs) of a CET/CEST delivery day. */
export function deliveryDayWindow(deliveryDay: string): { startMs: number; endMs: number } {
  if (!DAY.test(deliveryDay) || Number.isNaN(parseUtcDay(deliveryDay))) throw new RangeError(`not a day: ${deliveryDay}`);
  const next = new Date(parseUtcDay(deliveryDay) + DAY_MS).toISOString().slice(0, 10);
  return { startMs: localMidnight(deliveryDay), endMs: localMidnight(next) };
}

/** Local midnight is 22:00 or 23:00 UTC the evening before; whichever reads as 00:00 on the day. */
function localMidnight(day: string): number {
  const utcMidnight = parseUtcDay(day);
  for (const offsetHours of [2, 1]) {
    const t = utcMidnight - offsetHours * HOUR_MS;
    const p = localParts(t, DELIVERY_TIME_ZONE);
    if (p.date === day && p.hour === 0) return t;
  }
  throw new RangeError(`${day}: no local midnight at UTC+1 or UTC+2 in ${DELIVERY_TIME_ZONE}`);
}

/** The CET/CEST delivery day an instant falls in. */
export function deliveryDayOf(ms: number): string {
  return localParts(ms, DELIVERY_TIME_ZONE).date;
}

/** The market time unit the auction used on a delivery day. */
export function expectedIntervalMinutes(deliveryDay: string): 15 | 60 {
  return deliveryDay >= QUARTER_HOUR_MTU_FROM ? 15 : 60;
}

/** How many market time units a delivery day has: 23, 24 or 25 hours, or 92, 96 or 100 quarter-hours. */
export function intervalsInDay(deliveryDay: string, intervalMinutes: 15 | 60): number {
  const { startMs, endMs } = deliveryDayWindow(deliveryDay);
  return (endMs - startMs) / (intervalMinutes * MINUTE_MS);
}

/** > 0 when `a` should replace `b`, < 0 when `b` is newer, 0 when they are the same revision. */
export function compareRevisions(a: DayAheadRevision, b: DayAheadRevision): number {
  if (a.version !== b.version) return a.version - b.version;
  const rank = (s: string) => (s === 'Final' ? 1 : 0);
  return rank(a.state) - rank(b.state);
}

/**
 * Checks that `prices` (ascending) cover the delivery day exactly with one market time unit;
 * throws a ValidationError naming the first missing, extra or misaligned interval.
 */
export function checkCoversDay(what: string, deliveryDay: string, prices: readonly DayAheadPrice[]): 15 | 60 {
  const { startMs, endMs } = deliveryDayWindow(deliveryDay);
  const fail = (message: string): never => {
    throw new ValidationError(`${what}, delivery day ${deliveryDay}`, [{ path: '', message }]);
  };
  if (prices.length === 0) fail('no prices for the delivery day');
  const minutes = prices[0]!.intervalMinutes;
  const stepMs = minutes * MINUTE_MS;
  const expected = (endMs - startMs) / stepMs;
  let t = startMs;
  for (const p of prices) {
    if (p.intervalMinutes !== minutes) fail(`${iso(p.intervalStartMs)} is ${p.intervalMinutes} minutes long, the day before it ${minutes}`);
    if (p.intervalStartMs > t) {
      fail(`no price for ${iso(t)} (${iso(startMs)} to ${iso(endMs)} has ${expected} intervals of ${minutes} minutes)`);
    }
    if (p.intervalStartMs !== t) {
      fail(`${iso(p.intervalStartMs)} repeats or overlaps the interval before it, or is off the day's ${minutes}-minute grid`);
    }
    t += stepMs;
  }
  if (t !== endMs) {
    fail(`${prices.length} intervals of ${minutes} minutes end at ${iso(t)}, the day at ${iso(endMs)} (${expected} expected)`);
  }
  return minutes;
}
