/**
 * The one way an ERCOT table becomes UTC series, whatever its layout (MIS CSV, a public-API page,
 * the plain CSVs):
 *
 * 1. At the edge, the table's column names are normalised onto canonical fields
 *    (`DeliveryDate`, `deliveryDate` and `delivery_date` are one field), and its cells are decoded
 *    by the source's codec (CSV text, or JSON values).
 * 2. One row loop reads each row's local time, settlement point and values, and rejects a bad
 *    row naming its line and field.
 * 3. One conversion places local times in UTC (cpt.ts): the missing spring-forward hour and the
 *    repeated fall-back hour are handled there, once, for every layout.
 *
 * A layout is data: its columns, how a row says when it is (a `TimeReader`), and its value columns
 * with the series kind each feeds. Series are named by typed keys, never by strings split back.
 */
import { HOUR_MS, MINUTE_MS, parseInstant } from '#domain/time.ts';
import type { FeedGap } from '#ports/feeds.ts';
import { type CptDay, CptDayParser, type HourEndingConvention, hourEndingStartUtc } from './cpt.ts';
import { fieldsOf, fileError, findGaps, openCsv, parseDecimal, Rejects, SeriesCollector } from './csv.ts';
import type { ErcotProduct } from './ercot-reports.ts';

export const ERCOT = 'ERCOT';

// ---------------------------------------------------------------------------------------------
// Series keys

declare const interned: unique symbol;

/**
 * A series: market, settlement point (null for a system-wide series such as load) and kind.
 * Keys are interned, so equal keys are the same object and a Map can key on them; the brand stops
 * an object literal from passing for one.
 */
export type SeriesKey<K extends string = string> = {
  readonly market: string;
  readonly node: string | null;
  readonly kind: K;
  readonly [interned]: true;
};

const internedKeys = new Map<string, Map<string | null, Map<string, SeriesKey>>>();

export function seriesKey<K extends string>(market: string, node: string | null, kind: K): SeriesKey<K> {
  let byNode = internedKeys.get(market);
  if (!byNode) internedKeys.set(market, (byNode = new Map()));
  let byKind = byNode.get(node);
  if (!byKind) byNode.set(node, (byKind = new Map()));
  let key = byKind.get(kind);
  if (!key) byKind.set(kind, (key = Object.freeze({ market, node, kind }) as unknown as SeriesKey));
  return key as SeriesKey<K>;
}

/** `ERCOT HB_HUBAVG RT`, `ERCOT ACTUAL`: how gaps name their series. */
export function seriesLabel(key: SeriesKey): string {
  return key.node === null ? `${key.market} ${key.kind}` : `${key.market} ${key.node} ${key.kind}`;
}

// ---------------------------------------------------------------------------------------------
// Canonical fields and the names the layouts give them

/**
 * Each canonical field and every name it goes by; all names of a field share one meaning and one
 * cell format. `hourEnding` is an integer 1..24 (25), `hourEndingLabel` the text "01:00".."24:00".
 */
export const ERCOT_COLUMNS = {
  deliveryDate: ['DeliveryDate', 'deliveryDate', 'delivery_date'],
  hourEnding: ['DeliveryHour', 'deliveryHour', 'hour_ending'],
  hourEndingLabel: ['HourEnding', 'hourEnding'],
  interval: ['DeliveryInterval', 'deliveryInterval'],
  repeatedHour: ['DSTFlag', 'dstFlag', 'RepeatedHourFlag', 'repeatHourFlag', 'repeatedHourFlag'],
  settlementPoint: ['SettlementPointName', 'SettlementPoint', 'settlementPoint', 'settlementPointName', 'settlement_point'],
  settlementPointType: ['SettlementPointType', 'settlementPointType'],
  settlementPointPrice: ['SettlementPointPrice', 'settlementPointPrice'],
  scedTimestamp: ['SCEDTimestamp', 'SCEDTimeStamp'],
  lmp: ['LMP'],
  /** The native load archive's "MM/DD/YYYY HH:MM" (the repeated hour "02:00 DST"): date and hour in one cell. */
  hourEndingStamp: ['Hour Ending'],
  systemLoad: ['ERCOT'],
  intervalStartUtc: ['interval_start_utc'],
  loadForecast: ['da_demand_forecast_mw'],
  damSpp: ['dam_spp'],
  rtmSppHourlyMean: ['rtm_spp_hourly_mean'],
  mcpcRegup: ['mcpc_regup'],
  mcpcRegdn: ['mcpc_regdn'],
  mcpcRrs: ['mcpc_rrs'],
  mcpcNspin: ['mcpc_nspin'],
  mcpcEcrs: ['mcpc_ecrs'],
} as const satisfies Record<string, readonly string[]>;

