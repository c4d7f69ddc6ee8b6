import { describe, expect, it } from 'vitest';
import {
  checkCoversDay,
  compareRevisions,
  type DayAheadPrice,
  deliveryDayOf,
  deliveryDayWindow,
  expectedIntervalMinutes,
  intervalsInDay,
} from '#adapters/feeds/day-ahead.ts';

const at = (s: string) => Date.parse(s);

describe('the CET/CEST delivery day', () => {
  it('runs 23:00Z to 23:00Z in winter and 22:00Z to 22:00Z in summer', () => {
    expect(deliveryDayWindow('2025-01-15')).toEqual({ startMs: at('2025-01-14T23:00:00Z'), endMs: at('2025-01-15T23:00:00Z') });
    expect(deliveryDayWindow('2025-07-01')).toEqual({ startMs: at('2025-06-30T22:00:00Z'), endMs: at('2025-07-01T22:00:00Z') });
  });

  it('has 23 hours on the spring change and 25 on the autumn change', () => {
    expect(deliveryDayWindow('2025-03-30')).toEqual({ startMs: at('2025-03-29T23:00:00Z'), endMs: at('2025-03-30T22:00:00Z') });
    expect(deliveryDayWindow('2025-10-26')).toEqual({ startMs: at('2025-10-25T22:00:00Z'), endMs: at('2025-10-26T23:00:00Z') });
    expect(intervalsInDay('2025-03-30', 60)).toBe(23);
    expect(intervalsInDay('2025-10-26', 60)).toBe(25);
  });

  it('counts 100 quarter-hours on 2025-10-26, 92 on 2026-03-29 and 96 otherwise', () => {
    expect(intervalsInDay('2025-10-26', 15)).toBe(100);
    expect(intervalsInDay('2026-03-29', 15)).toBe(92);
    expect(intervalsInDay('2025-11-03', 15)).toBe(96);
  });

  it('switches to quarter-hours on delivery day 2025-10-01', () => {
    expect(expectedIntervalMinutes('2025-09-30')).toBe(60);
    expect(expectedIntervalMinutes('2025-10-01')).toBe(15);
  });

  it('places an instant in its local delivery day', () => {
    expect(deliveryDayOf(at('2025-10-25T22:00:00Z'))).toBe('2025-10-26');
    expect(deliveryDayOf(at('2025-10-25T21:59:59Z'))).toBe('2025-10-25');
  });

  it('refuses a string that is not a day', () => {
    expect(() => deliveryDayWindow('2025-13-01')).toThrow(/not a day/);
  });
});

describe('compareRevisions', () => {
  it('prefers the higher version, then Final over Preliminary', () => {
    expect(compareRevisions({ version: 3, state: 'Preliminary' }, { version: 2, state: 'Final' })).toBeGreaterThan(0);
    expect(compareRevisions({ version: 2, state: 'Final' }, { version: 2, state: 'Preliminary' })).toBeGreaterThan(0);
    expect(compareRevisions({ version: 2, state: 'Preliminary' }, { version: 2, state: 'Final' })).toBeLessThan(0);
    expect(compareRevisions({ version: 2, state: 'Final' }, { version: 2, state: 'Final' })).toBe(0);
  });
});

describe('checkCoversDay', () => {
  const hours = (day: string, skip?: number): DayAheadPrice[] => {
    const { startMs } = deliveryDayWindow(day);
    return Array.from({ length: intervalsInDay(day, 60) }, (_, i) => i)
      .filter((i) => i !== skip)
      .map((i) => ({ area: 'NO3', intervalStartMs: startMs + i * 3_600_000, intervalMinutes: 60 as const, price: i, currency: 'EUR' }));
  };

  it('accepts a complete 25-hour day and returns its market time unit', () => {
    expect(checkCoversDay('x', '2025-10-26', hours('2025-10-26'))).toBe(60);
  });

  it('names the first missing interval', () => {
    expect(() => checkCoversDay('x', '2025-10-26', hours('2025-10-26', 2))).toThrow(/no price for 2025-10-26T00:00:00.000Z/);
  });

  it('rejects a 24-hour answer for a 23-hour day', () => {
    const { startMs } = deliveryDayWindow('2025-03-30');
    const hour = (i: number) => ({ area: 'NO3', intervalStartMs: startMs + i * 3_600_000, intervalMinutes: 60 as const, price: 1 });
    const day = Array.from({ length: 24 }, (_, i) => ({ ...hour(i), currency: 'EUR' }));
    expect(() => checkCoversDay('x', '2025-03-30', day)).toThrow(/24 intervals of 60 minutes end at .*\(23 expected\)/);
  });
});
