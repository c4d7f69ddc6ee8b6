/**
 * Central Prevailing Time (America/Chicago as ERCOT uses it) ↔ UTC, from the US daylight-saving
 * rules, without Intl: this sits in the per-row path of year-long files.
 *
 * - 2007 on: DST from the second Sunday of March, 02:00 CST (08:00 UTC), to the first Sunday of
 *   November, 02:00 CDT (07:00 UTC).
 * - 1987–2006: first Sunday of April to the last Sunday of October.
 *
 * Hour-ending labels (ERCOT MIS): hour-ending h covers local wall clock [h−1:00, h:00). On the
 * spring-forward day hour-ending 3 does not exist (23 hours); on the fall-back day hour-ending 2
 * occurs twice (25 hours), the second, standard-time pass flagged `DSTFlag=Y`.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from '#domain/time.ts';

export type CptDayKind = 'NORMAL' | 'SPRING_FORWARD' | 'FALL_BACK';

export interface CptDay {
  /** `YYYY-MM-DD` of the local operating day. */
  date: string;
  /** The local calendar date as a UTC midnight (a day index, not an instant). */
  dateMs: number;
  /** The UTC instant of local midnight at the start of the day. */
  midnightUtcMs: number;
  kind: CptDayKind;
  /** 23, 24 or 25. */
  hours: number;
}

export const MIN_YEAR = 1987;
export const MAX_YEAR = 2099;

const CST_MS = 6 * HOUR_MS;
const CDT_MS = 5 * HOUR_MS;

/** DST start and end of a year as local calendar days (UTC midnights of those dates). */
function dstDays(year: number): { startDay: number; endDay: number } {
  const weekday = (month: number, day: number) => new Date(Date.UTC(year, month, day)).getUTCDay();
  if (year >= 2007) {
    const march1 = weekday(2, 1);
    const nov1 = weekday(10, 1);
    return {
      startDay: Date.UTC(year, 2, 1 + ((7 - march1) % 7) + 7),
      endDay: Date.UTC(year, 10, 1 + ((7 - nov1) % 7)),
    };
  }
  const april1 = weekday(3, 1);
  const oct31 = weekday(9, 31);
  return { startDay: Date.UTC(year, 3, 1 + ((7 - april1) % 7)), endDay: Date.UTC(year, 9, 31 - oct31) };
}

const yearCache = new Map<number, { startDay: number; endDay: number }>();

function dstOf(year: number): { startDay: number; endDay: number } {
  let hit = yearCache.get(year);
  if (!hit) {
    hit = dstDays(year);
    yearCache.set(year, hit);
  }
  return hit;
}

