import { describe, expect, it } from 'vitest';
import {
  parseErcotDamCsv,
  parseErcotLoadForecastCsv,
  parseErcotNativeLoadCsv,
  parseErcotRtmCsv,
  parseHubHourlyCsv,
} from '#adapters/feeds/ercot-mis.ts';
import { ValidationError } from '#domain/errors.ts';
import { csv, DAM_HEADER, damDay, RTM_HEADER, rtmDay } from './fixtures.ts';

const utc = (s: string) => Date.parse(s);
const isoOf = (ms: number) => new Date(ms).toISOString();
const steps = (starts: number[]) => new Set(starts.slice(1).map((t, i) => t - starts[i]!));

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseErcotRtmCsv', () => {
  it('converts hour-ending intervals in CST and CDT to UTC starts', () => {
    const text = csv(RTM_HEADER, [
      '01/01/2024,1,1,HB_HUBAVG,SH,12.58,N',
      '01/01/2024,24,4,HB_HUBAVG,SH,-37.65,N',
      '07/01/2024,1,1,HB_HUBAVG,SH,5000.00,N',
    ]);
    const { points, rejects } = parseErcotRtmCsv(text);
    expect(rejects).toEqual([]);
    expect(points.map((p) => [isoOf(p.intervalStartMs), p.priceUsdPerMwh])).toEqual([
      ['2024-01-01T06:00:00.000Z', 12.58],
      ['2024-01-02T05:45:00.000Z', -37.65],
      ['2024-07-01T05:00:00.000Z', 5000],
    ]);
    expect(points[0]).toMatchObject({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalMinutes: 15 });
  });

  it('gives the spring-forward day 92 contiguous intervals', () => {
    const { points, gaps } = parseErcotRtmCsv(csv(RTM_HEADER, rtmDay('03/10/2024', 'spring')));
    expect(points).toHaveLength(92);
    expect(isoOf(points[0]!.intervalStartMs)).toBe('2024-03-10T06:00:00.000Z');
    expect(isoOf(points.at(-1)!.intervalStartMs)).toBe('2024-03-11T04:45:00.000Z');
    expect(steps(points.map((p) => p.intervalStartMs))).toEqual(new Set([15 * 60_000]));
    expect(gaps).toEqual([]);
    // Hour-ending 2, interval 4 (01:45 CST) is followed by hour-ending 4, interval 1 (03:00 CDT).
    expect(points[7]!.priceUsdPerMwh).toBe(8);
    expect(points[8]).toMatchObject({ intervalStartMs: utc('2024-03-10T08:00:00Z'), priceUsdPerMwh: 9 });
  });

  it('gives the fall-back day 100 contiguous intervals, the DSTFlag=Y pass an hour after the first', () => {
    const { points, gaps } = parseErcotRtmCsv(csv(RTM_HEADER, rtmDay('11/03/2024', 'fall')));
    expect(points).toHaveLength(100);
    expect(isoOf(points[0]!.intervalStartMs)).toBe('2024-11-03T05:00:00.000Z');
    expect(isoOf(points.at(-1)!.intervalStartMs)).toBe('2024-11-04T05:45:00.000Z');
    expect(steps(points.map((p) => p.intervalStartMs))).toEqual(new Set([15 * 60_000]));
    expect(gaps).toEqual([]);
    // File rows 5–8 are hour-ending 2 (CDT), 9–12 the repeated hour-ending 2 (CST, DSTFlag=Y).
    expect(points.find((p) => p.priceUsdPerMwh === 5)!.intervalStartMs).toBe(utc('2024-11-03T06:00:00Z'));
    expect(points.find((p) => p.priceUsdPerMwh === 9)!.intervalStartMs).toBe(utc('2024-11-03T07:00:00Z'));
    expect(points.find((p) => p.priceUsdPerMwh === 13)!.intervalStartMs).toBe(utc('2024-11-03T08:00:00Z'));
  });

  it('accepts a fall-back day numbered 1..25 and places it like the DSTFlag layout', () => {
    const rows: string[] = [];
    for (let h = 1; h <= 25; h++) for (let q = 1; q <= 4; q++) rows.push(`11/03/2024,${h},${q},HB_HUBAVG,SH,${(h - 1) * 4 + q}.00,N`);
    const elapsed = parseErcotRtmCsv(csv(RTM_HEADER, rows)).points;
    const flagged = parseErcotRtmCsv(csv(RTM_HEADER, rtmDay('11/03/2024', 'fall'))).points;
    expect(elapsed.map((p) => [p.intervalStartMs, p.priceUsdPerMwh])).toEqual(flagged.map((p) => [p.intervalStartMs, p.priceUsdPerMwh]));
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const text = `\uFEFF${RTM_HEADER}\r\n01/01/2024,1,1,HB_HUBAVG,SH,12.58,N\r\n`;
    expect(parseErcotRtmCsv(text).points).toHaveLength(1);
  });

  it('rejects a price that is not a number, naming the line and field', () => {
    const text = csv(RTM_HEADER, ['01/01/2024,1,1,HB_HUBAVG,SH,12.58,N', '01/01/2024,1,2,HB_HUBAVG,SH,NaN,N']);
    const err = thrown(() => parseErcotRtmCsv(text));
    expect(err.message).toBe('ERCOT RTM CSV, line 3: SettlementPointPrice: not a number');
    expect(err.issues).toEqual([{ path: 'SettlementPointPrice', message: 'not a number' }]);
  });

  it.each([
    ['an empty price', '01/01/2024,1,1,HB_HUBAVG,SH,,N', 'SettlementPointPrice'],
    ['a hex price', '01/01/2024,1,1,HB_HUBAVG,SH,0x10,N', 'SettlementPointPrice'],
    ['an absurd price', '01/01/2024,1,1,HB_HUBAVG,SH,5000000,N', 'SettlementPointPrice'],
    ['an impossible date', '02/30/2024,1,1,HB_HUBAVG,SH,1,N', 'DeliveryDate'],
    ['an ISO date in a MIS file with a bad month', '2024-13-01,1,1,HB_HUBAVG,SH,1,N', 'DeliveryDate'],
    ['hour-ending 0', '01/01/2024,0,1,HB_HUBAVG,SH,1,N', 'DeliveryHour'],
    ['hour-ending 25 on a normal day', '01/01/2024,25,1,HB_HUBAVG,SH,1,N', 'DeliveryHour'],
    ['hour-ending 3 on the spring-forward day', '03/10/2024,3,1,HB_HUBAVG,SH,1,N', 'DeliveryHour'],
    ['interval 5', '01/01/2024,1,5,HB_HUBAVG,SH,1,N', 'DeliveryInterval'],
    ['DSTFlag=Y on a normal day', '01/01/2024,2,1,HB_HUBAVG,SH,1,Y', 'DSTFlag'],
    ['a DSTFlag that is neither Y nor N', '01/01/2024,2,1,HB_HUBAVG,SH,1,X', 'DSTFlag'],
    ['an empty settlement point', '01/01/2024,2,1,,SH,1,N', 'SettlementPointName'],
  ])('rejects %s on its line and field', (_name, row, field) => {
    const err = thrown(() => parseErcotRtmCsv(csv(RTM_HEADER, ['01/01/2024,1,1,HB_HUBAVG,SH,1,N', row])));
    expect(err.message).toMatch(/^ERCOT RTM CSV, line 3: /);
    expect(err.issues[0]!.path).toBe(field);
  });

  it('rejects a wrong header as a file error on line 1', () => {
    const text = csv('DeliveryDate,DeliveryHour,SettlementPointName,SettlementPointPrice,DSTFlag', ['01/01/2024,1,HB_HUBAVG,12.5,N']);
    const err = thrown(() => parseErcotRtmCsv(text, { skipBadRows: true }));
    expect(err.message).toMatch(/^ERCOT RTM CSV, line 1: wrong header: missing columns DeliveryInterval, SettlementPointType/);
  });

  it('rejects a file cut off in the middle of a row, naming the line', () => {
    const text = `${RTM_HEADER}\n01/01/2024,1,1,HB_HUBAVG,SH,12.58,N\n01/01/2024,1,2,HB_HU`;
    const err = thrown(() => parseErcotRtmCsv(text));
    expect(err.message).toMatch(
      /^ERCOT RTM CSV, line 3: expected 7 fields, got 4 \(the file ends in the middle of this row: truncated\?\)/,
    );
  });

  it('rejects a file with a header and no rows', () => {
    expect(() => parseErcotRtmCsv(`${RTM_HEADER}\n`)).toThrow(/line 2: no data rows after the header/);
    expect(() => parseErcotRtmCsv('')).toThrow(/the file is empty/);
  });

  it('rejects settlement points outside the given list', () => {
    const text = csv(RTM_HEADER, ['01/01/2024,1,1,HB_HUBAVG,SH,1,N', '01/01/2024,1,1,HB_NORTH,SH,2,N']);
    expect(() => parseErcotRtmCsv(text, { settlementPoints: ['HB_HUBAVG'] })).toThrow(
      'ERCOT RTM CSV, line 3: SettlementPointName: unknown settlement point "HB_NORTH" (expected HB_HUBAVG)',
    );
    expect(parseErcotRtmCsv(text).points.map((p) => p.node)).toEqual(['HB_HUBAVG', 'HB_NORTH']);
  });

  it('drops an exact repeat and rejects a repeat with a different value, naming both lines', () => {
    const same = csv(RTM_HEADER, ['01/01/2024,1,1,HB_HUBAVG,SH,1.5,N', '01/01/2024,1,1,HB_HUBAVG,SH,1.50,N']);
    const r = parseErcotRtmCsv(same);
    expect([r.points.length, r.duplicates]).toEqual([1, 1]);
    const different = csv(RTM_HEADER, ['01/01/2024,1,1,HB_HUBAVG,SH,1.5,N', '01/01/2024,1,1,HB_HUBAVG,SH,2.5,N']);
    expect(() => parseErcotRtmCsv(different)).toThrow(
      'ERCOT RTM CSV, line 3: SettlementPointPrice: duplicate interval 2024-01-01T06:00:00.000Z for HB_HUBAVG with a different value (2.5 here, 1.5 on line 2)',
    );
  });

  it('with skipBadRows, reports every bad row in line order and keeps the good ones', () => {
    const rows = rtmDay('01/01/2024', 'normal');
    rows[3] = '01/01/2024,1,4,HB_HUBAVG,SH,abc,N';
    rows[10] = '01/01/2024,3,3,HB_HUBAVG,SH';
    rows[50] = '13/01/2024,13,3,HB_HUBAVG,SH,3,N';
    const r = parseErcotRtmCsv(csv(RTM_HEADER, rows), { skipBadRows: true });
    expect(r.rows).toBe(96);
    expect(r.points).toHaveLength(93);
    expect(r.rejects.map((x) => [x.line, x.field])).toEqual([
      [5, 'SettlementPointPrice'],
      [12, undefined],
      [52, 'DeliveryDate'],
    ]);
    // The three skipped rows leave three one-interval gaps in the day.
    expect(r.gaps.map((g) => [isoOf(g.fromMs), g.missingIntervals])).toEqual([
      ['2024-01-01T06:45:00.000Z', 1],
      ['2024-01-01T08:30:00.000Z', 1],
      ['2024-01-01T18:30:00.000Z', 1],
    ]);
  });

  it('reports missing intervals as gaps, including a day cut short at the end', () => {
    const rows = [...rtmDay('01/01/2024', 'normal'), ...rtmDay('01/02/2024', 'normal').slice(0, 40)];
    rows.splice(10, 4); // hour-ending 3 of 01/01
    const { gaps } = parseErcotRtmCsv(csv(RTM_HEADER, rows));
    expect(gaps).toEqual([
      { series: 'ERCOT HB_HUBAVG RT', fromMs: utc('2024-01-01T08:30:00Z'), toMs: utc('2024-01-01T09:30:00Z'), missingIntervals: 4 },
      { series: 'ERCOT HB_HUBAVG RT', fromMs: utc('2024-01-02T16:00:00Z'), toMs: utc('2024-01-03T06:00:00Z'), missingIntervals: 56 },
    ]);
  });
});