export type ErcotField = keyof typeof ERCOT_COLUMNS;

/** Where each field of a layout sits in one table, and the name it has there (errors use that name). */
export interface Columns {
  at: Record<ErcotField, number>;
  name: Record<ErcotField, string>;
}

/**
 * Finds a layout's fields among a table's column names. `documented` maps each field to the name
 * the layout documents (used for a missing column); any name of the field is accepted.
 */
export function resolveColumns(
  documented: Partial<Record<ErcotField, string>>,
  header: readonly string[],
): { columns: Columns; missing: string[] } {
  const at = {} as Record<ErcotField, number>;
  const name = {} as Record<ErcotField, string>;
  const missing: string[] = [];
  for (const field of Object.keys(ERCOT_COLUMNS) as ErcotField[]) {
    at[field] = -1;
    name[field] = ERCOT_COLUMNS[field][0];
  }
  for (const [field, doc] of Object.entries(documented) as [ErcotField, string][]) {
    const names: readonly string[] = [doc, ...ERCOT_COLUMNS[field]];
    const found = names.find((n) => header.includes(n));
    if (found === undefined) {
      missing.push(doc);
      continue;
    }
    at[field] = header.indexOf(found);
    name[field] = found;
  }
  return { columns: { at, name }, missing };
}

// ---------------------------------------------------------------------------------------------
// Cells

/** How a source's cells are decoded; each reader returns NaN / undefined for a cell it cannot read. */
export interface Codec {
  text(cell: unknown): string;
  /** A 1–2 digit non-negative integer. */
  int(cell: unknown): number;
  /** "HH:00" (or "H:00") → HH. */
  hourLabel(cell: unknown): number;
  decimal(cell: unknown): number;
  flag(cell: unknown): boolean | undefined;
  /** What `flag` accepts, for the error message. */
  flagRule: string;
  /** A cell as quoted in an error message. */
  show(cell: unknown): string;
}

/** A 1–2 digit non-negative integer, NaN otherwise. */
function smallInt(text: string): number {
  const n = text.length;
  if (n === 0 || n > 2) return Number.NaN;
  const a = text.charCodeAt(0) - 48;
  if (a < 0 || a > 9) return Number.NaN;
  if (n === 1) return a;
  const b = text.charCodeAt(1) - 48;
  return b < 0 || b > 9 ? Number.NaN : a * 10 + b;
}

/** `HH:00` → HH; NaN otherwise. */
function hourEndingLabel(text: string): number {
  if (text.length === 5 && text[2] === ':' && text[3] === '0' && text[4] === '0') return smallInt(text.slice(0, 2));
  if (text.length === 4 && text[1] === ':' && text[2] === '0' && text[3] === '0') return smallInt(text.slice(0, 1));
  return Number.NaN;
}

/** CSV cells: text exactly as in the file. */
export const CSV_CELLS: Codec = {
  text: (c) => c as string,
  int: (c) => smallInt(c as string),
  hourLabel: (c) => hourEndingLabel(c as string),
  decimal: (c) => parseDecimal(c as string),
  flag: (c) => (c === 'Y' ? true : c === 'N' ? false : undefined),
  flagRule: 'must be Y or N',
  show: (c) => `"${String(c)}"`,
};

