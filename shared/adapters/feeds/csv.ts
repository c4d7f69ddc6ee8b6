/**
 * The small CSV toolkit the feed parsers share: header checks, strict numbers, rejects that name
 * the line and field, and a series collector that drops exact duplicates, rejects conflicting
 * ones and reports gaps.
 */
import { ValidationError } from '#domain/errors.ts';
import { iso } from '#domain/time.ts';
import type { FeedGap, FeedReject } from '#ports/feeds.ts';

/** Collects rejected rows, or throws on the first one when bad rows are not to be skipped. */
export class Rejects {
  readonly list: FeedReject[] = [];

  constructor(
    /** What is being read, e.g. `ERCOT RTM CSV`: the start of every error message. */
    readonly what: string,
    readonly skipBadRows: boolean,
    /** What `line` counts: file lines, API rows, JSON events. */
    readonly unit: 'line' | 'row' | 'event' = 'line',
  ) {}

  reject(line: number, field: string | undefined, message: string): void {
    if (!this.skipBadRows) throw rowError(this.what, line, field, message, this.unit);
    this.list.push({ line, field, message });
  }

  sorted(): FeedReject[] {
    return this.list.sort((a, b) => a.line - b.line);
  }
}

/** A ValidationError whose message reads `<what>, line <n>: <field>: <message>`. */
export function rowError(what: string, line: number, field: string | undefined, message: string, unit = 'line'): ValidationError {
  return new ValidationError(`${what}, ${unit} ${line}`, [{ path: field ?? '', message }]);
}

/** A file-level problem (wrong header, no rows): always thrown, even when skipping bad rows. */
export function fileError(what: string, line: number, message: string): ValidationError {
  return new ValidationError(`${what}, line ${line}`, [{ path: '', message }]);
}

/** Prices beyond this magnitude are a unit error or a corrupted row in any market (the ERCOT cap is $5,000). */
export const MAX_ABS_PRICE_USD_PER_MWH = 100_000;

/** The sanity check every price parser applies: null when plausible, otherwise why not. */
export function checkPrice(v: number): string | null {
  return Math.abs(v) > MAX_ABS_PRICE_USD_PER_MWH ? `${v} $/MWh is beyond any market's price limits` : null;
}

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** A strict decimal: no empty string, no `0x`, no `Infinity` (Number() accepts all of those). */
export function parseDecimal(text: string): number {
  return DECIMAL.test(text) ? Number(text) : Number.NaN;
}

/** Splits one CSV line; quotes are handled (the fast path is a plain split). */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export interface CsvTable<C extends string> {
  /** Column index by name, for the required columns. */
  col: Record<C, number>;
  /** Every header name in order. */
  header: string[];
  /** The header's 1-based line number (blank lines may precede it). */
  headerLine: number;
  /** Data lines with their 1-based line numbers; blank lines are left out. */
  lines: { line: number; text: string }[];
  /** True when the text did not end with a newline (the last row may be cut off). */
  unterminated: boolean;
}

/**
 * Splits a CSV text into lines and checks that the header names every required column
 * (in any order; other columns are allowed). A missing column is a file error on line 1.
 */
export function openCsv<C extends string>(text: string, what: string, required: readonly C[]): CsvTable<C> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const raw = body.split('\n');
  const unterminated = raw.length > 0 && raw[raw.length - 1] !== '';
  let headerAt = -1;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i]!.trim() !== '') {
      headerAt = i;
      break;
    }
  }
  if (headerAt < 0) throw fileError(what, 1, 'the file is empty');
  const header = splitCsvLine(stripCr(raw[headerAt]!)).map((h) => h.trim());
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) {
    throw fileError(
      what,
      headerAt + 1,
      `wrong header: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (expected ${required.join(',')}; got ${header.join(',')})`,
    );
  }
  const col = {} as Record<C, number>;
  for (const c of required) col[c] = header.indexOf(c);
  const lines: { line: number; text: string }[] = [];
  for (let i = headerAt + 1; i < raw.length; i++) {
    const t = stripCr(raw[i]!);
    if (t.length === 0 || (t.length < 4 && t.trim() === '')) continue;
    lines.push({ line: i + 1, text: t });
  }
  if (lines.length === 0) throw fileError(what, headerAt + 2, 'no data rows after the header (empty or truncated file)');
  return { col, header, headerLine: headerAt + 1, lines, unterminated };
}