describe('parseErcotDamCsv', () => {
  it('reads "24:00" as the last hour of the day', () => {
    const { points } = parseErcotDamCsv(csv(DAM_HEADER, ['01/01/2024,01:00,HB_HUBAVG,16.62,N', '01/01/2024,24:00,HB_HUBAVG,20.00,N']));
    expect(points.map((p) => isoOf(p.intervalStartMs))).toEqual(['2024-01-01T06:00:00.000Z', '2024-01-02T05:00:00.000Z']);
    expect(points[0]).toMatchObject({ kind: 'DA', intervalMinutes: 60, priceUsdPerMwh: 16.62 });
  });

  it('gives the DST days 23 and 25 contiguous hours', () => {
    const { points } = parseErcotDamCsv(csv(DAM_HEADER, [...damDay('03/10/2024', 'spring'), ...damDay('11/03/2024', 'fall')]));
    const spring = points.filter((p) => p.intervalStartMs < utc('2024-04-01T00:00:00Z'));
    const fall = points.filter((p) => p.intervalStartMs >= utc('2024-04-01T00:00:00Z'));
    expect([spring.length, fall.length]).toEqual([23, 25]);
    expect(steps(spring.map((p) => p.intervalStartMs))).toEqual(new Set([3_600_000]));
    expect(steps(fall.map((p) => p.intervalStartMs))).toEqual(new Set([3_600_000]));
    // The flagged second "02:00" is the 3rd row of the day: 01:00 CST = 07:00 UTC.
    expect(fall[2]).toMatchObject({ intervalStartMs: utc('2024-11-03T07:00:00Z'), priceUsdPerMwh: 12 });
  });

  it('rejects an hour label that is not HH:00', () => {
    expect(() => parseErcotDamCsv(csv(DAM_HEADER, ['01/01/2024,01:30,HB_HUBAVG,16.62,N']))).toThrow(
      'ERCOT DAM CSV, line 2: HourEnding: must look like "01:00".."24:00" (got "01:30")',
    );
  });
});

