import { describe, expect, it } from 'vitest';
import {
  HashpriceSeries,
  hashpriceDayFor,
  hashpriceFromDifficulty,
  hashpriceSeriesFromNetwork,
  intervalMargin,
  revenuePerMwh,
  subsidyAtHeight,
} from '#domain/economics.ts';

describe('revenue per MWh (= breakeven)', () => {
  it('is $116.67/MWh at $50/PH/day, 17.5 J/TH and a 2% pool fee', () => {
    // 50 × 0.98 / (0.024 × 17.5) = 49 / 0.42 = 116.666…
    expect(revenuePerMwh(50, 17.5, 2)).toBeCloseTo(116.6667, 4);
  });

  it('is $96.90/MWh at $50/PH/day, 21.5 J/TH and no pool fee', () => {
    // 50 / (0.024 × 21.5) = 50 / 0.516
    expect(revenuePerMwh(50, 21.5, 0)).toBeCloseTo(96.8992, 4);
  });

  it('falls with the pool fee', () => {
    expect(revenuePerMwh(50, 17.5, 0)).toBeGreaterThan(revenuePerMwh(50, 17.5, 2));
  });
});

describe('interval margin', () => {
  it('is revenue minus energy cost over the interval', () => {
    // 100 MW for 15 minutes = 25 MWh: revenue 116.67 × 25, cost 40 × 25.
    const m = intervalMargin(116.6667, 40, 100, 0.25);
    expect(m.revenueUsd).toBeCloseTo(2916.67, 2);
    expect(m.energyCostUsd).toBe(1000);
    expect(m.netUsd).toBeCloseTo(1916.67, 2);
  });

  it('is negative when the price is above breakeven, and negative prices add to it', () => {
    expect(intervalMargin(100, 150, 10, 1).netUsd).toBe(-500);
    expect(intervalMargin(100, -20, 10, 1).netUsd).toBe(1200);
  });
});

describe('hashprice from daily network data', () => {
  const day = (date: string, hashrateThs: number, priceUsd = 60_000, issuanceBtc = 450, feesBtc = 10) => ({
    date,
    priceUsd,
    hashrateThs,
    feesBtc,
    issuanceBtc,
  });

  it('divides the day’s revenue by the mean hashrate of the last seven days present', () => {
    const days = [
      day('2024-07-01', 600e6),
      day('2024-07-02', 610e6),
      day('2024-07-03', 590e6),
      day('2024-07-04', 620e6),
      day('2024-07-05', 600e6),
      day('2024-07-06', 580e6),
      day('2024-07-07', 600e6),
      day('2024-07-08', 640e6, 61_000, 443.75, 12.5),
    ];
    const series = hashpriceSeriesFromNetwork(days);
    // 2024-07-08: window 07-02..07-08, mean = (610+590+620+600+580+600+640)/7 e6 TH/s = 605.714…e6
    const meanPh = (((610 + 590 + 620 + 600 + 580 + 600 + 640) / 7) * 1e6) / 1000;
    const expected = ((443.75 + 12.5) * 61_000) / meanPh;
    expect(series.find((p) => p.date === '2024-07-08')!.usdPerPhDay).toBeCloseTo(expected, 9);
    expect(expected).toBeCloseTo(45.945, 2);
  });

  it('uses only the days present in the window, and sorts its input', () => {
    const series = hashpriceSeriesFromNetwork([day('2024-07-10', 700e6), day('2024-07-01', 500e6), day('2024-07-05', 600e6)]);
    // 07-10's window is 07-04..07-10: 07-05 and 07-10 are present.
    expect(series.map((p) => p.date)).toEqual(['2024-07-01', '2024-07-05', '2024-07-10']);
    expect(series[2]!.usdPerPhDay).toBeCloseTo((460 * 60_000) / (650e6 / 1000), 9);
    // 07-05's window 06-29..07-05 holds 07-01 and 07-05.
    expect(series[1]!.usdPerPhDay).toBeCloseTo((460 * 60_000) / (550e6 / 1000), 9);
  });
});

describe('hashprice from difficulty', () => {
  it('matches the formula by hand', () => {
    const D = 83_148_355_189_239;
    // blocks per day per PH/s = 86400 × 1e15 / (D × 2^32) ≈ 2.4194e-4; × 3.225 BTC × $60,000 ≈ $46.81
    const blocksPerPh = (86400 * 1e15) / (D * 4294967296);
    expect(hashpriceFromDifficulty(D, 3.125, 0.1, 60_000)).toBeCloseTo(blocksPerPh * 3.225 * 60_000, 9);
    expect(hashpriceFromDifficulty(D, 3.125, 0.1, 60_000)).toBeCloseTo(46.81, 2);
  });

  it('halves the subsidy every 210,000 blocks', () => {
    expect(subsidyAtHeight(839_999)).toBe(6.25);
    expect(subsidyAtHeight(840_000)).toBe(3.125);
  });
});

describe('the hashprice an interval uses', () => {
  const series = new HashpriceSeries([
    { date: '2024-07-13', usdPerPhDay: 48 },
    { date: '2024-07-14', usdPerPhDay: 50 },
    { date: '2024-07-16', usdPerPhDay: 55 },
  ]);

  it('is that of the last complete UTC day', () => {
    expect(hashpriceDayFor(Date.parse('2024-07-15T00:00:00Z'))).toBe('2024-07-14');
    expect(series.forInterval(Date.parse('2024-07-15T23:45:00Z'))).toMatchObject({ usdPerPhDay: 50, day: '2024-07-14' });
  });

  it('falls back to the latest earlier day when that day is missing', () => {
    // 07-17 wants 07-16 (present); 07-16 wants 07-15 (missing) → 07-14.
    expect(series.forInterval(Date.parse('2024-07-16T05:00:00Z'))).toMatchObject({ day: '2024-07-14' });
    expect(series.forInterval(Date.parse('2024-07-17T05:00:00Z'))).toMatchObject({ day: '2024-07-16' });
  });

  it('is unknown before the series starts', () => {
    expect(series.forInterval(Date.parse('2024-07-13T12:00:00Z'))).toBeNull();
  });
});