function stripCr(s: string): string {
  return s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

/** Splits a data line and checks its field count against the header; reports a truncated row. */
export function fieldsOf(table: CsvTable<string>, row: { line: number; text: string }, isLast: boolean, rejects: Rejects): string[] | null {
  const fields = splitCsvLine(row.text);
  if (fields.length === table.header.length) return fields;
  const cut = isLast && table.unterminated && fields.length < table.header.length;
  rejects.reject(
    row.line,
    undefined,
    `expected ${table.header.length} fields, got ${fields.length}${cut ? ' (the file ends in the middle of this row: truncated?)' : ''}`,
  );
  return null;
}

interface Entry {
  value: number;
  line: number;
}

/**
 * Collects values per series and interval start. An exact repeat is dropped (counted); a repeat
 * with a different value is rejected, naming the line of the first one. Series are told apart by
 * their key as a Map key: strings, or interned objects (see `seriesKey` in ercot-rows.ts).
 */
export class SeriesCollector<K = string> {
  private readonly series = new Map<K, Map<number, Entry>>();
  duplicates = 0;

  constructor(
    private readonly rejects: Rejects,
    /** How a conflicting duplicate names its series, e.g. `HB_HUBAVG`. */
    private readonly describe: (series: K) => string = String,
  ) {}

  /** `field` is the column a conflicting duplicate is blamed on, e.g. `SettlementPointPrice`. */
  add(series: K, startMs: number, value: number, line: number, field: string): void {
    let m = this.series.get(series);
    if (!m) {
      m = new Map();
      this.series.set(series, m);
    }
    const prev = m.get(startMs);
    if (prev === undefined) {
      m.set(startMs, { value, line });
      return;
    }
    if (prev.value === value) {
      this.duplicates++;
      return;
    }
    this.rejects.reject(
      line,
      field,
      `duplicate interval ${iso(startMs)} for ${this.describe(series)} with a different value ` +
        `(${value} here, ${prev.value} on line ${prev.line})`,
    );
  }

  /** Series in first-seen order. */
  names(): K[] {
    return [...this.series.keys()];
  }

  /** Points per series, ascending by interval start. */
  sorted(series: K): { startMs: number; value: number }[] {
    const m = this.series.get(series);
    if (!m) return [];
    const out: { startMs: number; value: number }[] = [];
    let ordered = true;
    let last = -Infinity;
    for (const [startMs, e] of m) {
      if (startMs < last) ordered = false;
      last = startMs;
      out.push({ startMs, value: e.value });
    }
    if (!ordered) out.sort((a, b) => a.startMs - b.startMs);
    return out;
  }
}

/**
 * Gaps in an ascending list of interval starts with a fixed step, optionally widened to an
 * expected window [expectFromMs, expectToMs) so that missing intervals at the edges count too.
 */
export function findGaps(
  series: string,
  startsAsc: readonly number[],
  stepMs: number,
  expectFromMs?: number,
  expectToMs?: number,
): FeedGap[] {
  const gaps: FeedGap[] = [];
  const push = (fromMs: number, toMs: number) => {
    const missing = Math.round((toMs - fromMs) / stepMs);
    if (missing > 0) gaps.push({ series, fromMs, toMs, missingIntervals: missing });
  };
  if (startsAsc.length === 0) {
    if (expectFromMs !== undefined && expectToMs !== undefined) push(expectFromMs, expectToMs);
    return gaps;
  }
  if (expectFromMs !== undefined && startsAsc[0]! > expectFromMs) push(expectFromMs, startsAsc[0]!);
  for (let i = 1; i < startsAsc.length; i++) {
    const prevEnd = startsAsc[i - 1]! + stepMs;
    if (startsAsc[i]! > prevEnd) push(prevEnd, startsAsc[i]!);
  }
  const lastEnd = startsAsc[startsAsc.length - 1]! + stepMs;
  if (expectToMs !== undefined && expectToMs > lastEnd) push(lastEnd, expectToMs);
  return gaps;
}