const LOAD_HEADER = 'Hour Ending,COAST,EAST,FWEST,NORTH,NCENT,SOUTH,SCENT,WEST,ERCOT';
const loadRow = (label: string, mw: number) => `${label},1,1,1,1,1,1,1,1,${mw}`;

describe('parseErcotNativeLoadCsv', () => {
  it('reads "24:00" and the repeated "02:00 DST" hour', () => {
    const text = csv(LOAD_HEADER, [
      loadRow('11/02/2024 24:00', 40000),
      loadRow('11/03/2024 01:00', 39000),
      loadRow('11/03/2024 02:00', 38000),
      loadRow('11/03/2024 02:00 DST', 37000),
      loadRow('11/03/2024 03:00', 36000),
    ]);
    const { points, gaps } = parseErcotNativeLoadCsv(text);
    expect(points.map((p) => [isoOf(p.intervalStartMs), p.mw])).toEqual([
      ['2024-11-03T04:00:00.000Z', 40000],
      ['2024-11-03T05:00:00.000Z', 39000],
      ['2024-11-03T06:00:00.000Z', 38000],
      ['2024-11-03T07:00:00.000Z', 37000],
      ['2024-11-03T08:00:00.000Z', 36000],
    ]);
    expect(points[0]).toMatchObject({ market: 'ERCOT', kind: 'ACTUAL', intervalMinutes: 60 });
    expect(gaps.map((g) => g.missingIntervals)).toEqual([23, 21]); // the rest of 11/02 and of 11/03
  });

  it('has no 03:00 on the spring-forward day', () => {
    const text = csv(LOAD_HEADER, [loadRow('03/10/2024 02:00', 38000), loadRow('03/10/2024 04:00', 37000)]);
    const { points } = parseErcotNativeLoadCsv(text);
    expect(points.map((p) => isoOf(p.intervalStartMs))).toEqual(['2024-03-10T07:00:00.000Z', '2024-03-10T08:00:00.000Z']);
    expect(() => parseErcotNativeLoadCsv(csv(LOAD_HEADER, [loadRow('03/10/2024 03:00', 38000)]))).toThrow(
      /line 2: Hour Ending: hour-ending 3 does not exist on 2024-03-10/,
    );
  });

  it('rejects a negative load and a malformed label', () => {
    expect(() => parseErcotNativeLoadCsv(csv(LOAD_HEADER, [loadRow('01/01/2024 01:00', -5)]))).toThrow(
      /line 2: ERCOT: -5 MW is not a plausible system load/,
    );
    expect(() => parseErcotNativeLoadCsv(csv(LOAD_HEADER, [loadRow('13/01/2024 01:00', 5)]))).toThrow(
      /line 2: Hour Ending: "13\/01\/2024" is not a date/,
    );
    expect(() => parseErcotNativeLoadCsv(csv(LOAD_HEADER, [loadRow('01/01/2024 1:00', 5)]))).toThrow(/line 2: Hour Ending: must look like/);
  });
});

