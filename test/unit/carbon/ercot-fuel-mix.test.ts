import { describe, expect, it } from 'vitest';
import { columnLetter, parseErcotFuelMixWorkbook } from '#adapters/feeds/ercot-fuel-mix.ts';
import { ValidationError } from '#domain/errors.ts';
import { type Cell, cellsOf, dayRow, header, SPRING_GAP, workbook } from './workbook.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const W = 'ERCOT fuel mix workbook';
const parse = async (sheets: Record<string, Cell[][]>, skipBadRows = false) =>
  parseErcotFuelMixWorkbook(await workbook(sheets), { skipBadRows });
const errorOf = async (sheets: Record<string, Cell[][]>) => {
  const err = await parse(sheets).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return (err as ValidationError).message;
};

describe('parseErcotFuelMixWorkbook: layout and time', () => {
  it('reads each quarter-hour column as the interval it ends, in UTC', async () => {
    const r = await parse({ Jan: [header(), dayRow({ date: '2023-01-01', fuel: 'Wind', cells: cellsOf((i) => i + 1) })] });
    expect(r.points).toHaveLength(96);
    // 0:15 ends the interval that starts at local midnight (06:00 UTC in January); 0:00 ends the day's last.
    expect([iso(r.points[0]!.intervalStartMs), r.points[0]!.mwh]).toEqual(['2023-01-01T06:00:00.000Z', 1]);
    expect([iso(r.points[95]!.intervalStartMs), r.points[95]!.mwh]).toEqual(['2023-01-02T05:45:00.000Z', 96]);
    expect(r.points[0]).toMatchObject({ market: 'ERCOT', fuel: 'Wind', intervalMinutes: 15, settlementType: 'FINAL' });
    expect([r.rows, r.rejects, r.gaps, r.duplicates, r.sheets]).toEqual([1, [], [], 0, ['Jan']]);
  });

  it('leaves out the skipped hour of the spring-forward day: 92 quarter hours', async () => {
    const cells = cellsOf((i) => (SPRING_GAP.includes(i) ? null : i));
    const r = await parse({ Mar: [header(), dayRow({ date: '2023-03-12', fuel: 'Coal', cells })] });
    expect(r.points).toHaveLength(92);
    // 1:45 CST (07:45 UTC) is followed directly by 3:00 CDT (08:00 UTC), the column ending 3:15.
    const at = r.points.findIndex((p) => p.mwh === 7);
    expect([iso(r.points[at]!.intervalStartMs), iso(r.points[at + 1]!.intervalStartMs), r.points[at + 1]!.mwh]).toEqual([
      '2023-03-12T07:45:00.000Z',
      '2023-03-12T08:00:00.000Z',
      12,
    ]);
    expect(r.gaps).toEqual([]);
  });

  it('places the (DST) columns of the fall-back day in the repeated, standard-time hour: 100 quarter hours', async () => {
    const cells = cellsOf((i) => i, 100);
    const r = await parse({
      Nov: [
        header(true),
        dayRow({ date: '2023-11-04', fuel: 'Gas', cells: [...cellsOf(() => 1), null, null, null, null] }),
        dayRow({ date: '2023-11-05', fuel: 'Gas', cells }),
      ],
    });
    const fallBack = r.points.filter((p) => p.intervalStartMs >= Date.parse('2023-11-05T05:00:00Z'));
    expect(fallBack).toHaveLength(100);
    const startOf = (mwh: number) => iso(fallBack.find((p) => p.mwh === mwh)!.intervalStartMs);
    // 1:00 CDT is 06:00 UTC (column ending 1:15); the repeated 1:00 CST is 07:00 UTC (column ending 01:15 (DST)).
    expect([startOf(4), startOf(96), startOf(99), startOf(8)]).toEqual([
      '2023-11-05T06:00:00.000Z',
      '2023-11-05T07:00:00.000Z',
      '2023-11-05T07:45:00.000Z',
      '2023-11-05T08:00:00.000Z',
    ]);
    expect(r.gaps).toEqual([]);
    expect(r.points.filter((p) => p.intervalStartMs < Date.parse('2023-11-05T05:00:00Z'))).toHaveLength(96);
  });

  it('keeps each row’s settlement type: INITIAL and FINAL side by side', async () => {
    const r = await parse({
      Oct: [header(), dayRow({ date: '2024-10-31', fuel: 'Solar', type: 'FINAL', cells: cellsOf(() => 2) })],
      Nov: [
        header(true),
        dayRow({ date: '2024-11-01', fuel: 'Solar', type: 'INITIAL', cells: [...cellsOf(() => 3), null, null, null, null] }),
      ],
    });
    const types = new Map(r.points.map((p) => [p.mwh, p.settlementType]));
    expect(types).toEqual(
      new Map([
        [2, 'FINAL'],
        [3, 'INITIAL'],
      ]),
    );
    expect(r.sheets).toEqual(['Oct', 'Nov']);
  });

  it('sorts by interval then fuel in report order, and ignores the non-month sheets', async () => {
    const r = await parse({
      Disclaimer: [['This report is provided for informational purposes']],
      Jan: [
        header(),
        dayRow({ date: '2023-01-01', fuel: 'Wind', cells: cellsOf(() => 5) }),
        dayRow({ date: '2023-01-01', fuel: 'Coal', cells: cellsOf(() => 6) }),
      ],
      Summary: [
        ['Fuel', 'Share'],
        ['Wind', 0.2],
      ],
    });
    expect(r.points.slice(0, 2).map((p) => p.fuel)).toEqual(['Coal', 'Wind']);
    expect([r.rows, r.sheets]).toEqual([2, ['Jan']]);
  });

  it('reports missing days as gaps per fuel', async () => {
    const r = await parse({
      Jan: [header(), ...['2023-01-01', '2023-01-03'].map((date) => dayRow({ date, fuel: 'Hydro', cells: cellsOf(() => 1) }))],
    });
    expect(r.gaps).toEqual([
      {
        series: 'ERCOT Hydro GEN',
        fromMs: Date.parse('2023-01-02T06:00:00Z'),
        toMs: Date.parse('2023-01-03T06:00:00Z'),
        missingIntervals: 96,
      },
    ]);
  });

  it('counts an exact repeat of a row as a duplicate', async () => {
    const row = dayRow({ date: '2023-01-01', fuel: 'Nuclear', cells: cellsOf(() => 1_000) });
    const r = await parse({ Jan: [header(), row, row] });
    expect([r.points.length, r.duplicates]).toEqual([96, 96]);
  });

  it('reads dates written as text (MM/DD/YYYY) as well as date cells', async () => {
    const r = await parse({ Jan: [header(), dayRow({ date: '01/02/2023', fuel: 'Other', cells: cellsOf(() => 1) })] });
    expect(iso(r.points[0]!.intervalStartMs)).toBe('2023-01-02T06:00:00.000Z');
  });
});