/** API cells: JSON values, typed as the API's `fields` declare them (numbers are numbers). */
export const JSON_CELLS: Codec = {
  text: (c) => String(c ?? ''),
  int: (c) => {
    if (typeof c === 'number') return Number.isInteger(c) && c >= 0 && c < 100 ? c : Number.NaN;
    return typeof c === 'string' ? smallInt(c) : Number.NaN;
  },
  hourLabel: (c) => (typeof c === 'number' ? JSON_CELLS.int(c) : typeof c === 'string' ? hourEndingLabel(c) : Number.NaN),
  decimal: (c) => (typeof c === 'number' && Number.isFinite(c) ? c : Number.NaN),
  flag: (c) => (c === true || c === 'Y' || c === 'true' ? true : c === false || c === 'N' || c === 'false' ? false : undefined),
  flagRule: 'must be a boolean',
  show: (c) => JSON.stringify(c) ?? String(c),
};

// ---------------------------------------------------------------------------------------------
// Time: how a row says when it is

/** A local time: the hour-ending of an operating day, an offset inside that hour, and the repeated-hour flag. */
export interface LocalSlot {
  day: CptDay;
  hourEnding: number;
  offsetMs: number;
  repeated: boolean;
}

/** Where a row sits in time: a local slot (placed in UTC by the DST rules), or a UTC instant already. */
export type Slot = LocalSlot | { utcMs: number };

/** Reads a row's time, or rejects the row (naming the field) and returns null. */
export interface TimeReader {
  /** The fields it reads; a layout using it must have them. */
  readonly fields: readonly ErcotField[];
  read(row: RowContext, cells: readonly unknown[]): Slot | null;
}

/** What a TimeReader sees of the row being read. */
export interface RowContext {
  readonly line: number;
  readonly columns: Columns;
  readonly codec: Codec;
  readonly intervalMinutes: number;
  reject(field: ErcotField | undefined, message: string): void;
  /** The operating day of a date text, or null after rejecting `field`. */
  day(field: ErcotField, text: string): CptDay | null;
}

const HOUR_RULE = 'hour-ending must be an integer 1..24 (25 on a fall-back day)';

/** The repeated-hour flag; false where the layout has no flag column. */
function repeatedFlag(row: RowContext, cells: readonly unknown[]): boolean | null {
  const at = row.columns.at.repeatedHour;
  if (at < 0) return false;
  const flag = row.codec.flag(cells[at]);
  if (flag === undefined) {
    row.reject('repeatedHour', `${row.codec.flagRule} (got ${row.codec.show(cells[at])})`);
    return null;
  }
  return flag;
}

/**
 * Operating day + hour-ending (+ interval within the hour) + repeated-hour flag: the MIS price
 * layouts, the API and the plain hub layout. The hour is an integer (`hourEnding`) or a label
 * "HH:00" (`hourEndingLabel`), whichever the layout has.
 */
export const HOUR_ENDING: TimeReader = {
  fields: ['deliveryDate'],
  read(row, cells) {
    const { at } = row.columns;
    const day = row.day('deliveryDate', row.codec.text(cells[at.deliveryDate]));
    if (!day) return null;
    const repeated = repeatedFlag(row, cells);
    if (repeated === null) return null;
    let hourField: ErcotField = 'hourEnding';
    let hourEnding: number;
    if (at.hourEndingLabel >= 0) {
      hourField = 'hourEndingLabel';
      const cell = cells[at.hourEndingLabel];
      hourEnding = row.codec.hourLabel(cell);
      if (Number.isNaN(hourEnding)) {
        row.reject(hourField, `must look like "01:00".."24:00" (got ${row.codec.show(cell)})`);
        return null;
      }
    } else hourEnding = row.codec.int(cells[at.hourEnding]);
    if (!Number.isInteger(hourEnding) || hourEnding < 1 || hourEnding > 25) {
      row.reject(hourField, HOUR_RULE);
      return null;
    }
    const perHour = 60 / row.intervalMinutes;
    const interval = at.interval < 0 ? 1 : row.codec.int(cells[at.interval]);
    if (!Number.isInteger(interval) || interval < 1 || interval > perHour) {
      row.reject('interval', `interval must be an integer 1..${perHour}`);
      return null;
    }
    return { day, hourEnding, offsetMs: (interval - 1) * row.intervalMinutes * MINUTE_MS, repeated };
  },
};