describe('parseErcotLoadForecastCsv', () => {
  it('reads UTC hour starts as FORECAST points', () => {
    const { points } = parseErcotLoadForecastCsv(
      'interval_start_utc,da_demand_forecast_mw\n2024-01-01T00:00:00Z,45111.7\n2024-01-01T01:00:00+00:00,44969.0\n',
    );
    expect(points).toEqual([
      { market: 'ERCOT', kind: 'FORECAST', intervalStartMs: utc('2024-01-01T00:00:00Z'), intervalMinutes: 60, mw: 45111.7 },
      { market: 'ERCOT', kind: 'FORECAST', intervalStartMs: utc('2024-01-01T01:00:00Z'), intervalMinutes: 60, mw: 44969 },
    ]);
  });

  it('rejects a time that is not the start of an hour or has no offset', () => {
    expect(() => parseErcotLoadForecastCsv('interval_start_utc,da_demand_forecast_mw\n2024-01-01T00:30:00Z,45111.7\n')).toThrow(
      /line 2: interval_start_utc/,
    );
    expect(() => parseErcotLoadForecastCsv('interval_start_utc,da_demand_forecast_mw\n2024-01-01T00:00:00,45111.7\n')).toThrow(
      /line 2: interval_start_utc/,
    );
  });
});