describe('parseErcotFuelMixWorkbook: bad workbooks name sheet, row and column', () => {
  const ok = (fuel = 'Wind') => dayRow({ date: '2023-01-01', fuel, cells: cellsOf(() => 1) });

  it('a cell that is not a number', async () => {
    const cells = cellsOf(() => 1);
    cells[1] = 'n/a';
    const msg = await errorOf({ Jan: [header(), ok(), dayRow({ date: '2023-01-01', fuel: 'Coal', cells, total: 95 })] });
    expect(msg).toBe('ERCOT fuel mix workbook, sheet Jan, row 3: column F3 (0:30): not a number: "n/a"');
  });

  it('an empty cell in an interval that exists', async () => {
    const cells = cellsOf((i) => (i === 50 ? null : 1));
    const msg = await errorOf({ Feb: [header(), dayRow({ date: '2023-02-01', fuel: 'Coal', cells })] });
    expect(msg).toBe(`${W}, sheet Feb, row 2: column ${columnLetter(55)}2 (12:45): empty cell for 2023-02-01T18:30:00.000Z`);
  });

  it('a value in the hour the spring-forward day skips', async () => {
    const msg = await errorOf({ Mar: [header(), dayRow({ date: '2023-03-12', fuel: 'Coal', cells: cellsOf(() => 1) })] });
    expect(msg).toMatch(/^ERCOT fuel mix workbook, sheet Mar, row 2: column M2 \(2:15\): a value for an interval that does not exist: /);
    expect(msg).toContain('hour-ending 3 does not exist on 2023-03-12');
  });

  it('a value in a (DST) column on a day that is not the fall-back day', async () => {
    const msg = await errorOf({ Nov: [header(true), dayRow({ date: '2023-11-06', fuel: 'Coal', cells: cellsOf(() => 1, 100) })] });
    expect(msg).toMatch(/^ERCOT fuel mix workbook, sheet Nov, row 2: column CW2 \(01:15 \(DST\)\): a value for an interval that does not/);
  });

  it('a Total that is not the sum of the row (a shifted or cut row)', async () => {
    const msg = await errorOf({ Jan: [header(), dayRow({ date: '2023-01-01', fuel: 'Gas', cells: cellsOf(() => 1), total: 97 })] });
    expect(msg).toBe(`${W}, sheet Jan, row 2: column D2 (Total): 97 differs from the sum of the row's quarter hours, 96`);
  });

  it.each([
    ['a date outside the sheet’s month', { date: '2023-02-01', fuel: 'Gas' }, 'A2 (Date): 2023-02-01 is not in Jan, the month'],
    ['a date that does not exist', { date: '01/32/2023', fuel: 'Gas' }, 'A2 (Date): not a calendar date: "01/32/2023"'],
    ['an unknown fuel', { date: '2023-01-01', fuel: 'Fusion' }, 'B2 (Fuel): unknown fuel "Fusion"'],
    ['an unknown settlement type', { date: '2023-01-01', fuel: 'Gas', type: 'PROVISIONAL' }, 'C2 (Settlement Type): expected one of'],
  ])('%s', async (_name, row, expected) => {
    const msg = await errorOf({ Jan: [header(), dayRow({ ...row, cells: cellsOf(() => 1) })] });
    const prefix = `ERCOT fuel mix workbook, sheet Jan, row 2: column ${expected}`;
    expect(msg.slice(0, prefix.length)).toBe(prefix);
  });

  it('a wrong header cell, even when skipping bad rows', async () => {
    const h = header();
    h[2] = 'Type';
    const expected = `${W}, sheet Jan, row 1: column C1: expected header "Settlement Type", got "Type"`;
    await expect(parse({ Jan: [h, ok()] }, true)).rejects.toThrow(expected);
  });

  it('a quarter-hour label that is not an interval end', async () => {
    const h = header();
    h[10] = '2:20';
    expect(await errorOf({ Jan: [h, ok()] })).toBe(`${W}, sheet Jan, row 1: column K1: "2:20" does not end a quarter hour of the day`);
  });

  it('a month sheet with a quarter-hour column missing', async () => {
    expect(await errorOf({ Jan: [header().slice(0, -1), ok()] })).toBe(
      'ERCOT fuel mix workbook, sheet Jan, row 1: expected 96 quarter-hour columns (0:15 .. 0:00), found 95',
    );
  });

  it('the same interval twice with different values, naming the first row', async () => {
    const msg = await errorOf({ Jan: [header(), ok(), dayRow({ date: '2023-01-01', fuel: 'Wind', cells: cellsOf(() => 2) })] });
    expect(msg).toBe(
      'ERCOT fuel mix workbook, sheet Jan, row 3: column E3 (0:15): Wind at 2023-01-01T06:00:00.000Z was already read from sheet Jan, ' +
        'row 2 with a different value (2 FINAL here, 1 FINAL there)',
    );
  });

  it('bytes that are not an xlsx workbook', async () => {
    const csv = new TextEncoder().encode('Date,Fuel\n');
    await expect(parseErcotFuelMixWorkbook(csv)).rejects.toThrow(/^ERCOT fuel mix workbook: not a readable \.xlsx workbook/);
  });

  it('a workbook without month sheets', async () => {
    await expect(parse({ Summary: [['Fuel']] })).rejects.toThrow('ERCOT fuel mix workbook: no month sheets (Jan, Feb');
  });

  it('with skipBadRows, keeps the good rows and lists the bad ones with their sheet', async () => {
    const cells = cellsOf(() => 1);
    cells[0] = 'x';
    const bad = dayRow({ date: '2023-01-01', fuel: 'Coal', cells, total: 95 });
    const r = await parse({ Jan: [header(), ok('Wind'), bad, ok('Solar')] }, true);
    expect(new Set(r.points.map((p) => p.fuel))).toEqual(new Set(['Wind', 'Solar']));
    expect(r.rejects).toEqual([{ sheet: 'Jan', line: 3, field: 'E3 (0:15)', message: 'not a number: "x"' }]);
    expect(r.rows).toBe(3);
  });
});

describe('columnLetter', () => {
  it.each([
    [1, 'A'],
    [26, 'Z'],
    [27, 'AA'],
    [100, 'CV'],
    [104, 'CZ'],
  ])('%i is %s', (col, letter) => expect(columnLetter(col)).toBe(letter));
});