/** The native load archive: "MM/DD/YYYY HH:MM" in one cell, "24:00" ends the day, "02:00 DST" the repeated hour. */
export const HOUR_ENDING_STAMP: TimeReader = {
  fields: ['hourEndingStamp'],
  read(row, cells) {
    const label = row.codec.text(cells[row.columns.at.hourEndingStamp]).trim();
    const repeated = label.length === 20 && label.endsWith(' DST');
    if (!(label.length === 16 || repeated) || label[10] !== ' ') {
      row.reject('hourEndingStamp', `must look like "MM/DD/YYYY HH:00" or "MM/DD/YYYY 02:00 DST" (got "${label}")`);
      return null;
    }
    const hourEnding = hourEndingLabel(label.slice(11, 16));
    if (Number.isNaN(hourEnding)) {
      row.reject('hourEndingStamp', `hour must look like "01:00".."24:00" (got "${label.slice(11, 16)}")`);
      return null;
    }
    const day = row.day('hourEndingStamp', label.slice(0, 10));
    if (!day) return null;
    if (hourEnding < 1 || hourEnding > 25) {
      row.reject('hourEndingStamp', HOUR_RULE);
      return null;
    }
    return { day, hourEnding, offsetMs: 0, repeated };
  },
};

const twoDigits = (s: string, at: number): number => smallInt(s.slice(at, at + 2));

/**
 * A SCED run's local wall-clock time, "MM/DD/YYYY HH:MM:SS" (MIS) or "YYYY-MM-DDTHH:MM:SS" (API,
 * no offset), with the repeated-hour flag. Wall time h:mm:ss is hour-ending h+1 plus mm:ss, so the
 * same DST conversion as the hour-ending layouts places it.
 */
export const SCED_TIMESTAMP: TimeReader = {
  fields: ['scedTimestamp', 'repeatedHour'],
  read(row, cells) {
    const text = row.codec.text(cells[row.columns.at.scedTimestamp]);
    const sep = text[10];
    const h = twoDigits(text, 11);
    const m = twoDigits(text, 14);
    const s = twoDigits(text, 17);
    if (text.length !== 19 || (sep !== ' ' && sep !== 'T') || text[13] !== ':' || text[16] !== ':' || !(h <= 23 && m <= 59 && s <= 59)) {
      row.reject('scedTimestamp', `must be a local time "MM/DD/YYYY HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS" (got "${text}")`);
      return null;
    }
    const day = row.day('scedTimestamp', text.slice(0, 10));
    if (!day) return null;
    const repeated = repeatedFlag(row, cells);
    if (repeated === null) return null;
    return { day, hourEnding: h + 1, offsetMs: (m * 60 + s) * 1000, repeated };
  },
};

/** An interval start already in UTC (ISO-8601 with an offset), aligned to the layout's interval. */
export const UTC_START: TimeReader = {
  fields: ['intervalStartUtc'],
  read(row, cells) {
    const text = row.codec.text(cells[row.columns.at.intervalStartUtc]);
    const utcMs = parseInstant(text);
    if (!Number.isFinite(utcMs) || utcMs % (row.intervalMinutes * MINUTE_MS) !== 0) {
      const what = row.intervalMinutes === 60 ? 'a UTC hour' : `a UTC ${row.intervalMinutes}-minute interval`;
      row.reject('intervalStartUtc', `"${text}" is not the start of ${what} (e.g. 2024-01-01T06:00:00Z)`);
      return null;
    }
    return { utcMs };
  },
};

// ---------------------------------------------------------------------------------------------
// Layouts

