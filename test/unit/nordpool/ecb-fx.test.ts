import { describe, expect, it } from 'vitest';
import { parseEcbRates, rateOn } from '#adapters/feeds/ecb-fx.ts';
import { ValidationError } from '#domain/errors.ts';
import { ecbXml, fixture } from './fixtures.ts';

describe('ECB reference rates', () => {
  const days = parseEcbRates(fixture('eurofxref-hist-easter-2024.xml'));

  it('reads every day, oldest first, as units per euro', () => {
    expect(days.map((d) => d.date)).toEqual(['2024-03-27', '2024-03-28', '2024-04-02', '2024-04-03']);
    expect(days[1]!.perEur).toEqual({ USD: 1.0811, NOK: 11.699, SEK: 11.525 });
  });

  it('uses a day’s own rate when it has one', () => {
    expect(rateOn(days, '2024-04-02')).toEqual({ rate: 1.0749, publishedFor: '2024-04-02' });
    expect(rateOn(days, '2024-04-02', 'NOK')).toEqual({ rate: 11.723, publishedFor: '2024-04-02' });
  });

  it('carries the Maundy Thursday rate over Good Friday, the weekend and Easter Monday', () => {
    for (const day of ['2024-03-29', '2024-03-30', '2024-03-31', '2024-04-01']) {
      expect(rateOn(days, day)).toEqual({ rate: 1.0811, publishedFor: '2024-03-28' });
    }
  });

  it('has no rate before the first day, for an unknown currency, or older than the limit', () => {
    expect(rateOn(days, '2024-03-26')).toBeNull();
    expect(rateOn(days, '2024-04-02', 'XYZ')).toBeNull();
    expect(rateOn(days, '2024-04-10')).toEqual({ rate: 1.0774, publishedFor: '2024-04-03' });
    expect(rateOn(days, '2024-04-11')).toBeNull();
    expect(rateOn(days, '2024-04-05', 'USD', 1)).toBeNull();
  });

  it('reads the daily file (one day)', () => {
    const daily = parseEcbRates(ecbXml([{ date: '2025-10-24', rates: { USD: '1.1620', JPY: '177.56' } }]));
    expect(daily).toEqual([{ date: '2025-10-24', perEur: { USD: 1.162, JPY: 177.56 } }]);
  });

  describe('refuses, naming the line and attribute', () => {
    const message = (text: string) => {
      try {
        parseEcbRates(text);
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as Error).message;
      }
      throw new Error('expected a ValidationError');
    };

    it('a rate that is not a positive number', () => {
      const text = ecbXml([{ date: '2025-10-24', rates: { USD: '1.1620', NOK: '11,70' } }]);
      const line = text.split('\n').findIndex((l) => l.includes("'NOK'")) + 1;
      expect(message(text)).toBe(
        `ECB reference rates XML, line ${line}: Cube/Cube[1]/Cube[2]/@rate: NOK: "11,70" is not a positive number`,
      );
    });

    it('a day that is not a date', () => {
      const text = ecbXml([{ date: '24.10.2025', rates: { USD: '1.1620' } }]);
      expect(message(text)).toMatch(/^ECB reference rates XML, line 8: Cube\/Cube\[1\]\/@time: "24.10.2025" is not a day/);
    });

    it('a day listed twice', () => {
      const text = ecbXml([
        { date: '2025-10-24', rates: { USD: '1.1620' } },
        { date: '2025-10-24', rates: { USD: '1.1621' } },
      ]);
      expect(message(text)).toMatch(/Cube\/Cube\[2\]\/@time: 2025-10-24 appears twice/);
    });

    it('another document', () => {
      expect(message('<?xml version="1.0"?>\n<html><body>Maintenance</body></html>')).toMatch(/html: expected a gesmes:Envelope/);
    });
  });
});
