/**
 * ERCOT's Fuel Mix Report workbook (`IntGenbyFuel<year>.xlsx`) as ERCOT publishes it: one sheet per
 * month (`Jan`..`Dec`; the `Disclaimer`, `Summary` and `data_Summary_*` sheets are not data), a
 * header row `Date, Fuel, Settlement Type, Total`, then one column per quarter hour labelled by its
 * interval **ending** wall-clock time (`0:15` .. `23:45`, `0:00` for midnight). The fall-back month
 * carries four more columns for the repeated hour, `01:15 (DST)` .. `02:00 (DST)`, filled only on the
 * fall-back day; on the spring-forward day the cells ending `2:15` .. `3:00` are empty. Values are MWh
 * generated in the quarter hour (WSL, wholesale storage load, is negative).
 *
 * Each cell becomes a point per fuel and UTC quarter-hour start, with the row's settlement type
 * (INITIAL or FINAL: a year's last months are published INITIAL and later replaced). Local times
 * go through cpt.ts, the one conversion every ERCOT feed uses. A bad cell is an error naming the
 * sheet, row and column; the `Total` column is checked against the row's cells, so a shifted or
 * truncated row cannot pass unnoticed.
 *
 * The workbook is streamed (exceljs' WorkbookReader): a year is ~3 MB zipped but ~350k cells, and
 * loading it whole costs several times the memory for the style and formula model we never read.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { ValidationError } from '#domain/errors.ts';
import { DAY_MS, iso, MINUTE_MS } from '#domain/time.ts';
import type { FeedGap, FeedParseOptions, FeedReject } from '#ports/feeds.ts';
import { type CptDay, cptDay, hourEndingStartUtc } from './cpt.ts';
import { findGaps } from './csv.ts';
import { ERCOT } from './ercot-rows.ts';

/** The fuels of the report, as its `Fuel` column spells them. */
export const ERCOT_FUEL_MIX_FUELS = ['Biomass', 'Coal', 'Gas', 'Gas-CC', 'Hydro', 'Nuclear', 'Other', 'Solar', 'Wind', 'WSL'] as const;
export type ErcotFuel = (typeof ERCOT_FUEL_MIX_FUELS)[number];

/** ERCOT settlement runs: INITIAL is replaced by FINAL (and, for disputed days, TRUEUP) months later. */
export const SETTLEMENT_TYPES = ['INITIAL', 'FINAL', 'TRUEUP'] as const;
export type SettlementType = (typeof SETTLEMENT_TYPES)[number];

export interface FuelGenerationPoint {
  market: string;
  fuel: ErcotFuel;
  intervalStartMs: number;
  intervalMinutes: 15;
  /** MWh generated in the quarter hour; negative for WSL (storage charging). */
  mwh: number;
  settlementType: SettlementType;
}

/** A rejected row: `line` is the sheet's 1-based row, `field` the cell (`F12 (0:15)`). */
export interface WorkbookReject extends FeedReject {
  sheet: string;
}

export interface FuelMixParseResult {
  /** Ascending by interval start, then by fuel in report order. */
  points: FuelGenerationPoint[];
  rejects: WorkbookReject[];
  /** Missing quarter hours per fuel (series `ERCOT <fuel> GEN`) between the first and last present. */
  gaps: FeedGap[];
  /** Day-fuel data rows read over all month sheets. */
  rows: number;
  /** Rows that repeated an earlier (fuel, interval) with the same value and settlement type. */
  duplicates: number;
  /** The month sheets read, in workbook order. */
  sheets: string[];
}

const WHAT = 'ERCOT fuel mix workbook';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FIXED_COLUMNS = ['Date', 'Fuel', 'Settlement Type', 'Total'] as const;
const QUARTER_MS = 15 * MINUTE_MS;
/** The Total column is a sum of rounded cells; allow for that, nothing more. */
const TOTAL_TOLERANCE_MWH = 0.01;
/** Day serial of 1970-01-01 in Excel's 1900 date system. */
const EXCEL_EPOCH_SERIAL = 25_569;