/** A value column and the series kind it feeds. */
export interface ValueColumn<K extends string> {
  field: ErcotField;
  kind: K;
  /** Null when plausible, otherwise why not (the value is already a finite number). */
  check: (value: number) => string | null;
}

export interface ErcotLayout<K extends string> {
  /** The start of every error message, e.g. `ERCOT RTM CSV`. */
  what: string;
  /** The ERCOT product this layout is a form of (ercot-reports.ts); absent for layouts of our own. */
  product?: ErcotProduct;
  /** The layout's columns as it documents them, in order; each may arrive under any name of its field. */
  columns: Partial<Record<ErcotField, string>>;
  time: TimeReader;
  values: readonly ValueColumn<K>[];
  /** The series' step, for gaps (and for the interval within an hour). */
  intervalMinutes: number;
  /**
   * `days`: gaps count over the whole local days the data touches (a file of operating days);
   * `data`: only between the first and last point (UTC series, one SCED run per file).
   */
  gapsOver: 'days' | 'data';
  /** An empty value cell is a missing value (no point, shows as a gap), not a bad row. */
  emptyIsMissing?: boolean;
}

export interface ReadOptions {
  skipBadRows?: boolean;
  /** When given, rows for other settlement points are rejected (`reject`, default) or left out (`skip`). */
  settlementPoints?: readonly string[];
  otherSettlementPoints?: 'reject' | 'skip';
  /** What error messages count: file lines (CSV) or API rows. */
  unit?: 'line' | 'row';
}

/** One table to read: a CSV file, or one page of an API response. */
export interface Table {
  columns: Columns;
  codec: Codec;
  /** Data rows: their line (or row) numbers, and their cells (null after rejecting a malformed row). */
  count: number;
  lineOf(i: number): number;
  cellsOf(i: number, rejects: Rejects): readonly unknown[] | null;
}

/** A CSV text as a Table of a layout; a missing column is a file error on the header line. */
export function csvTable(text: string, layout: ErcotLayout<string>): Table {
  const csv = openCsv(text, layout.what, []);
  const { columns, missing } = resolveColumns(layout.columns, csv.header);
  if (missing.length > 0) {
    const expected = Object.values(layout.columns).join(',');
    const s = missing.length > 1 ? 's' : '';
    const message = `wrong header: missing column${s} ${missing.join(', ')} (expected ${expected}; got ${csv.header.join(',')})`;
    throw fileError(layout.what, csv.headerLine, message);
  }
  const last = csv.lines.length - 1;
  return {
    columns,
    codec: CSV_CELLS,
    count: csv.lines.length,
    lineOf: (i) => csv.lines[i]!.line,
    cellsOf: (i, rejects) => fieldsOf(csv, csv.lines[i]!, i === last, rejects),
  };
}

/** An API page (`fields` + `data`) as a Table; rows are numbered from `rowOffset + 1`. */
export function pageTable(
  layout: ErcotLayout<string>,
  page: { fields: readonly { name: string }[]; data: readonly (readonly unknown[])[] },
  opts: { rowOffset: number; onMissing: (missing: string[], got: string[]) => never },
): Table {
  const names = page.fields.map((f) => f.name);
  const { columns, missing } = resolveColumns(layout.columns, names);
  if (missing.length > 0) opts.onMissing(missing, names);
  return {
    columns,
    codec: JSON_CELLS,
    count: page.data.length,
    lineOf: (i) => opts.rowOffset + i + 1,
    cellsOf: (i) => page.data[i]!,
  };
}

// ---------------------------------------------------------------------------------------------
// The row loop

interface PendingValue<K extends string> {
  key: SeriesKey<K>;
  value: number;
  field: string;
}

interface PendingRow<K extends string> {
  line: number;
  slot: LocalSlot;
  values: PendingValue<K>[];
}

