/** NP6-788-CD (SCED LMPs) in its MIS CSV and public-API layouts, small hand-made files. */
import { describe, expect, it } from 'vitest';
import { parseErcotScedLmpCsv, parseErcotScedLmpPages } from '#adapters/feeds/ercot-sced-lmp.ts';
import { ValidationError } from '#domain/errors.ts';
import { csv } from './fixtures.ts';

const HEADER = 'SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP';
const utc = (s: string) => Date.parse(s);
const isoOf = (ms: number) => new Date(ms).toISOString();

/** The API's `fields` for lmp_node_zone_hub, as it describes them. */
const FIELDS = [
  { name: 'SCEDTimestamp', label: 'SCED Time Stamp', dataType: 'DATETIME' },
  { name: 'repeatHourFlag', label: 'Repeat Hour Flag', dataType: 'BOOLEAN' },
  { name: 'settlementPoint', label: 'Settlement Point', dataType: 'STRING' },
  { name: 'LMP', label: 'LMP', dataType: 'DOUBLE' },
];
const page = (data: unknown[][], currentPage = 1, totalPages = 1) => ({
  _meta: { totalRecords: data.length, pageSize: 1000, totalPages, currentPage },
  report: { reportEMIL: 'NP6-788-CD', reportName: 'lmp_node_zone_hub' },
  fields: FIELDS,
  data,
  _links: {},
});

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('parseErcotScedLmpCsv', () => {
  it('gives each SCED run its UTC timestamp, with the seconds, in CST and CDT', () => {
    const r = parseErcotScedLmpCsv(
      csv(HEADER, ['01/15/2024 00:05:14,N,HB_HUBAVG,21.35', '01/15/2024 00:05:14,N,HB_NORTH,20.1', '07/01/2024 16:40:12,N,HB_HUBAVG,-3.5']),
    );
    expect(r.rejects).toEqual([]);
    expect(r.points).toEqual([
      { market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: utc('2024-01-15T06:05:14Z'), lmpUsdPerMwh: 21.35 },
      { market: 'ERCOT', node: 'HB_NORTH', scedTimestampMs: utc('2024-01-15T06:05:14Z'), lmpUsdPerMwh: 20.1 },
      { market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: utc('2024-07-01T21:40:12Z'), lmpUsdPerMwh: -3.5 },
    ]);
  });

  it('places the repeated fall-back hour an hour after its first pass, in run order', () => {
    const rows = [
      '11/03/2024 00:55:12,N,HB_HUBAVG,10',
      '11/03/2024 01:00:13,N,HB_HUBAVG,11',
      '11/03/2024 01:55:11,N,HB_HUBAVG,12',
      '11/03/2024 01:00:14,Y,HB_HUBAVG,13',
      '11/03/2024 01:55:12,Y,HB_HUBAVG,14',
      '11/03/2024 02:00:15,N,HB_HUBAVG,15',
    ];
    const r = parseErcotScedLmpCsv(csv(HEADER, rows));
    expect(r.points.map((p) => [isoOf(p.scedTimestampMs), p.lmpUsdPerMwh])).toEqual([
      ['2024-11-03T05:55:12.000Z', 10], // 00:55 CDT
      ['2024-11-03T06:00:13.000Z', 11], // 01:00 CDT, first pass
      ['2024-11-03T06:55:11.000Z', 12],
      ['2024-11-03T07:00:14.000Z', 13], // 01:00 CST, RepeatedHourFlag=Y
      ['2024-11-03T07:55:12.000Z', 14],
      ['2024-11-03T08:00:15.000Z', 15], // 02:00 CST
    ]);
  });

  it('passes from 01:55 CST to 03:00 CDT on the spring-forward day and rejects a time in the missing hour', () => {
    const good = parseErcotScedLmpCsv(csv(HEADER, ['03/10/2024 01:55:14,N,HB_HUBAVG,30', '03/10/2024 03:00:13,N,HB_HUBAVG,31']));
    expect(good.points.map((p) => isoOf(p.scedTimestampMs))).toEqual(['2024-03-10T07:55:14.000Z', '2024-03-10T08:00:13.000Z']);
    const bad = csv(HEADER, ['03/10/2024 01:55:14,N,HB_HUBAVG,30', '03/10/2024 02:05:00,N,HB_HUBAVG,31']);
    expect(thrown(() => parseErcotScedLmpCsv(bad)).message).toBe(
      'ERCOT SCED LMP CSV, line 3: SCEDTimestamp: hour-ending 3 does not exist on 2024-03-10: clocks spring forward from 02:00 to 03:00',
    );
  });

  it('rejects RepeatedHourFlag=Y outside the repeated hour, naming the flag column', () => {
    const err = thrown(() => parseErcotScedLmpCsv(csv(HEADER, ['01/15/2024 01:05:14,Y,HB_HUBAVG,21'])));
    expect(err.message).toBe(
      'ERCOT SCED LMP CSV, line 2: RepeatedHourFlag: RepeatedHourFlag=Y marks the repeated hour of a fall-back day; 2024-01-15 is not one',
    );
  });

  it.each([
    ['a timestamp without seconds', '01/15/2024 00:05,N,HB_HUBAVG,21', 'SCEDTimestamp', /must be a local time/],
    ['a minute 60', '01/15/2024 00:60:00,N,HB_HUBAVG,21', 'SCEDTimestamp', /must be a local time/],
    ['an impossible date', '02/30/2024 00:05:14,N,HB_HUBAVG,21', 'SCEDTimestamp', /"02\/30\/2024" is not a date/],
    ['a flag that is neither Y nor N', '01/15/2024 00:05:14,X,HB_HUBAVG,21', 'RepeatedHourFlag', /must be Y or N \(got "X"\)/],
    ['an empty settlement point', '01/15/2024 00:05:14,N,,21', 'SettlementPoint', /settlement point is empty/],
    ['an LMP that is not a number', '01/15/2024 00:05:14,N,HB_HUBAVG,n/a', 'LMP', /not a number/],
    ['an absurd LMP', '01/15/2024 00:05:14,N,HB_HUBAVG,9000000', 'LMP', /beyond any market's price limits/],
  ])('rejects %s on its line and field', (_name, row, field, message) => {
    const err = thrown(() => parseErcotScedLmpCsv(csv(HEADER, ['01/15/2024 00:00:13,N,HB_HUBAVG,20', row])));
    expect(err.message).toMatch(/^ERCOT SCED LMP CSV, line 3: /);
    expect(err.issues[0]!.path).toBe(field);
    expect(err.issues[0]!.message).toMatch(message);
  });

  it('with skipBadRows, lists the bad rows and keeps the good ones', () => {
    const rows = ['01/15/2024 00:00:13,N,HB_HUBAVG,20', '01/15/2024 00:05:14,N,HB_HUBAVG,abc', '01/15/2024 00:10:12,N,HB_HUBAVG,22'];
    const r = parseErcotScedLmpCsv(csv(HEADER, rows), { skipBadRows: true });
    expect(r.rows).toBe(3);
    expect(r.points.map((p) => p.lmpUsdPerMwh)).toEqual([20, 22]);
    expect(r.rejects).toEqual([{ line: 3, field: 'LMP', message: 'not a number' }]);
  });

  it('rejects a wrong header as a file error on line 1', () => {
    const text = csv('SCEDTimestamp,SettlementPoint,LMP', ['01/15/2024 00:05:14,HB_HUBAVG,21']);
    const err = thrown(() => parseErcotScedLmpCsv(text, { skipBadRows: true }));
    expect(err.message).toMatch(/^ERCOT SCED LMP CSV, line 1: wrong header: missing column RepeatedHourFlag/);
  });

  it('keeps only the settlement points asked for, counting the rest as left out', () => {
    const rows = ['01/15/2024 00:05:14,N,HB_HUBAVG,21', '01/15/2024 00:05:14,N,LZ_WEST,25', '01/15/2024 00:05:14,N,SOME_UNIT_RN,19'];
    const r = parseErcotScedLmpCsv(csv(HEADER, rows), { settlementPoints: ['HB_HUBAVG'] });
    expect([r.points.map((p) => p.node), r.leftOut, r.rejects]).toEqual([['HB_HUBAVG'], 2, []]);
  });

  it('drops a repeated run and rejects the same run with a different LMP', () => {
    const same = parseErcotScedLmpCsv(csv(HEADER, ['01/15/2024 00:05:14,N,HB_HUBAVG,21', '01/15/2024 00:05:14,N,HB_HUBAVG,21.0']));
    expect([same.points.length, same.duplicates]).toEqual([1, 1]);
    expect(() => parseErcotScedLmpCsv(csv(HEADER, ['01/15/2024 00:05:14,N,HB_HUBAVG,21', '01/15/2024 00:05:14,N,HB_HUBAVG,22']))).toThrow(
      /line 3: LMP: duplicate interval 2024-01-15T06:05:14.000Z for HB_HUBAVG with a different value \(22 here, 21 on line 2\)/,
    );
  });

  it('reports missing runs between the first and last, not around a single run', () => {
    const one = parseErcotScedLmpCsv(csv(HEADER, ['01/15/2024 10:05:14,N,HB_HUBAVG,21']));
    expect(one.gaps).toEqual([]);
    // 00:05:14, 00:10:12 (on cadence), then nothing until 00:25:13: two runs missing.
    const rows = ['01/15/2024 00:05:14,N,HB_HUBAVG,21', '01/15/2024 00:10:12,N,HB_HUBAVG,22', '01/15/2024 00:25:13,N,HB_HUBAVG,23'];
    const r = parseErcotScedLmpCsv(csv(HEADER, rows));
    expect(r.gaps).toEqual([
      { series: 'ERCOT HB_HUBAVG LMP', fromMs: utc('2024-01-15T06:15:12Z'), toMs: utc('2024-01-15T06:25:13Z'), missingIntervals: 2 },
    ]);
  });
});

describe('parseErcotScedLmpPages', () => {
  it('reads the API layout across pages, the repeated hour by repeatHourFlag', () => {
    const pages = [
      page([['2024-11-03T01:30:12', false, 'HB_HUBAVG', 18.5]], 1, 2),
      page([['2024-11-03T01:30:14', true, 'HB_HUBAVG', 17.25]], 2, 2),
    ];
    const r = parseErcotScedLmpPages(pages);
    expect(r.points).toEqual([
      { market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: utc('2024-11-03T06:30:12Z'), lmpUsdPerMwh: 18.5 },
      { market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: utc('2024-11-03T07:30:14Z'), lmpUsdPerMwh: 17.25 },
    ]);
    expect(r.rows).toBe(2);
  });

  it('reads the spring-forward day and rejects a time in its missing hour by row number', () => {
    const pages = [
      page([
        ['2024-03-10T01:55:14', false, 'HB_WEST', 30],
        ['2024-03-10T03:00:13', false, 'HB_WEST', 31],
      ]),
      page([['2024-03-10T02:30:00', false, 'HB_WEST', 1]]),
    ];
    expect(() => parseErcotScedLmpPages(pages)).toThrow(
      'ERCOT API np6-788-cd, row 3: SCEDTimestamp: hour-ending 3 does not exist on 2024-03-10',
    );
    const r = parseErcotScedLmpPages(pages, { skipBadRows: true });
    expect(r.points.map((p) => isoOf(p.scedTimestampMs))).toEqual(['2024-03-10T07:55:14.000Z', '2024-03-10T08:00:13.000Z']);
    expect(r.rejects.map((x) => [x.line, x.field])).toEqual([[3, 'SCEDTimestamp']]);
  });

  it.each([
    ['an LMP sent as text', ['2024-01-15T00:05:14', false, 'HB_HUBAVG', '21.5'], 'LMP', 'not a number'],
    ['a non-boolean flag', ['2024-01-15T00:05:14', 'maybe', 'HB_HUBAVG', 21.5], 'repeatHourFlag', 'must be a boolean (got "maybe")'],
    [
      'a timestamp with an offset',
      ['2024-01-15T00:05:14-06:00', false, 'HB_HUBAVG', 21.5],
      'SCEDTimestamp',
      expect.stringMatching(/^must be a local time/),
    ],
  ])('rejects %s, naming the row and field', (_name, row, field, message) => {
    const err = thrown(() => parseErcotScedLmpPages([page([['2024-01-15T00:00:13', false, 'HB_HUBAVG', 20], row])]));
    expect(err.message).toMatch(/^ERCOT API np6-788-cd, row 2: /);
    expect(err.issues).toEqual([{ path: field, message }]);
  });

  it('accepts the MIS-style field names too (normalised onto the same fields)', () => {
    const fields = ['SCEDTimestamp', 'RepeatedHourFlag', 'SettlementPoint', 'LMP'].map((name) => ({ name }));
    const body = { ...page([['01/15/2024 00:05:14', 'N', 'HB_HUBAVG', 21]]), fields };
    expect(parseErcotScedLmpPages([body]).points.map((p) => p.scedTimestampMs)).toEqual([utc('2024-01-15T06:05:14Z')]);
  });

  it('rejects a body that is not a report page, or lacks a field, naming the page', () => {
    expect(() => parseErcotScedLmpPages([page([]), { message: 'Rate limit is exceeded' }])).toThrow(/^ERCOT API np6-788-cd, page 2: /);
    const noFlag = { ...page([]), fields: FIELDS.filter((f) => f.name !== 'repeatHourFlag') };
    expect(() => parseErcotScedLmpPages([noFlag])).toThrow(
      'ERCOT API np6-788-cd, page 1: fields: lack repeatHourFlag (got SCEDTimestamp, settlementPoint, LMP)',
    );
  });
});