/** The DST window of a year as UTC instants: [start, end). */
export function cptDstWindow(year: number): { startMs: number; endMs: number } {
  const { startDay, endDay } = dstOf(year);
  return { startMs: startDay + 2 * HOUR_MS + CST_MS, endMs: endDay + 2 * HOUR_MS + CDT_MS };
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  if (month === 2 && ((year % 4 === 0 && year % 100 !== 0) || year % 400 === 0)) return 29;
  return MONTH_DAYS[month - 1]!;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

/** The local day `year-month-day`, or null when no such date exists (or it is outside 1987–2099). */
export function cptDay(year: number, month: number, day: number): CptDay | null {
  if (!Number.isInteger(year) || !Number.isInteger(month) || !Number.isInteger(day)) return null;
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  const dateMs = Date.UTC(year, month - 1, day);
  const { startDay, endDay } = dstOf(year);
  const kind: CptDayKind = dateMs === startDay ? 'SPRING_FORWARD' : dateMs === endDay ? 'FALL_BACK' : 'NORMAL';
  // Midnight is never inside a transition (they happen at 02:00), so its offset is unambiguous.
  const midnightOffset = dateMs > startDay && dateMs <= endDay ? CDT_MS : CST_MS;
  return {
    date: `${year}-${pad2(month)}-${pad2(day)}`,
    dateMs,
    midnightUtcMs: dateMs + midnightOffset,
    kind,
    hours: kind === 'SPRING_FORWARD' ? 23 : kind === 'FALL_BACK' ? 25 : 24,
  };
}

const twoDigits = (s: string, at: number): number => {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : Number.NaN;
};

const fourDigits = (s: string, at: number): number => {
  const hi = twoDigits(s, at);
  const lo = twoDigits(s, at + 2);
  return hi * 100 + lo;
};

/**
 * Parses local dates, caching one CptDay per distinct text (a year file has 366 of them).
 * `MM/DD/YYYY` (MIS) and `YYYY-MM-DD` (plain layouts, the ERCOT API) are accepted.
 */
export class CptDayParser {
  private readonly cache = new Map<string, CptDay | null>();

  parse(text: string): CptDay | null {
    let hit = this.cache.get(text);
    if (hit === undefined) {
      hit = parseCptDate(text);
      if (this.cache.size > 50_000) this.cache.clear();
      this.cache.set(text, hit);
    }
    return hit;
  }
}

function parseCptDate(text: string): CptDay | null {
  if (text.length !== 10) return null;
  if (text[2] === '/' && text[5] === '/') return cptDay(fourDigits(text, 6), twoDigits(text, 0), twoDigits(text, 3));
  if (text[4] === '-' && text[7] === '-') return cptDay(fourDigits(text, 0), twoDigits(text, 5), twoDigits(text, 8));
  return null;
}

/** How the hours of a transition day are labelled. */
export type HourEndingConvention =
  /** ERCOT MIS: spring day skips hour-ending 3; fall-back day repeats hour-ending 2, the second pass flagged. */
  | 'MIS'
  /** Elapsed hours: hour-ending 1..23 on the spring day, 1..25 on the fall-back day, no flag. */
  | 'ELAPSED';

/**
 * The UTC start of a sub-interval of an hour-ending label, or a reason why it does not exist.
 * `minuteInHour` is the offset of the sub-interval inside its hour (0, 15, 30, 45 for 15-minute data).
 */
export function hourEndingStartUtc(
  day: CptDay,
  hourEnding: number,
  minuteInHour: number,
  repeated: boolean,
  convention: HourEndingConvention = 'MIS',
): number | string {
  if (!Number.isInteger(hourEnding) || hourEnding < 1 || hourEnding > 25) return `hour-ending ${hourEnding} is not in 1..25`;
  if (convention === 'ELAPSED') {
    if (repeated) return 'DSTFlag=Y cannot be combined with hour-ending 25 on the same day';
    if (hourEnding > day.hours) return `hour-ending ${hourEnding} does not exist on ${day.date} (${day.hours} hours)`;
    return day.midnightUtcMs + (hourEnding - 1) * HOUR_MS + minuteInHour * MINUTE_MS;
  }
  if (hourEnding === 25) return `hour-ending 25 is only used on a fall-back day (${day.date} is not one)`;
  const wall = (hourEnding - 1) * HOUR_MS + minuteInHour * MINUTE_MS;
  switch (day.kind) {
    case 'NORMAL':
      if (repeated) return `DSTFlag=Y marks the repeated hour of a fall-back day; ${day.date} is not one`;
      return day.midnightUtcMs + wall;
    case 'SPRING_FORWARD':
      if (repeated) return `DSTFlag=Y marks the repeated hour of a fall-back day; ${day.date} is a spring-forward day`;
      if (hourEnding === 3) return `hour-ending 3 does not exist on ${day.date}: clocks spring forward from 02:00 to 03:00`;
      return day.midnightUtcMs + (hourEnding < 3 ? wall : wall - HOUR_MS);
    case 'FALL_BACK':
      if (repeated && hourEnding !== 2) return `DSTFlag=Y is only valid on the repeated hour-ending 2 of ${day.date}`;
      return day.midnightUtcMs + (hourEnding === 1 || (hourEnding === 2 && !repeated) ? wall : wall + HOUR_MS);
  }
}

/** The local operating day (`YYYY-MM-DD`) containing a UTC instant. */
export function cptDateOf(utcMs: number): string {
  const local = utcMs - cptOffsetMs(utcMs);
  return new Date(Math.floor(local / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Hours behind UTC, in ms, at a UTC instant (6 h in CST, 5 h in CDT). */
export function cptOffsetMs(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  if (year < MIN_YEAR || year > MAX_YEAR) return CST_MS;
  const { startMs, endMs } = cptDstWindow(year);
  return utcMs >= startMs && utcMs < endMs ? CDT_MS : CST_MS;
}
