/** Times in a site's own time zone (UTC on hover), and wall-clock inputs of that zone turned into instants. */
const formats = new Map<string, Intl.DateTimeFormat>();

function format(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${tz}|${JSON.stringify(opts)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...opts });
    formats.set(key, f);
  }
  return f;
}

const PARTS: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
};

/** The wall-clock fields of an instant in a zone. */
export function wall(ms: number, tz: string): { y: number; mo: number; d: number; h: number; mi: number; s: number } {
  const p = Object.fromEntries(
    format(tz, PARTS)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return { y: +p.year!, mo: +p.month!, d: +p.day!, h: +p.hour!, mi: +p.minute!, s: +p.second! };
}

/** Minutes the zone is ahead of UTC at an instant. */
export function offsetMinutes(ms: number, tz: string): number {
  const w = wall(ms, tz);
  return Math.round((Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) - Math.floor(ms / 1000) * 1000) / 60_000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `2024-07-15 15:00` in the zone. */
export function localText(ms: number, tz: string, seconds = false): string {
  const w = wall(ms, tz);
  return `${w.y}-${pad(w.mo)}-${pad(w.d)} ${pad(w.h)}:${pad(w.mi)}${seconds ? `:${pad(w.s)}` : ''}`;
}

/** `15:00` in the zone. */
export const localClock = (ms: number, tz: string) => localText(ms, tz).slice(11);

const zoneFormats = new Map<string, Intl.DateTimeFormat>();
// en-US names the North American zones (CDT, EST); elsewhere it gives GMT+2 and the like.
function zoneFormat(tz: string): Intl.DateTimeFormat {
  let f = zoneFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'short' });
    zoneFormats.set(tz, f);
  }
  return f;
}

/** The zone's abbreviation at an instant (CDT, CEST, …). */
export function zoneName(ms: number, tz: string): string {
  return (
    zoneFormat(tz)
      .formatToParts(new Date(ms))
      .find((p) => p.type === 'timeZoneName')?.value ?? tz
  );
}

export const utcText = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The value of a datetime-local input showing the instant in the zone. */
export const toLocalInput = (ms: number, tz: string) => localText(ms, tz).replace(' ', 'T');

/** The instant a datetime-local value (wall time in the zone) names; NaN when it is not one. */
export function fromLocalInput(value: string, tz: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(value);
  if (!m) return Number.NaN;
  const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!);
  let ms = asUtc - offsetMinutes(asUtc, tz) * 60_000;
  // Across a DST change the offset at the guess may differ from the offset at the answer.
  ms = asUtc - offsetMinutes(ms, tz) * 60_000;
  return ms;
}

/** The start of the local day containing the instant. */
export function localDayStart(ms: number, tz: string): number {
  const w = wall(ms, tz);
  return fromLocalInput(`${w.y}-${pad(w.mo)}-${pad(w.d)}T00:00`, tz);
}

export const localDate = (ms: number, tz: string) => localText(ms, tz).slice(0, 10);

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