const HUB_HEADER =
  'delivery_date,hour_ending,settlement_point,dam_spp,rtm_spp_hourly_mean,mcpc_regup,mcpc_regdn,mcpc_rrs,mcpc_nspin,mcpc_ecrs';

describe('parseHubHourlyCsv', () => {
  it('splits each row into DA and RT-hourly-mean prices and five AS clearing prices', () => {
    const { prices, asPrices } = parseHubHourlyCsv(csv(HUB_HEADER, ['2024-01-01,1,HB_WEST,19.79,15.49,1.11,1.53,1.01,1.11,0.06']));
    const at = utc('2024-01-01T06:00:00Z');
    expect(prices).toEqual([
      { market: 'ERCOT', node: 'HB_WEST', kind: 'DA', intervalStartMs: at, intervalMinutes: 60, priceUsdPerMwh: 19.79 },
      { market: 'ERCOT', node: 'HB_WEST', kind: 'RT', intervalStartMs: at, intervalMinutes: 60, priceUsdPerMwh: 15.49 },
    ]);
    expect(asPrices.map((a) => [a.product, a.priceUsdPerMwh])).toEqual([
      ['REGUP', 1.11],
      ['REGDN', 1.53],
      ['RRS', 1.01],
      ['NSPIN', 1.11],
      ['ECRS', 0.06],
    ]);
  });

  it('treats an empty cell as a missing value that shows as a gap', () => {
    const text = csv(HUB_HEADER, [
      '2024-01-01,1,HB_WEST,19.79,15.49,1.11,1.53,1.01,1.11,0.06',
      '2024-01-01,2,HB_WEST,,16.70,1.49,1.51,1.00,0.94,0.10',
      '2024-01-01,3,HB_WEST,21.34,17.00,1.47,1.25,1.00,0.94,0.11',
    ]);
    const { prices, gaps } = parseHubHourlyCsv(text);
    expect(prices.filter((p) => p.kind === 'DA')).toHaveLength(2);
    expect(gaps.find((g) => g.series === 'ERCOT HB_WEST DA' && g.fromMs === utc('2024-01-01T07:00:00Z'))?.missingIntervals).toBe(1);
  });

  it('rejects a row for the hour that the spring-forward day does not have, once', () => {
    const text = csv(HUB_HEADER, [
      '2024-03-10,1,HB_WEST,75.12,119.67,4.39,3.67,5.00,1.42,5.00',
      '2024-03-10,3,HB_WEST,,,3.33,1.80,3.00,1.01,2.00',
    ]);
    expect(() => parseHubHourlyCsv(text)).toThrow(
      'ERCOT hub hourly CSV, line 3: hour_ending: hour-ending 3 does not exist on 2024-03-10: clocks spring forward from 02:00 to 03:00',
    );
    const r = parseHubHourlyCsv(text, { skipBadRows: true });
    expect(r.rejects).toHaveLength(1);
    expect(r.asPrices).toHaveLength(5);
  });
});

describe('column names', () => {
  it('reads a column under another name of its field (the API and MIS spellings are one field)', () => {
    const header = 'deliveryDate,DeliveryHour,DeliveryInterval,SettlementPoint,SettlementPointType,settlementPointPrice,dstFlag';
    const { points } = parseErcotRtmCsv(csv(header, ['01/01/2024,1,2,HB_HUBAVG,SH,12.58,N']));
    const at = utc('2024-01-01T06:15:00Z');
    expect(points).toEqual([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: at, intervalMinutes: 15, priceUsdPerMwh: 12.58 },
    ]);
  });

  it('names a bad cell by the column name the file uses', () => {
    const header = 'DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPoint,SettlementPointType,SettlementPointPrice,DSTFlag';
    expect(() => parseErcotRtmCsv(csv(header, ['01/01/2024,1,1,,SH,12.58,N']))).toThrow(
      'ERCOT RTM CSV, line 2: SettlementPoint: settlement point is empty',
    );
  });
});