/** `A`, `B`, …, `Z`, `AA`, …: the spreadsheet name of a 1-based column. */
export function columnLetter(col: number): string {
  let s = '';
  for (let n = col; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

class WorkbookRejects {
  readonly list: WorkbookReject[] = [];
  constructor(readonly skipBadRows: boolean) {}

  /** `fatal`: a problem with the sheet itself (its header), thrown even when skipping bad rows. */
  reject(sheet: string, row: number, col: number | undefined, label: string | undefined, message: string, fatal = false): void {
    const field = col === undefined ? undefined : `${columnLetter(col)}${row}${label ? ` (${label})` : ''}`;
    if (fatal || !this.skipBadRows) {
      throw new ValidationError(`${WHAT}, sheet ${sheet}, row ${row}`, [{ path: field === undefined ? '' : `column ${field}`, message }]);
    }
    this.list.push({ sheet, line: row, field, message });
  }
}

/** A quarter-hour column: where its interval starts, as the hour-ending label MIS conversion takes. */
interface QuarterColumn {
  col: number;
  label: string;
  hourEnding: number;
  minuteInHour: number;
  repeated: boolean;
}

/** `0:15` → starts 0:00 (hour-ending 1); `0:00` → starts 23:45 (hour-ending 24); `01:15 (DST)` → repeated 1:00. */
function quarterColumn(col: number, label: string): QuarterColumn | string {
  const m = /^(\d{1,2}):(\d{2})( \(DST\))?$/.exec(label);
  if (!m) return `expected an interval-ending time such as 0:15 or 01:15 (DST), got "${label}"`;
  const endMinute = Number(m[1]) * 60 + Number(m[2]);
  const end = endMinute === 0 ? 24 * 60 : endMinute;
  if (end % 15 !== 0 || end > 24 * 60) return `"${label}" does not end a quarter hour of the day`;
  const start = end - 15;
  return { col, label, hourEnding: Math.floor(start / 60) + 1, minuteInHour: start % 60, repeated: m[3] !== undefined };
}

type Cell = ExcelJS.CellValue;

/** A cell's plain value: formula results and rich text flattened, errors kept as their text. */
function plain(v: Cell): string | number | boolean | Date | null {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'object' || v instanceof Date) return v;
  if ('result' in v) return plain(v.result as Cell);
  if ('richText' in v) return v.richText.map((r) => r.text).join('');
  if ('error' in v) return v.error;
  if ('text' in v) return String(v.text);
  return null;
}

const isBlank = (v: ReturnType<typeof plain>) => v === null || (typeof v === 'string' && v.trim() === '');

/** The local calendar date of a `Date` cell: a Date (styles read), an Excel serial (styles skipped) or text. */
function localDay(v: ReturnType<typeof plain>): CptDay | null {
  let ms: number;
  if (v instanceof Date) ms = v.getTime();
  else if (typeof v === 'number') ms = (v - EXCEL_EPOCH_SERIAL) * DAY_MS;
  else if (typeof v === 'string') {
    const t = v.trim();
    const mdy = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(t);
    const ymd = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t);
    if (mdy) return cptDay(Number(mdy[3]), Number(mdy[1]), Number(mdy[2]));
    if (ymd) return cptDay(Number(ymd[1]), Number(ymd[2]), Number(ymd[3]));
    return null;
  } else return null;
  if (!Number.isFinite(ms) || ms % DAY_MS !== 0) return null;
  const d = new Date(ms);
  return cptDay(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

const FUELS = new Set<string>(ERCOT_FUEL_MIX_FUELS);
const TYPES = new Set<string>(SETTLEMENT_TYPES);

interface Stored {
  mwh: number;
  settlementType: SettlementType;
  sheet: string;
  row: number;
}

/** Every point read, per fuel and interval start; a repeat is dropped or, when it differs, rejected. */
class Collector {
  readonly byFuel = new Map<ErcotFuel, Map<number, Stored>>();
  duplicates = 0;
  constructor(private readonly rejects: WorkbookRejects) {}

  /** Returns false when the row must be rejected (the reject has been recorded or thrown). */
  check(fuel: ErcotFuel, startMs: number, mwh: number, type: SettlementType, sheet: string, row: number, q: QuarterColumn): boolean {
    const prev = this.byFuel.get(fuel)?.get(startMs);
    if (prev === undefined) return true;
    if (prev.mwh === mwh && prev.settlementType === type) return true;
    this.rejects.reject(
      sheet,
      row,
      q.col,
      q.label,
      `${fuel} at ${iso(startMs)} was already read from sheet ${prev.sheet}, row ${prev.row} with a different value ` +
        `(${mwh} ${type} here, ${prev.mwh} ${prev.settlementType} there)`,
    );
    return false;
  }

  add(fuel: ErcotFuel, startMs: number, mwh: number, type: SettlementType, sheet: string, row: number): void {
    let m = this.byFuel.get(fuel);
    if (!m) this.byFuel.set(fuel, (m = new Map()));
    if (m.has(startMs)) this.duplicates++;
    else m.set(startMs, { mwh, settlementType: type, sheet, row });
  }
}

/** The header of a month sheet: the four fixed columns, then quarter-hour columns. */
function readHeader(sheet: string, values: Cell[], rejects: WorkbookRejects): QuarterColumn[] {
  FIXED_COLUMNS.forEach((name, i) => {
    const got = plain(values[i + 1]);
    if (String(got ?? '').trim() !== name) {
      const shown = got === null ? 'an empty cell' : `"${String(got)}"`;
      rejects.reject(sheet, 1, i + 1, undefined, `expected header "${name}", got ${shown}`, true);
    }
  });
  const quarters: QuarterColumn[] = [];
  const seen = new Map<string, number>();
  for (let col = FIXED_COLUMNS.length + 1; col < values.length; col++) {
    const v = plain(values[col]);
    if (isBlank(v)) continue;
    const label = String(v).trim();
    const q = quarterColumn(col, label);
    const fail = (message: string) => rejects.reject(sheet, 1, col, undefined, message, true);
    if (typeof q === 'string') fail(q);
    else {
      const key = `${q.hourEnding}:${q.minuteInHour}:${q.repeated}`;
      const twin = seen.get(key);
      if (twin !== undefined) fail(`"${label}" repeats column ${columnLetter(twin)}`);
      seen.set(key, col);
      quarters.push(q);
    }
  }
  const plainCount = quarters.filter((q) => !q.repeated).length;
  if (plainCount !== 96) {
    rejects.reject(sheet, 1, undefined, undefined, `expected 96 quarter-hour columns (0:15 .. 0:00), found ${plainCount}`, true);
  }
  return quarters;
}

/** One day-fuel row: its points, or null when it was rejected. */
function readRow(
  sheet: string,
  month: number,
  row: number,
  values: Cell[],
  quarters: readonly QuarterColumn[],
  rejects: WorkbookRejects,
  collector: Collector,
  days: Map<unknown, CptDay | null>,
): { fuel: ErcotFuel; type: SettlementType; cells: { startMs: number; mwh: number }[] } | null {
  const bad = (col: number, label: string, message: string) => {
    rejects.reject(sheet, row, col, label, message);
    return null;
  };
  const dateCell = plain(values[1]);
  const dayKey = dateCell instanceof Date ? dateCell.getTime() : dateCell;
  let day = days.get(dayKey);
  if (day === undefined) days.set(dayKey, (day = localDay(dateCell)));
  if (!day) return bad(1, 'Date', `not a calendar date: ${JSON.stringify(dateCell)}`);
  if (Number(day.date.slice(5, 7)) !== month) {
    return bad(1, 'Date', `${day.date} is not in ${sheet}, the month of this sheet`);
  }
  const fuel = String(plain(values[2]) ?? '').trim();
  if (!FUELS.has(fuel)) return bad(2, 'Fuel', `unknown fuel "${fuel}" (known: ${ERCOT_FUEL_MIX_FUELS.join(', ')})`);
  const type = String(plain(values[3]) ?? '').trim();
  if (!TYPES.has(type)) {
    return bad(3, 'Settlement Type', `expected one of ${SETTLEMENT_TYPES.join(', ')}, got "${type}"`);
  }
  const total = plain(values[4]);
  if (typeof total !== 'number' || !Number.isFinite(total)) return bad(4, 'Total', 'not a number');

  const cells: { startMs: number; mwh: number }[] = [];
  let sum = 0;
  for (const q of quarters) {
    const v = plain(values[q.col]);
    const start = hourEndingStartUtc(day, q.hourEnding, q.minuteInHour, q.repeated, 'MIS');
    if (typeof start === 'string') {
      // An interval that does not exist on this day (the skipped spring hour, the DST columns on other days) must be empty.
      if (!isBlank(v)) return bad(q.col, q.label, `a value for an interval that does not exist: ${start}`);
      continue;
    }
    if (isBlank(v)) return bad(q.col, q.label, `empty cell for ${iso(start)}`);
    if (typeof v !== 'number' || !Number.isFinite(v)) return bad(q.col, q.label, `not a number: ${JSON.stringify(v)}`);
    if (!collector.check(fuel as ErcotFuel, start, v, type as SettlementType, sheet, row, q)) return null;
    cells.push({ startMs: start, mwh: v });
    sum += v;
  }
  if (Math.abs(sum - total) > TOTAL_TOLERANCE_MWH + 1e-9 * Math.abs(total)) {
    return bad(4, 'Total', `${total} differs from the sum of the row's quarter hours, ${Number(sum.toFixed(6))}`);
  }
  return { fuel: fuel as ErcotFuel, type: type as SettlementType, cells };
}

export type WorkbookInput = Uint8Array | Readable;

/**
 * Parses a Fuel Mix Report workbook. Throws a ValidationError naming sheet, row and column for the
 * first bad row unless `skipBadRows`; a bad header or a workbook without month sheets always throws.
 */
export async function parseErcotFuelMixWorkbook(input: WorkbookInput, opts: FeedParseOptions = {}): Promise<FuelMixParseResult> {
  const rejects = new WorkbookRejects(opts.skipBadRows ?? false);
  const collector = new Collector(rejects);
  const days = new Map<unknown, CptDay | null>();
  const stream = input instanceof Readable ? input : Readable.from([Buffer.from(input.buffer, input.byteOffset, input.byteLength)]);
  // Styles are skipped (dates then arrive as serials, handled in localDay); shared strings are needed for the labels.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
    sharedStrings: 'cache',
    styles: 'ignore',
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'emit',
  });
  const sheets: string[] = [];
  let rows = 0;
  try {
    for await (const ws of reader) {
      const sheet = (ws as unknown as { name: string }).name;
      const month = MONTHS.indexOf(sheet) + 1;
      if (month === 0) {
        for await (const _row of ws) void _row; // drained: a streamed sheet cannot be skipped
        continue;
      }
      sheets.push(sheet);
      let quarters: QuarterColumn[] | null = null;
      for await (const r of ws) {
        const values = r.values as Cell[];
        if (r.number === 1) {
          quarters = readHeader(sheet, values, rejects);
          continue;
        }
        if (!quarters) throw new ValidationError(`${WHAT}, sheet ${sheet}, row 1`, [{ path: '', message: 'the header row is missing' }]);
        if (values.every((v) => isBlank(plain(v)))) continue;
        rows++;
        const got = readRow(sheet, month, r.number, values, quarters, rejects, collector, days);
        if (got) for (const c of got.cells) collector.add(got.fuel, c.startMs, c.mwh, got.type, sheet, r.number);
      }
      if (!quarters) throw new ValidationError(`${WHAT}, sheet ${sheet}, row 1`, [{ path: '', message: 'the sheet is empty' }]);
    }
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    throw new ValidationError(WHAT, [{ path: '', message: `not a readable .xlsx workbook: ${(err as Error).message}` }]);
  }
  if (sheets.length === 0) {
    throw new ValidationError(WHAT, [{ path: '', message: `no month sheets (${MONTHS.join(', ')}) in the workbook` }]);
  }
  return { ...assemble(collector), rejects: rejects.list, rows, sheets };
}

