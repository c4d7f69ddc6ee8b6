import { describe, expect, it } from 'vitest';
import { type EntsoeDocument, entsoePeriod, isNoMatchingData, parseEntsoeA44 } from '#adapters/feeds/entsoe.ts';
import { ValidationError } from '#domain/errors.ts';
import { a44, acknowledgement, fixture, fullDay } from './fixtures.ts';

const at = (s: string) => Date.parse(s);
const prices = (doc: EntsoeDocument) => (doc.kind === 'publication' ? doc.prices : []);

describe('ENTSO-E A44', () => {
  it('fills the gaps of an A03 curve with the price before them (2025-10-26: 100 quarter-hours)', () => {
    const doc = parseEntsoeA44(fixture('entsoe-A44-NO3-2025-10-26-A03.xml'));
    const p = prices(doc);
    expect(p).toHaveLength(100);
    expect(p[0]).toEqual({ area: 'NO3', intervalStartMs: at('2025-10-25T22:00:00Z'), intervalMinutes: 15, price: 52.1, currency: 'EUR' });
    // Positions 3 and 4 are left out: they repeat position 2.
    expect(p.slice(1, 5).map((x) => x.price)).toEqual([50, 50, 50, 48.73]);
    // Position 41 (-1.25) runs until 45 (0), which runs until 53.
    expect(p.slice(40, 53).map((x) => x.price)).toEqual([-1.25, -1.25, -1.25, -1.25, 0, 0, 0, 0, 0, 0, 0, 0, 60.4]);
    // The last point is position 100 and the last interval starts at 22:45Z.
    expect(p[99]).toMatchObject({ intervalStartMs: at('2025-10-26T22:45:00Z'), price: 47.5 });
    expect(doc).toMatchObject({ kind: 'publication', revision: 1 });
  });

  it('repeats the last point to the end of the period', () => {
    const period = { start: '2025-11-02T23:00Z', end: '2025-11-03T01:00Z', resolution: 'PT15M' };
    const doc = a44([
      {
        periods: [
          {
            ...period,
            points: [
              [1, 10],
              [3, 12],
            ],
          },
        ],
      },
    ]);
    expect(prices(parseEntsoeA44(doc)).map((x) => x.price)).toEqual([10, 10, 12, 12, 12, 12, 12, 12]);
  });

  it('reads an hourly A01 day of 23 hours (2025-03-30)', () => {
    const p = prices(parseEntsoeA44(a44([{ curveType: 'A01', periods: [fullDay('2025-03-30', 60, (i) => 30 + i)] }])));
    expect(p).toHaveLength(23);
    expect(p.every((x) => x.intervalMinutes === 60)).toBe(true);
    expect(p[22]).toMatchObject({ intervalStartMs: at('2025-03-30T21:00:00Z'), price: 52 });
  });

  it('keeps the lowest classificationSequence position where series overlap, in any document order', () => {
    const day = '2026-03-29';
    const doc = a44([
      { classification: 2, periods: [fullDay(day, 15, () => 99)] },
      { classification: 1, periods: [fullDay(day, 15, (i) => i)] },
    ]);
    const p = prices(parseEntsoeA44(doc));
    expect(p).toHaveLength(92);
    expect(p.map((x) => x.price)).toEqual(Array.from({ length: 92 }, (_, i) => i));
  });

  it('keeps hourly series 1 over a quarter-hourly series 2 without mixing them', () => {
    const day = '2025-06-10';
    const doc = a44([
      { classification: 1, curveType: 'A01', periods: [fullDay(day, 60, (i) => i)] },
      { classification: 2, curveType: 'A01', periods: [fullDay(day, 15, () => 99)] },
    ]);
    const p = prices(parseEntsoeA44(doc));
    expect(p).toHaveLength(24);
    expect(new Set(p.map((x) => x.intervalMinutes))).toEqual(new Set([60]));
  });

  it('maps an EIC it does not know to itself', () => {
    const period = { start: '2025-11-02T23:00Z', end: '2025-11-03T00:00Z', resolution: 'PT60M' };
    const doc = a44([{ eic: '10Y1001A1001A82H', periods: [{ ...period, points: [[1, 1]] }] }]);
    expect(prices(parseEntsoeA44(doc))[0]!.area).toBe('10Y1001A1001A82H');
  });

  it('reads an acknowledgement and recognises "No matching data found"', () => {
    const reason =
      'No matching data found for Data item Day-ahead Prices [12.1.D] (10YNO-3--------J, 10YNO-3--------J) ' +
      'and interval 2025-10-25T22:00:00.000Z/2025-10-26T23:00:00.000Z.';
    const none = parseEntsoeA44(acknowledgement('999', reason));
    expect(none).toMatchObject({ kind: 'acknowledgement', code: '999' });
    expect(isNoMatchingData(none)).toBe(true);
    expect(isNoMatchingData(parseEntsoeA44(acknowledgement('999', 'The amount of requested data exceeds allowed limit.')))).toBe(false);
  });

  it('formats a period as yyyyMMddHHmm in UTC', () => {
    expect(entsoePeriod(at('2025-10-25T22:00:00Z'))).toBe('202510252200');
  });

  describe('refuses, naming the line and element', () => {
    const one = (points: [number, number | string][], over: Parameters<typeof a44>[0][number] = { periods: [] }) =>
      a44([{ ...over, periods: [{ start: '2025-11-02T23:00Z', end: '2025-11-03T00:00Z', resolution: 'PT15M', points }] }]);
    const message = (text: string) => {
      try {
        parseEntsoeA44(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as Error).message;
      }
      throw new Error('expected a ValidationError');
    };
    const lineOf = (text: string, needle: string, nth = 1) => {
      let seen = 0;
      return text.split('\n').findIndex((l) => l.includes(needle) && ++seen === nth) + 1;
    };

    it('a price that is not a number', () => {
      const text = one([
        [1, 1],
        [2, 'n/a'],
        [3, 3],
        [4, 4],
      ]);
      const line = lineOf(text, '<Point>', 2);
      expect(message(text)).toBe(`ENTSO-E A44 XML, line ${line}: TimeSeries[1]/Period[1]/Point[2]/price.amount: "n/a" is not a number`);
    });

    it('a position beyond the period', () => {
      const text = one([
        [1, 1],
        [5, 2],
      ]);
      expect(message(text)).toMatch(/line \d+: TimeSeries\[1\]\/Period\[1\]\/Point\[2\]\/position: "5" is not a position from 1 to 4/);
    });

    it('a gap in an A01 curve', () => {
      const text = one(
        [
          [1, 1],
          [2, 2],
          [4, 4],
        ],
        { curveType: 'A01', periods: [] },
      );
      const line = lineOf(text, '<Period>');
      expect(message(text)).toBe(
        `ENTSO-E A44 XML, line ${line}: TimeSeries[1]/Period[1]/Point: curve type A01 needs every position; position 3 is missing`,
      );
    });

    it('an A03 curve without position 1', () => {
      expect(message(one([[2, 2]]))).toMatch(/position 1 is missing, so there is no price for later gaps to repeat/);
    });

    it('an unknown resolution, unit or curve type', () => {
      const halfHours = a44([
        { periods: [{ start: '2025-11-02T23:00Z', end: '2025-11-03T00:00Z', resolution: 'PT30M', points: [[1, 1]] }] },
      ]);
      expect(message(halfHours)).toMatch(/Period\[1\]\/resolution: "PT30M" is neither PT15M nor PT60M/);
      expect(message(one([[1, 1]], { unit: 'KWH', periods: [] }))).toMatch(
        /TimeSeries\[1\]\/price_Measure_Unit.name: is KWH; expected MWH/,
      );
      expect(message(one([[1, 1]], { curveType: 'A02', periods: [] }))).toMatch(/TimeSeries\[1\]\/curveType: A02 is neither A01/);
    });

    it('two different prices for one interval in the same classification', () => {
      const p = { start: '2025-11-02T23:00Z', end: '2025-11-03T00:00Z', resolution: 'PT60M', points: [[1, 1]] as [number, number][] };
      const text = a44([{ periods: [p] }, { periods: [{ ...p, points: [[1, 2]] }] }]);
      expect(message(text)).toMatch(/TimeSeries\[2\]\/Period\[1\]: 2025-11-02T23:00:00.000Z has two different prices in classification 1/);
    });

    it('another document type', () => {
      expect(message(one([[1, 1]]).replace('<type>A44</type>', '<type>A65</type>'))).toMatch(/^ENTSO-E A44 XML, line 2: type: is A65/);
    });

    it('XML that is not well-formed, by line and column', () => {
      const text = one([[1, 1]]).replace('</price.amount>', '</price>');
      expect(message(text)).toMatch(new RegExp(`^ENTSO-E A44 XML, line ${lineOf(text, '</price>')}: not well-formed XML: .*column \\d+`));
    });
  });
});
