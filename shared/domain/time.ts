/** Time helpers. Instants are UTC epoch milliseconds; nothing here reads the clock. */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Start of the UTC hour containing `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** Start of the UTC day containing `ms`. */
export function dayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** `YYYY-MM-DD` of the UTC day containing `ms`. */
export function utcDay(ms: number): string {
  return new Date(dayStart(ms)).toISOString().slice(0, 10);
}

/** Epoch ms of a `YYYY-MM-DD` UTC day. */
export function parseUtcDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The interval starts of the UTC hour containing `ms`, `intervalMinutes` apart. */
export function intervalsOfHour(ms: number, intervalMinutes: number): number[] {
  const start = hourStart(ms);
  const out: number[] = [];
  for (let t = start; t < start + HOUR_MS; t += intervalMinutes * MINUTE_MS) out.push(t);
  return out;
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,3})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Parses an ISO-8601 instant with an explicit offset; NaN when it is not one, or names a day or time that does not exist. */
export function parseInstant(text: string): number {
  const m = ISO_INSTANT.exec(text);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second = 0, offH = 0, offM = 0] = m
    .slice(1)
    .map((x) => (x === undefined ? undefined : Number(x))) as number[];
  const daysInMonth = new Date(Date.UTC(year!, month!, 0)).getUTCDate();
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || second > 59 || offH > 23 || offM > 59)
    return Number.NaN;
  return Date.parse(text);
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  /** The local date, YYYY-MM-DD. */
  date: string;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const partsCache = new Map<string, LocalParts>();

/**
 * Local wall-clock date and hour (0–23) of an instant in an IANA time zone.
 * Cached per zone and UTC hour: every time zone in use has whole-quarter-hour offsets,
 * and the caches stay small (one entry per zone-hour touched).
 */
export function localParts(ms: number, timeZone: string): LocalParts {
  const bucket = Math.floor(ms / (15 * MINUTE_MS));
  const key = `${timeZone}|${bucket}`;
  const hit = partsCache.get(key);
  if (hit) return hit;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: 'numeric',
      day: 'numeric',
      month: 'numeric',
      year: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  let hour = 0;
  let month = 1;
  let day = 1;
  let year = 1970;
  for (const p of fmt.formatToParts(bucket * 15 * MINUTE_MS)) {
    if (p.type === 'hour') hour = Number(p.value);
    else if (p.type === 'month') month = Number(p.value);
    else if (p.type === 'day') day = Number(p.value);
    else if (p.type === 'year') year = Number(p.value);
  }
  const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const parts = { year, month, day, hour, date };
  if (partsCache.size > 200_000) partsCache.clear();
  partsCache.set(key, parts);
  return parts;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