/** The series a read produced: points per key (ascending), gaps, and the counts. */
export interface ErcotSeries<K extends string> {
  series: { key: SeriesKey<K>; points: { startMs: number; value: number }[] }[];
  gaps: FeedGap[];
  rejects: ReturnType<Rejects['sorted']>;
  rows: number;
  duplicates: number;
  /** Rows left out because their settlement point was not asked for (`otherSettlementPoints: 'skip'`). */
  leftOut: number;
}

/**
 * Reads tables of one layout into UTC series. Fall-back days are placed when all their rows are
 * in, because whether a file numbers that day's hours 1..25 (instead of repeating hour-ending 2
 * with the flag) is a property of the day, not of a row.
 */
export class ErcotReader<K extends string> {
  readonly rejects: Rejects;
  private readonly collector: SeriesCollector<SeriesKey<K>>;
  private readonly days = new CptDayParser();
  private readonly fallBack = new Map<string, PendingRow<K>[]>();
  private readonly allowed: Set<string> | null;
  private readonly keysByNode = new Map<string | null, SeriesKey<K>[]>();
  private readonly stepMs: number;
  private firstDay: CptDay | null = null;
  private lastDay: CptDay | null = null;
  /** Field names of the table being read (for rejects raised when a fall-back day is placed). */
  private hourName = '';
  private flagName: string | undefined;
  rows = 0;
  leftOut = 0;

  constructor(
    readonly layout: ErcotLayout<K>,
    private readonly opts: ReadOptions = {},
  ) {
    this.rejects = new Rejects(layout.what, opts.skipBadRows ?? false, opts.unit ?? 'line');
    this.collector = new SeriesCollector(this.rejects, (k) => k.node ?? k.market);
    this.allowed = opts.settlementPoints ? new Set(opts.settlementPoints) : null;
    this.stepMs = layout.intervalMinutes * MINUTE_MS;
    const missing = layout.time.fields.filter((f) => !(f in layout.columns));
    if (missing.length > 0) throw new Error(`${layout.what}: the layout lacks ${missing.join(', ')}`);
  }

  /** Reads every row of one table. */
  read(table: Table): void {
    const { layout, rejects } = this;
    const { columns, codec } = table;
    const nodeAt = columns.at.settlementPoint;
    const valueAt = layout.values.map((v) => columns.at[v.field]);
    const valueName = layout.values.map((v) => columns.name[v.field]);
    this.hourName = columns.name[timeField(columns)];
    this.flagName = columns.at.repeatedHour >= 0 ? columns.name.repeatedHour : undefined;
    const row = {
      line: 0,
      columns,
      codec,
      intervalMinutes: layout.intervalMinutes,
      reject: (field: ErcotField | undefined, message: string) => rejects.reject(row.line, field && columns.name[field], message),
      day: (field: ErcotField, text: string) => this.day(row.line, columns.name[field], text),
    };
    for (let i = 0; i < table.count; i++) {
      row.line = table.lineOf(i);
      this.rows++;
      const cells = table.cellsOf(i, rejects);
      if (!cells) continue;
      const slot = layout.time.read(row, cells);
      if (!slot) continue;
      let node: string | null = null;
      if (nodeAt >= 0) {
        node = this.node(row.line, columns.name.settlementPoint, codec.text(cells[nodeAt]));
        if (node === null) continue;
      }
      const keys = this.keysOf(node);
      const values: PendingValue<K>[] = [];
      let bad = false;
      for (let v = 0; v < keys.length; v++) {
        const cell = cells[valueAt[v]!];
        if (layout.emptyIsMissing && cell === '') continue;
        const value = codec.decimal(cell);
        const problem = Number.isNaN(value) ? 'not a number' : layout.values[v]!.check(value);
        if (problem) {
          rejects.reject(row.line, valueName[v], problem);
          bad = true;
          break;
        }
        values.push({ key: keys[v]!, value, field: valueName[v]! });
      }
      if (bad || values.length === 0) continue;
      if ('utcMs' in slot) this.collect(row.line, slot.utcMs, values);
      else if (slot.day.kind === 'FALL_BACK') {
        let pending = this.fallBack.get(slot.day.date);
        if (!pending) this.fallBack.set(slot.day.date, (pending = []));
        pending.push({ line: row.line, slot, values });
      } else this.place({ line: row.line, slot, values }, 'MIS');
    }
    // A fall-back day's rows may continue on the next page: keep them until finish().
  }

