import { describe, expect, it } from 'vitest';
import {
  hashpricePointsFromDifficulty,
  hashpricePointsFromNetwork,
  parseBtcNetworkCsv,
  parseDifficultyCsv,
} from '#adapters/feeds/btc-network.ts';
import { hashpriceFromDifficulty } from '#domain/economics.ts';

const NET_HEADER = 'date,price_usd,hashrate_ths,fees_btc,issuance_btc,blocks';

describe('parseBtcNetworkCsv', () => {
  it('reads one NetworkDay per UTC day, in date order', () => {
    const text = `${NET_HEADER}\n2020-01-02,6946.8,96717718.3,13.72,1762.5,141\n2020-01-01,7170.6,112929774.5,9.88,2175,174\n`;
    const { points, gaps } = parseBtcNetworkCsv(text);
    expect(points).toEqual([
      { date: '2020-01-01', priceUsd: 7170.6, hashrateThs: 112929774.5, feesBtc: 9.88, issuanceBtc: 2175, blocks: 174 },
      { date: '2020-01-02', priceUsd: 6946.8, hashrateThs: 96717718.3, feesBtc: 13.72, issuanceBtc: 1762.5, blocks: 141 },
    ]);
    expect(gaps).toEqual([]);
  });

  it('reports missing days as a gap', () => {
    const text = `${NET_HEADER}\n2020-01-01,1,1,1,1,1\n2020-01-05,1,1,1,1,1\n`;
    expect(parseBtcNetworkCsv(text).gaps).toEqual([
      { series: 'BTC network', fromMs: Date.parse('2020-01-02'), toMs: Date.parse('2020-01-05'), missingIntervals: 3 },
    ]);
  });

  it.each([
    ['a date that does not exist', '2023-02-29,1,1,1,1,1', 'date'],
    ['a zero price', '2023-02-01,0,1,1,1,1', 'price_usd'],
    ['a corrupted hashrate', '2023-02-01,1,1e,1,1,1', 'hashrate_ths'],
    ['negative fees', '2023-02-01,1,1,-1,1,1', 'fees_btc'],
    ['a fractional block count', '2023-02-01,1,1,1,1,1.5', 'blocks'],
  ])('rejects %s, naming the line and field', (_name, row, field) => {
    expect(() => parseBtcNetworkCsv(`${NET_HEADER}\n2023-01-31,1,1,1,1,1\n${row}\n`)).toThrow(
      new RegExp(`^BTC network CSV, line 3: ${field}: `),
    );
  });

  it('rejects a repeated day with different values, naming the differing column and the first line', () => {
    const text = `${NET_HEADER}\n2023-01-31,1,1,1,1,1\n2023-01-31,1,1,2,1,1\n`;
    expect(() => parseBtcNetworkCsv(text)).toThrow(
      'BTC network CSV, line 3: fees_btc: duplicate day 2023-01-31 with a different value (2 here, 1 on line 2)',
    );
  });

  it('rejects a truncated file and a wrong header', () => {
    expect(() => parseBtcNetworkCsv(`${NET_HEADER}\n2023-01-31,1,1,1,1,1\n2023-02-01,1,1`)).toThrow(
      /line 3: expected 6 fields, got 3 .*truncated/,
    );
    expect(() => parseBtcNetworkCsv('date,price,hashrate\n2023-01-31,1,1\n')).toThrow(
      /line 1: wrong header: missing columns price_usd, hashrate_ths/,
    );
  });
});

describe('parseDifficultyCsv', () => {
  it('reads daily difficulty', () => {
    expect(parseDifficultyCsv('date,difficulty\n2020-04-11,14715214060657\n').points).toEqual([
      { date: '2020-04-11', difficulty: 14715214060657 },
    ]);
  });
});

describe('hashprice from network data', () => {
  it('divides the day revenue by the mean hashrate of the last seven days present, in PH/s', () => {
    const days = [
      { date: '2024-06-09', priceUsd: 1, hashrateThs: 636721355.3029393, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-10', priceUsd: 1, hashrateThs: 578459271.8356823, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-11', priceUsd: 1, hashrateThs: 511874032.7312927, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-12', priceUsd: 1, hashrateThs: 607590313.5693108, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-13', priceUsd: 1, hashrateThs: 603428732.7544087, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-14', priceUsd: 1, hashrateThs: 532681918.82778853, feesBtc: 0, issuanceBtc: 1 },
      { date: '2024-06-15', priceUsd: 66204.904308007, hashrateThs: 557651385.7391865, feesBtc: 44.27193232, issuanceBtc: 418.75 },
    ];
    const h = hashpricePointsFromNetwork(days);
    // (418.75 + 44.27193232) × 66204.904308007 / (mean of the seven hashrates / 1000), by hand: 53.2667772842
    expect(h.at(-1)).toEqual({ date: '2024-06-15', usdPerPhDay: expect.closeTo(53.2667772842, 8), source: 'btc-network-csv' });
  });
});

describe('hashprice from difficulty', () => {
  it('equals 86400 × 1e15 / (D × 2^32) × (S + f) × p computed by hand', () => {
    // D = 80e12, S = 3.125 BTC, f = 0.25 BTC, p = $60,000:
    // 86400e15 / (80e12 × 4294967296) = 0.000251457095146 blocks per PH/s per day; × 3.375 BTC × $60,000
    expect(hashpriceFromDifficulty(80e12, 3.125, 0.25, 60_000)).toBeCloseTo(50.920061767101, 9);
  });

  it('takes subsidy and fees per block from the day of network data', () => {
    const network = [
      { date: '2024-06-15', priceUsd: 66204.904308007, hashrateThs: 1, feesBtc: 44.27193232, issuanceBtc: 418.75, blocks: 134 },
    ];
    const [h] = hashpricePointsFromDifficulty(
      [
        { date: '2024-06-15', difficulty: 83716654861184.81 },
        { date: '2024-06-16', difficulty: 1 },
      ],
      network,
    );
    // 86400e15 / (83716654861184.81 × 2^32) × (3.125 + 44.27193232 / 134) × 66204.904308007, by hand: 54.9704056191
    expect(h).toEqual({ date: '2024-06-15', usdPerPhDay: expect.closeTo(54.9704056191, 8), source: 'btc-difficulty-csv' });
  });
});
