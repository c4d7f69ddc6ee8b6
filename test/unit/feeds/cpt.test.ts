import { describe, expect, it } from 'vitest';
import { CptDayParser, cptDateOf, cptDay, cptDstWindow, cptOffsetMs, hourEndingStartUtc } from '#adapters/feeds/cpt.ts';
import { HOUR_MS } from '#domain/time.ts';

const utc = (s: string) => Date.parse(s);

describe('US daylight-saving rules for Central time', () => {
  it.each([
    [2024, '2024-03-10T08:00:00Z', '2024-11-03T07:00:00Z'],
    [2023, '2023-03-12T08:00:00Z', '2023-11-05T07:00:00Z'],
    [2021, '2021-03-14T08:00:00Z', '2021-11-07T07:00:00Z'],
    [2007, '2007-03-11T08:00:00Z', '2007-11-04T07:00:00Z'],
    // Before 2007: first Sunday of April to the last Sunday of October.
    [2006, '2006-04-02T08:00:00Z', '2006-10-29T07:00:00Z'],
  ])('%i: DST from %s to %s', (year, start, end) => {
    expect(cptDstWindow(year)).toEqual({ startMs: utc(start), endMs: utc(end) });
  });

  it('agrees with the IANA America/Chicago zone for every hour of 2000–2035', () => {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', timeZoneName: 'shortOffset' });
    const mismatches: string[] = [];
    for (let t = utc('2000-01-01T00:00:00Z'); t < utc('2036-01-01T00:00:00Z'); t += HOUR_MS) {
      // Only the hours near a possible transition can differ; sample them densely, the rest weekly.
      const d = new Date(t);
      const m = d.getUTCMonth();
      const near = m === 2 || m === 3 || m === 9 || m === 10;
      if (!near && t % (7 * 24 * HOUR_MS) !== 0) continue;
      const name = fmt.formatToParts(t).find((p) => p.type === 'timeZoneName')!.value; // GMT-6 / GMT-5
      const expected = -Number(name.replace('GMT', '')) * HOUR_MS;
      if (cptOffsetMs(t) !== expected) mismatches.push(d.toISOString());
    }
    expect(mismatches).toEqual([]);
  });

  it('gives the local operating day of an instant', () => {
    expect(cptDateOf(utc('2024-01-02T05:59:59Z'))).toBe('2024-01-01');
    expect(cptDateOf(utc('2024-01-02T06:00:00Z'))).toBe('2024-01-02');
    expect(cptDateOf(utc('2024-07-02T04:59:59Z'))).toBe('2024-07-01');
    expect(cptDateOf(utc('2024-07-02T05:00:00Z'))).toBe('2024-07-02');
  });
});

describe('cptDay', () => {
  it('classifies transition days and their lengths', () => {
    expect(cptDay(2024, 3, 10)).toMatchObject({ kind: 'SPRING_FORWARD', hours: 23, midnightUtcMs: utc('2024-03-10T06:00:00Z') });
    expect(cptDay(2024, 11, 3)).toMatchObject({ kind: 'FALL_BACK', hours: 25, midnightUtcMs: utc('2024-11-03T05:00:00Z') });
    expect(cptDay(2024, 3, 11)).toMatchObject({ kind: 'NORMAL', hours: 24, midnightUtcMs: utc('2024-03-11T05:00:00Z') });
  });

  it('refuses dates that do not exist', () => {
    expect(cptDay(2024, 2, 30)).toBeNull();
    expect(cptDay(2023, 2, 29)).toBeNull();
    expect(cptDay(2024, 13, 1)).toBeNull();
    expect(cptDay(2024, 2, 29)).not.toBeNull();
  });

  it('parses MM/DD/YYYY and YYYY-MM-DD and nothing else', () => {
    const p = new CptDayParser();
    expect(p.parse('03/10/2024')?.date).toBe('2024-03-10');
    expect(p.parse('2024-03-10')?.date).toBe('2024-03-10');
    expect(p.parse('3/10/2024')).toBeNull();
    expect(p.parse('2024/03/10')).toBeNull();
    expect(p.parse('0a/10/2024')).toBeNull();
  });
});

describe('hourEndingStartUtc (MIS labels)', () => {
  const spring = cptDay(2024, 3, 10)!;
  const fall = cptDay(2024, 11, 3)!;

  it('skips hour-ending 3 on the spring-forward day', () => {
    expect(hourEndingStartUtc(spring, 2, 45, false)).toBe(utc('2024-03-10T07:45:00Z'));
    expect(hourEndingStartUtc(spring, 3, 0, false)).toMatch(/hour-ending 3 does not exist on 2024-03-10/);
    expect(hourEndingStartUtc(spring, 4, 0, false)).toBe(utc('2024-03-10T08:00:00Z'));
  });

  it('places the flagged second hour-ending 2 of the fall-back day an hour after the first', () => {
    expect(hourEndingStartUtc(fall, 2, 0, false)).toBe(utc('2024-11-03T06:00:00Z'));
    expect(hourEndingStartUtc(fall, 2, 0, true)).toBe(utc('2024-11-03T07:00:00Z'));
    expect(hourEndingStartUtc(fall, 3, 0, false)).toBe(utc('2024-11-03T08:00:00Z'));
    expect(hourEndingStartUtc(fall, 3, 0, true)).toMatch(/only valid on the repeated hour-ending 2/);
  });

  it('reads hour-ending 1..25 as elapsed hours under the ELAPSED convention', () => {
    expect(hourEndingStartUtc(fall, 3, 0, false, 'ELAPSED')).toBe(utc('2024-11-03T07:00:00Z'));
    expect(hourEndingStartUtc(fall, 25, 45, false, 'ELAPSED')).toBe(utc('2024-11-04T05:45:00Z'));
    expect(hourEndingStartUtc(fall, 25, 0, false)).toMatch(/hour-ending 25/);
  });
});