  /** The series read so far, ascending, with the gaps. */
  finish(): ErcotSeries<K> {
    for (const rows of this.fallBack.values()) {
      const convention: HourEndingConvention = rows.some((r) => r.slot.hourEnding === 25) ? 'ELAPSED' : 'MIS';
      for (const row of rows) this.place(row, convention);
    }
    this.fallBack.clear();
    const series = this.collector.names().map((key) => ({ key, points: this.collector.sorted(key) }));
    const byDays = this.layout.gapsOver === 'days';
    const from = byDays ? this.firstDay?.midnightUtcMs : undefined;
    const to = byDays && this.lastDay ? this.lastDay.midnightUtcMs + this.lastDay.hours * HOUR_MS : undefined;
    const gaps = series.flatMap((s) =>
      findGaps(
        seriesLabel(s.key),
        s.points.map((p) => p.startMs),
        this.stepMs,
        from,
        to,
      ),
    );
    return { series, gaps, rejects: this.rejects.sorted(), rows: this.rows, duplicates: this.collector.duplicates, leftOut: this.leftOut };
  }

  private day(line: number, field: string, text: string): CptDay | null {
    const day = this.days.parse(text);
    if (!day) {
      this.rejects.reject(line, field, `"${text}" is not a date (MM/DD/YYYY or YYYY-MM-DD, 1987–2099)`);
      return null;
    }
    if (!this.firstDay || day.dateMs < this.firstDay.dateMs) this.firstDay = day;
    if (!this.lastDay || day.dateMs > this.lastDay.dateMs) this.lastDay = day;
    return day;
  }

  private node(line: number, field: string, name: string): string | null {
    if (name === '') {
      this.rejects.reject(line, field, 'settlement point is empty');
      return null;
    }
    if (this.allowed && !this.allowed.has(name)) {
      if (this.opts.otherSettlementPoints === 'skip') {
        this.leftOut++;
        return null;
      }
      this.rejects.reject(line, field, `unknown settlement point "${name}" (expected ${[...this.allowed].join(', ')})`);
      return null;
    }
    return name;
  }

  private keysOf(node: string | null): SeriesKey<K>[] {
    let keys = this.keysByNode.get(node);
    if (!keys) {
      keys = this.layout.values.map((v) => seriesKey(ERCOT, node, v.kind));
      this.keysByNode.set(node, keys);
    }
    return keys;
  }

  private place(row: PendingRow<K>, convention: HourEndingConvention): void {
    const { day, hourEnding, offsetMs, repeated } = row.slot;
    const start = hourEndingStartUtc(day, hourEnding, 0, repeated, convention);
    if (typeof start === 'string') {
      const flagProblem = start.startsWith('DSTFlag') && this.flagName !== undefined;
      // cpt.ts says "DSTFlag"; a layout whose flag column has another name gets that name.
      const message = flagProblem ? this.flagName + start.slice('DSTFlag'.length) : start;
      this.rejects.reject(row.line, flagProblem ? this.flagName : this.hourName, message);
      return;
    }
    this.collect(row.line, start + offsetMs, row.values);
  }

  private collect(line: number, startMs: number, values: readonly PendingValue<K>[]): void {
    for (const v of values) this.collector.add(v.key, startMs, v.value, line, v.field);
  }
}

/** The column a placement error (a local time that does not exist) is blamed on. */
function timeField(columns: Columns): ErcotField {
  const { at } = columns;
  if (at.hourEndingStamp >= 0) return 'hourEndingStamp';
  if (at.hourEndingLabel >= 0) return 'hourEndingLabel';
  if (at.hourEnding >= 0) return 'hourEnding';
  if (at.scedTimestamp >= 0) return 'scedTimestamp';
  return 'intervalStartUtc';
}