/** Reads a workbook file, streaming it from disk. */
export function readErcotFuelMixWorkbook(path: string, opts: FeedParseOptions = {}): Promise<FuelMixParseResult> {
  return parseErcotFuelMixWorkbook(createReadStream(path), opts);
}

function assemble(collector: Collector): Pick<FuelMixParseResult, 'points' | 'gaps' | 'duplicates'> {
  const points: FuelGenerationPoint[] = [];
  const gaps: FeedGap[] = [];
  for (const fuel of ERCOT_FUEL_MIX_FUELS) {
    const m = collector.byFuel.get(fuel);
    if (!m) continue;
    const starts = [...m.keys()].sort((a, b) => a - b);
    gaps.push(...findGaps(`${ERCOT} ${fuel} GEN`, starts, QUARTER_MS));
    for (const startMs of starts) {
      const s = m.get(startMs)!;
      points.push({ market: ERCOT, fuel, intervalStartMs: startMs, intervalMinutes: 15, mwh: s.mwh, settlementType: s.settlementType });
    }
  }
  const order = new Map(ERCOT_FUEL_MIX_FUELS.map((f, i) => [f, i]));
  points.sort((a, b) => a.intervalStartMs - b.intervalStartMs || order.get(a.fuel)! - order.get(b.fuel)!);
  return { points, gaps, duplicates: collector.duplicates };
}
