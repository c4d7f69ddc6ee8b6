import { describe, expect, it } from 'vitest';
import { parseNordPoolDayAhead } from '#adapters/feeds/nordpool.ts';
import { ValidationError } from '#domain/errors.ts';
import { fixture, nordPoolDay } from './fixtures.ts';

const at = (s: string) => Date.parse(s);
const json = (o: unknown) => JSON.stringify(o, null, 2);

/** Line and column (1-based) of the value after the n-th (0-based) occurrence of `key` in `text`. */
function valueAfter(text: string, key: string, n: number): { line: number; column: number } {
  let i = -1;
  for (let k = 0; k <= n; k++) i = text.indexOf(key, i + 1);
  const offset = i + key.length;
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

describe('Nord Pool DayAheadPrices', () => {
  it('reads an hourly 23-hour day (2025-03-30) for each area, in its currency', () => {
    const days = parseNordPoolDayAhead(fixture('nordpool-NO3-NO4-2025-03-30.json'));
    expect(days.map((d) => [d.area, d.prices.length, d.intervalMinutes, d.currency])).toEqual([
      ['NO3', 23, 60, 'EUR'],
      ['NO4', 23, 60, 'EUR'],
    ]);
    const no3 = days[0]!;
    expect(no3.prices[0]).toEqual({
      area: 'NO3',
      intervalStartMs: at('2025-03-29T23:00:00Z'),
      intervalMinutes: 60,
      price: 31.02,
      currency: 'EUR',
    });
    // 02:00 CET jumps to 03:00 CEST: the third hour starts at 01:00Z, and the last at 21:00Z.
    expect(no3.prices[2]!.intervalStartMs).toBe(at('2025-03-30T01:00:00Z'));
    expect(no3.prices[22]).toMatchObject({ intervalStartMs: at('2025-03-30T21:00:00Z'), price: 32.19 });
    expect(no3.revision).toEqual({ version: 3, state: 'Final', updatedAtMs: at('2025-03-29T11:57:41.331Z') });
  });

  it('returns only the areas asked for', () => {
    const days = parseNordPoolDayAhead(fixture('nordpool-NO3-NO4-2025-03-30.json'), { areas: ['NO4'] });
    expect(days.map((d) => d.area)).toEqual(['NO4']);
    expect(days[0]!.prices[0]!.price).toBe(12.5);
  });

  it('reads the 100 quarter-hours of 2025-10-26', () => {
    const [day] = parseNordPoolDayAhead(json(nordPoolDay({ day: '2025-10-26', minutes: 15, price: (i) => i / 4 })));
    expect(day!.prices).toHaveLength(100);
    expect(day!.intervalMinutes).toBe(15);
    expect(day!.prices[0]!.intervalStartMs).toBe(at('2025-10-25T22:00:00Z'));
    expect(day!.prices[99]).toMatchObject({ intervalStartMs: at('2025-10-26T22:45:00Z'), price: 24.75 });
  });

  it('reads the 92 quarter-hours of 2026-03-29', () => {
    const [day] = parseNordPoolDayAhead(json(nordPoolDay({ day: '2026-03-29', minutes: 15 })));
    expect(day!.prices).toHaveLength(92);
    expect(day!.prices[91]!.intervalStartMs).toBe(at('2026-03-29T21:45:00Z'));
  });

  it('returns the state and version of a preliminary result', () => {
    const [day] = parseNordPoolDayAhead(json(nordPoolDay({ day: '2025-11-03', minutes: 15, version: 1, state: 'Preliminary' })));
    expect(day!.revision).toMatchObject({ version: 1, state: 'Preliminary' });
  });

  it('reads a file holding an array of days', () => {
    const file = json([nordPoolDay({ day: '2025-09-30', minutes: 60 }), nordPoolDay({ day: '2025-10-01', minutes: 15 })]);
    expect(parseNordPoolDayAhead(file).map((d) => [d.deliveryDay, d.prices.length])).toEqual([
      ['2025-09-30', 24],
      ['2025-10-01', 96],
    ]);
  });

  describe('refuses', () => {
    const message = (text: string, opts = {}) => {
      try {
        parseNordPoolDayAhead(text, opts);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as Error).message;
      }
      throw new Error('expected a ValidationError');
    };

    it('a null price, naming the entry and area', () => {
      const doc = nordPoolDay({ day: '2025-11-03', minutes: 15 });
      (doc.multiAreaEntries[5]!.entryPerArea as Record<string, number | null>).NO3 = null;
      const text = json(doc);
      const { line, column } = valueAfter(text, '"NO3": ', 5);
      expect(message(text)).toBe(
        `Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: multiAreaEntries[5].entryPerArea.NO3: is null`,
      );
      expect(text.split('\n')[line - 1]!.slice(column - 1)).toBe('null');
    });

    it('a missing interval', () => {
      const doc = nordPoolDay({ day: '2025-11-03', minutes: 15 });
      doc.multiAreaEntries.splice(10, 1);
      expect(message(json(doc))).toMatch(/multiAreaEntries: delivery day 2025-11-03: no price for 2025-11-03T01:30:00.000Z/);
    });

    it('an entry that is neither 15 nor 60 minutes long', () => {
      const doc = nordPoolDay({ day: '2025-11-03', minutes: 15 });
      doc.multiAreaEntries[3]!.deliveryEnd = doc.multiAreaEntries[4]!.deliveryEnd;
      const text = json(doc);
      const { line, column } = valueAfter(text, '"deliveryEnd": ', 3);
      expect(message(text)).toBe(
        `Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: multiAreaEntries[3].deliveryEnd: ` +
          'the entry is 30 minutes long; expected 15 or 60',
      );
    });

    it('another delivery day or currency than asked for', () => {
      const text = json(nordPoolDay({ day: '2025-11-03', minutes: 15, currency: 'NOK' }));
      expect(message(text, { deliveryDay: '2025-11-04' })).toMatch(/deliveryDateCET: is 2025-11-03, 2025-11-04 was asked for/);
      expect(message(text, { currency: 'EUR' })).toMatch(/currency: is NOK, EUR was asked for/);
    });

    it('an area the response does not cover', () => {
      const text = json(nordPoolDay({ day: '2025-11-03', minutes: 15 }));
      expect(message(text, { areas: ['NO5'] })).toMatch(/deliveryAreas: has no NO5 \(it lists NO3\)/);
    });

    it('a field of the wrong type, by its path', () => {
      const doc = { ...nordPoolDay({ day: '2025-11-03', minutes: 15 }), version: 'two' };
      const text = json(doc);
      const { line, column } = valueAfter(text, '"version": ', 0);
      expect(message(text)).toMatch(new RegExp(`^Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: version: `));
    });

    it('a missing price, at the line and column where its entry object begins', () => {
      const doc = nordPoolDay({ day: '2025-11-03', minutes: 15 });
      delete (doc.multiAreaEntries[7]!.entryPerArea as Record<string, number>).NO3;
      const text = json(doc);
      const { line, column } = valueAfter(text, '"entryPerArea": ', 7);
      expect(message(text)).toBe(
        `Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: multiAreaEntries[7].entryPerArea.NO3: is missing`,
      );
    });

    it('a bad value of the second response in a file of several, on one line, by its column', () => {
      const days = [nordPoolDay({ day: '2025-11-03', minutes: 15 }), nordPoolDay({ day: '2025-11-04', minutes: 15 })];
      (days[1]!.multiAreaEntries[2]!.entryPerArea as Record<string, number>).NO3 = 1e9;
      const text = JSON.stringify(days);
      const column = text.indexOf('1000000000') + 1;
      expect(message(text)).toBe(
        `Nord Pool DayAheadPrices JSON, line 1, column ${column}: [1].multiAreaEntries[2].entryPerArea.NO3: ` +
          '1000000000 EUR/MWh is beyond any price limit',
      );
    });

    it('an interval missing from the day, at the entries array', () => {
      const doc = nordPoolDay({ day: '2025-11-03', minutes: 15 });
      doc.multiAreaEntries.splice(10, 1);
      const text = json(doc);
      const { line, column } = valueAfter(text, '"multiAreaEntries": ', 0);
      expect(message(text)).toMatch(new RegExp(`, line ${line}, column ${column}: multiAreaEntries: delivery day 2025-11-03: no price`));
    });

    it('malformed JSON, by its line', () => {
      const text = json(nordPoolDay({ day: '2025-11-03', minutes: 15 })).replace('"market": "DayAhead",', '"market": "DayAhead",,');
      const line = text.split('\n').findIndex((l) => l.includes('"DayAhead",,')) + 1;
      const column = text.split('\n')[line - 1]!.indexOf(',,') + 2;
      expect(message(text)).toMatch(new RegExp(`^Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: not valid JSON`));
    });
  });
});
