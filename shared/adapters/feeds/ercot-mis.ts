/**
 * ERCOT files in their published layouts (../shared/data/README.md), converted to UTC intervals:
 *
 * - RTM settlement point prices, MIS NP6-905-CD: 15-minute, hour-ending + interval, `DSTFlag`.
 * - DAM settlement point prices, MIS NP4-190-CD: hourly, `HourEnding` "01:00".."24:00".
 * - Native load archive: `Hour Ending` "MM/DD/YYYY HH:MM", "24:00" ends a day, "02:00 DST" is the
 *   repeated fall-back hour.
 * - Day-ahead load forecast: `interval_start_utc`.
 * - Hub hourly (plain layout): DA SPP, hourly mean of the RT SPPs, AS clearing prices.
 *
 * Local labels are Central Prevailing Time: spring-forward days have 92 RT intervals (hour-ending 3
 * does not exist), fall-back days 100 (hour-ending 2 twice, the second pass `DSTFlag=Y`). Files
 * that number the fall-back day's hours 1..25 instead are recognised per day.
 *
 * A bad row throws a ValidationError naming the line and field, unless `skipBadRows`, where every
 * rejected row is listed in `rejects`. Nothing here uses Intl: see cpt.ts.
 */
import { HOUR_MS, MINUTE_MS, parseInstant } from '#domain/time.ts';
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import type { AsPricePoint, AsPriceProduct, PriceKind, PricePoint, SystemLoadPoint } from '#ports/market-data.ts';
import { CptDayParser, hourEndingStartUtc, type CptDay, type HourEndingConvention } from './cpt.ts';
import { Rejects, SeriesCollector, fieldsOf, findGaps, openCsv, parseDecimal } from './csv.ts';
import type { FeedGap } from './types.ts';

export const ERCOT = 'ERCOT';

/** Prices beyond this magnitude are a unit error or a corrupted row in any market (the ERCOT cap is $5,000). */
export const MAX_ABS_PRICE_USD_PER_MWH = 100_000;

export interface ErcotPriceParseOptions extends FeedParseOptions {
  /** When given, a row for any other settlement point is rejected. */
  settlementPoints?: readonly string[];
}

/** Column names a hour-ending row is read from, used in error messages. */
interface HourEndingFields {
  date: string;
  hour: string;
  interval?: string;
  node?: string;
  value: string;
  dst?: string;
}

interface PendingRow {
  line: number;
  day: CptDay;
  hourEnding: number;
  minuteInHour: number;
  repeated: boolean;
  series: string;
  value: number;
  valueField: string;
}

/**
 * Turns hour-ending rows of local operating days into UTC intervals: validates each field,
 * applies the DST rules, drops exact duplicates, rejects conflicting ones, and reports gaps
 * over the whole local days the data covers. Fall-back days are resolved when all their rows
 * are in, because whether a file numbers that day's hours 1..25 is a property of the day.
 */
export class HourEndingBuilder {
  readonly rejects: Rejects;
  private readonly collector: SeriesCollector;
  private readonly days = new CptDayParser();
  private readonly fallBack = new Map<string, PendingRow[]>();
  private readonly allowed: Set<string> | null;
  private firstDay: CptDay | null = null;
  private lastDay: CptDay | null = null;
  readonly stepMs: number;
  rows = 0;

  constructor(
    what: string,
    readonly intervalMinutes: number,
    readonly fields: HourEndingFields,
    opts: ErcotPriceParseOptions = {},
    unit: 'line' | 'row' = 'line',
  ) {
    this.rejects = new Rejects(what, opts.skipBadRows ?? false, unit);
    this.collector = new SeriesCollector(this.rejects);
    this.allowed = opts.settlementPoints ? new Set(opts.settlementPoints) : null;
    this.stepMs = intervalMinutes * MINUTE_MS;
  }

  /** The local day of a date text, or null after rejecting it. */
  day(line: number, text: string): CptDay | null {
    const day = this.days.parse(text);
    if (!day) {
      this.rejects.reject(line, this.fields.date, `"${text}" is not a date (MM/DD/YYYY or YYYY-MM-DD, 1987–2099)`);
      return null;
    }
    if (!this.firstDay || day.dateMs < this.firstDay.dateMs) this.firstDay = day;
    if (!this.lastDay || day.dateMs > this.lastDay.dateMs) this.lastDay = day;
    return day;
  }

  /** Checks a settlement point name; null after rejecting it. */
  node(line: number, name: string): string | null {
    if (name === '') {
      this.rejects.reject(line, this.fields.node, 'settlement point is empty');
      return null;
    }
    if (this.allowed && !this.allowed.has(name)) {
      this.rejects.reject(line, this.fields.node, `unknown settlement point "${name}" (expected ${[...this.allowed].join(', ')})`);
      return null;
    }
    return name;
  }

  /**
   * Adds one value. `hourEnding` and `interval` are NaN when their text was not an integer;
   * `value` is NaN when not a number. `interval` is 1-based within the hour.
   */
  add(
    line: number,
    day: CptDay,
    hourEnding: number,
    interval: number,
    repeated: boolean,
    series: string,
    value: number,
    valueField = this.fields.value,
    check: (v: number) => string | null = checkPrice,
  ): void {
    if (!Number.isInteger(hourEnding) || hourEnding < 1 || hourEnding > 25) {
      this.rejects.reject(line, this.fields.hour, `hour-ending must be an integer 1..24 (25 on a fall-back day)`);
      return;
    }
    const perHour = 60 / this.intervalMinutes;
    if (!Number.isInteger(interval) || interval < 1 || interval > perHour) {
      this.rejects.reject(line, this.fields.interval, `interval must be an integer 1..${perHour}`);
      return;
    }
    const problem = Number.isNaN(value) ? 'not a number' : check(value);
    if (problem) {
      this.rejects.reject(line, valueField, problem);
      return;
    }
    const row: PendingRow = {
      line,
      day,
      hourEnding,
      minuteInHour: (interval - 1) * this.intervalMinutes,
      repeated,
      series,
      value,
      valueField,
    };
    if (day.kind === 'FALL_BACK') {
      let rows = this.fallBack.get(day.date);
      if (!rows) this.fallBack.set(day.date, (rows = []));
      rows.push(row);
      return;
    }
    this.place(row, 'MIS');
  }

  private place(row: PendingRow, convention: HourEndingConvention): void {
    const start = hourEndingStartUtc(row.day, row.hourEnding, row.minuteInHour, row.repeated, convention);
    if (typeof start === 'string') {
      this.rejects.reject(row.line, start.startsWith('DSTFlag') && this.fields.dst ? this.fields.dst : this.fields.hour, start);
      return;
    }
    this.collector.add(row.series, start, row.value, row.line, row.valueField);
  }

  private flushFallBack(): void {
    for (const rows of this.fallBack.values()) {
      const convention: HourEndingConvention = rows.some((r) => r.hourEnding === 25) ? 'ELAPSED' : 'MIS';
      for (const row of rows) this.place(row, convention);
    }
    this.fallBack.clear();
  }

  /** Values per series, ascending, with the gaps over the local days covered. */
  finish(): {
    series: { name: string; points: { startMs: number; value: number }[] }[];
    gaps: (label: (series: string) => string) => FeedGap[];
    duplicates: number;
  } {
    this.flushFallBack();
    const series = this.collector.names().map((name) => ({ name, points: this.collector.sorted(name) }));
    const from = this.firstDay?.midnightUtcMs;
    const to = this.lastDay ? this.lastDay.midnightUtcMs + this.lastDay.hours * HOUR_MS : undefined;
    return {
      series,
      gaps: (label) =>
        series.flatMap((s) =>
          findGaps(
            label(s.name),
            s.points.map((p) => p.startMs),
            this.stepMs,
            from,
            to,
          ),
        ),
      duplicates: this.collector.duplicates,
    };
  }
}

export function checkPrice(v: number): string | null {
  return Math.abs(v) > MAX_ABS_PRICE_USD_PER_MWH ? `${v} $/MWh is beyond any market's price limits` : null;
}

function checkLoadMw(v: number): string | null {
  return v > 0 && v < 1_000_000 ? null : `${v} MW is not a plausible system load`;
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

/** `Y` → true, `N` → false (MIS files); anything else undefined. */
function dstFlag(text: string): boolean | undefined {
  return text === 'Y' ? true : text === 'N' ? false : undefined;
}

function pricesResult(
  b: HourEndingBuilder,
  kind: PriceKind,
): FeedParseResult<PricePoint> {
  const done = b.finish();
  const points: PricePoint[] = [];
  for (const s of done.series) {
    for (const p of s.points) {
      points.push({ market: ERCOT, node: s.name, kind, intervalStartMs: p.startMs, intervalMinutes: b.intervalMinutes, priceUsdPerMwh: p.value });
    }
  }
  return {
    points,
    rejects: b.rejects.sorted(),
    gaps: done.gaps((node) => `${ERCOT} ${node} ${kind}`),
    rows: b.rows,
    duplicates: done.duplicates,
  };
}

const RTM_COLUMNS = [
  'DeliveryDate',
  'DeliveryHour',
  'DeliveryInterval',
  'SettlementPointName',
  'SettlementPointType',
  'SettlementPointPrice',
  'DSTFlag',
] as const;

interface MisPriceLayout<C extends string> {
  what: string;
  kind: 'RT' | 'DA';
  intervalMinutes: number;
  columns: readonly C[];
  fields: HourEndingFields & { node: C; dst: C; date: C; value: C };
  /** Hour-ending and quarter of a row, or null after rejecting the row. */
  slot(f: readonly string[], col: Record<C, number>, line: number, rejects: Rejects): { hour: number; interval: number } | null;
}

/** The MIS price layouts differ only in how a row names its hour (and quarter). */
function parseMisPrices<C extends string>(text: string, layout: MisPriceLayout<C>, opts: ErcotPriceParseOptions): FeedParseResult<PricePoint> {
  const table = openCsv(text, layout.what, layout.columns);
  const b = new HourEndingBuilder(layout.what, layout.intervalMinutes, layout.fields, opts);
  const c = table.col;
  const { date, node: nodeField, value, dst: dstField } = layout.fields;
  const last = table.lines.length - 1;
  for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    b.rows++;
    const f = fieldsOf(table, row, i === last, b.rejects);
    if (!f) continue;
    const day = b.day(row.line, f[c[date]]!);
    if (!day) continue;
    const node = b.node(row.line, f[c[nodeField]]!);
    if (node === null) continue;
    const dst = dstFlag(f[c[dstField]]!);
    if (dst === undefined) {
      b.rejects.reject(row.line, dstField, `must be Y or N (got "${f[c[dstField]]}")`);
      continue;
    }
    const slot = layout.slot(f, table.col, row.line, b.rejects);
    if (!slot) continue;
    b.add(row.line, day, slot.hour, slot.interval, dst, node, parseDecimal(f[c[value]]!));
  }
  return pricesResult(b, layout.kind);
}

const RTM_LAYOUT: MisPriceLayout<(typeof RTM_COLUMNS)[number]> = {
  what: 'ERCOT RTM CSV',
  kind: 'RT',
  intervalMinutes: 15,
  columns: RTM_COLUMNS,
  fields: { date: 'DeliveryDate', hour: 'DeliveryHour', interval: 'DeliveryInterval', node: 'SettlementPointName', value: 'SettlementPointPrice', dst: 'DSTFlag' },
  slot: (f, c) => ({ hour: smallInt(f[c.DeliveryHour]!), interval: smallInt(f[c.DeliveryInterval]!) }),
};

/** Real-time 15-minute settlement point prices in the MIS layout (NP6-905-CD). */
export function parseErcotRtmCsv(text: string, opts: ErcotPriceParseOptions = {}): FeedParseResult<PricePoint> {
  return parseMisPrices(text, RTM_LAYOUT, opts);
}

const DAM_COLUMNS = ['DeliveryDate', 'HourEnding', 'SettlementPoint', 'SettlementPointPrice', 'DSTFlag'] as const;

/** `HH:00` → HH; NaN otherwise. */
function hourEndingLabel(text: string): number {
  if (text.length === 5 && text[2] === ':' && text[3] === '0' && text[4] === '0') return smallInt(text.slice(0, 2));
  if (text.length === 4 && text[1] === ':' && text[2] === '0' && text[3] === '0') return smallInt(text.slice(0, 1));
  return Number.NaN;
}

const DAM_LAYOUT: MisPriceLayout<(typeof DAM_COLUMNS)[number]> = {
  what: 'ERCOT DAM CSV',
  kind: 'DA',
  intervalMinutes: 60,
  columns: DAM_COLUMNS,
  fields: { date: 'DeliveryDate', hour: 'HourEnding', node: 'SettlementPoint', value: 'SettlementPointPrice', dst: 'DSTFlag' },
  slot: (f, c, line, rejects) => {
    const hour = hourEndingLabel(f[c.HourEnding]!);
    if (Number.isNaN(hour)) {
      rejects.reject(line, 'HourEnding', `must look like "01:00".."24:00" (got "${f[c.HourEnding]}")`);
      return null;
    }
    return { hour, interval: 1 };
  },
};

/** Day-ahead hourly settlement point prices in the MIS layout (NP4-190-CD). */
export function parseErcotDamCsv(text: string, opts: ErcotPriceParseOptions = {}): FeedParseResult<PricePoint> {
  return parseMisPrices(text, DAM_LAYOUT, opts);
}

function loadResult(
  kind: 'ACTUAL' | 'FORECAST',
  done: ReturnType<HourEndingBuilder['finish']>,
  rows: number,
  rejects: Rejects,
): FeedParseResult<SystemLoadPoint> {
  const points: SystemLoadPoint[] = [];
  for (const s of done.series) for (const p of s.points) points.push({ market: ERCOT, kind, intervalStartMs: p.startMs, intervalMinutes: 60, mw: p.value });
  return { points, rejects: rejects.sorted(), gaps: done.gaps(() => `${ERCOT} ${kind}`), rows, duplicates: done.duplicates };
}

const LOAD_COLUMNS = ['Hour Ending', 'ERCOT'] as const;

/**
 * ERCOT's hourly native load archive: `Hour Ending` "MM/DD/YYYY HH:MM" ("24:00" ends the day,
 * the repeated fall-back hour "02:00 DST"), system total in the `ERCOT` column, MW.
 */
export function parseErcotNativeLoadCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<SystemLoadPoint> {
  const what = 'ERCOT native load CSV';
  const table = openCsv(text, what, LOAD_COLUMNS);
  const b = new HourEndingBuilder(what, 60, { date: 'Hour Ending', hour: 'Hour Ending', value: 'ERCOT', dst: 'Hour Ending' }, opts);
  const c = table.col;
  const last = table.lines.length - 1;
  for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    b.rows++;
    const f = fieldsOf(table, row, i === last, b.rejects);
    if (!f) continue;
    const label = f[c['Hour Ending']]!.trim();
    // "MM/DD/YYYY HH:MM" or "MM/DD/YYYY HH:MM DST"
    const repeated = label.length === 20 && label.endsWith(' DST');
    if (!(label.length === 16 || repeated) || label[10] !== ' ') {
      b.rejects.reject(row.line, 'Hour Ending', `must look like "MM/DD/YYYY HH:00" or "MM/DD/YYYY 02:00 DST" (got "${label}")`);
      continue;
    }
    const he = hourEndingLabel(label.slice(11, 16));
    if (Number.isNaN(he)) {
      b.rejects.reject(row.line, 'Hour Ending', `hour must look like "01:00".."24:00" (got "${label.slice(11, 16)}")`);
      continue;
    }
    const day = b.day(row.line, label.slice(0, 10));
    if (!day) continue;
    b.add(row.line, day, he, 1, repeated, ERCOT, parseDecimal(f[c.ERCOT]!), 'ERCOT', checkLoadMw);
  }
  return loadResult('ACTUAL', b.finish(), b.rows, b.rejects);
}

const FORECAST_COLUMNS = ['interval_start_utc', 'da_demand_forecast_mw'] as const;

/** ERCOT system day-ahead demand forecast, hourly, `interval_start_utc` (ISO-8601 with offset). */
export function parseErcotLoadForecastCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<SystemLoadPoint> {
  const what = 'ERCOT load forecast CSV';
  const table = openCsv(text, what, FORECAST_COLUMNS);
  const rejects = new Rejects(what, opts.skipBadRows ?? false);
  const collector = new SeriesCollector(rejects);
  const c = table.col;
  const last = table.lines.length - 1;
  let rows = 0;
  for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    rows++;
    const f = fieldsOf(table, row, i === last, rejects);
    if (!f) continue;
    const startText = f[c.interval_start_utc]!;
    const start = parseInstant(startText);
    if (!Number.isFinite(start) || start % HOUR_MS !== 0) {
      rejects.reject(row.line, 'interval_start_utc', `"${startText}" is not the start of a UTC hour (e.g. 2024-01-01T06:00:00Z)`);
      continue;
    }
    const mw = parseDecimal(f[c.da_demand_forecast_mw]!);
    const problem = Number.isNaN(mw) ? 'not a number' : checkLoadMw(mw);
    if (problem) {
      rejects.reject(row.line, 'da_demand_forecast_mw', problem);
      continue;
    }
    collector.add(ERCOT, start, mw, row.line, 'da_demand_forecast_mw');
  }
  const points = collector.sorted(ERCOT);
  return loadResult(
    'FORECAST',
    {
      series: [{ name: ERCOT, points }],
      gaps: (label) => findGaps(label(ERCOT), points.map((p) => p.startMs), HOUR_MS),
      duplicates: collector.duplicates,
    },
    rows,
    rejects,
  );
}

const HUB_COLUMNS = [
  'delivery_date',
  'hour_ending',
  'settlement_point',
  'dam_spp',
  'rtm_spp_hourly_mean',
  'mcpc_regup',
  'mcpc_regdn',
  'mcpc_rrs',
  'mcpc_nspin',
  'mcpc_ecrs',
] as const;

const HUB_AS: readonly [column: (typeof HUB_COLUMNS)[number], product: AsPriceProduct][] = [
  ['mcpc_regup', 'REGUP'],
  ['mcpc_regdn', 'REGDN'],
  ['mcpc_rrs', 'RRS'],
  ['mcpc_nspin', 'NSPIN'],
  ['mcpc_ecrs', 'ECRS'],
];

export interface HubHourlyParseResult extends Omit<FeedParseResult<PricePoint>, 'points'> {
  /**
   * Day-ahead SPPs (kind `DA`, 60 min) and the hourly means of the 15-minute real-time SPPs
   * (kind `RT`, **60 min**: the interval length says they are hourly means, not settlement
   * intervals — do not store them for a node that also has 15-minute RT prices, as they share
   * the keys at the top of each hour).
   */
  prices: PricePoint[];
  /** Ancillary-service clearing prices (MCPC, $/MW per hour), hourly. */
  asPrices: AsPricePoint[];
}

/**
 * The plain hub hourly layout (`hub_hourly_HB_WEST`): `delivery_date` YYYY-MM-DD, `hour_ending`
 * 1..24 CPT (MIS labels: lag-0 aligned with the DAM file), DA SPP, RT hourly mean, five MCPCs.
 * An empty cell is a missing value (no point; it shows as a gap), not a bad row.
 */
export function parseHubHourlyCsv(text: string, opts: ErcotPriceParseOptions = {}): HubHourlyParseResult {
  const what = 'ERCOT hub hourly CSV';
  const table = openCsv(text, what, HUB_COLUMNS);
  const b = new HourEndingBuilder(what, 60, { date: 'delivery_date', hour: 'hour_ending', node: 'settlement_point', value: 'dam_spp' }, opts);
  const c = table.col;
  const last = table.lines.length - 1;
  const columns: [string, number, string][] = [
    ['DA', c.dam_spp, 'dam_spp'],
    ['RT', c.rtm_spp_hourly_mean, 'rtm_spp_hourly_mean'],
    ...HUB_AS.map(([col, product]): [string, number, string] => [product, c[col], col]),
  ];
  for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    b.rows++;
    const f = fieldsOf(table, row, i === last, b.rejects);
    if (!f) continue;
    const day = b.day(row.line, f[c.delivery_date]!);
    if (!day) continue;
    const node = b.node(row.line, f[c.settlement_point]!);
    if (node === null) continue;
    const he = smallInt(f[c.hour_ending]!);
    const rejectedBefore = b.rejects.list.length;
    for (const [series, index, field] of columns) {
      const cell = f[index]!;
      if (cell === '') continue;
      b.add(row.line, day, he, 1, false, `${series}|${node}`, parseDecimal(cell), field);
      // One reject per row is enough (a bad hour would otherwise be reported once per column).
      if (b.rejects.list.length > rejectedBefore) break;
    }
  }
  const done = b.finish();
  const prices: PricePoint[] = [];
  const asPrices: AsPricePoint[] = [];
  for (const s of done.series) {
    const bar = s.name.indexOf('|');
    const series = s.name.slice(0, bar);
    const node = s.name.slice(bar + 1);
    if (series === 'DA' || series === 'RT') {
      for (const p of s.points) prices.push({ market: ERCOT, node, kind: series, intervalStartMs: p.startMs, intervalMinutes: 60, priceUsdPerMwh: p.value });
    } else {
      const product = series as AsPriceProduct;
      for (const p of s.points) asPrices.push({ market: ERCOT, node, product, intervalStartMs: p.startMs, intervalMinutes: 60, priceUsdPerMwh: p.value });
    }
  }
  return {
    prices,
    asPrices,
    rejects: b.rejects.sorted(),
    gaps: done.gaps((name) => `${ERCOT} ${name.slice(name.indexOf('|') + 1)} ${name.slice(0, name.indexOf('|'))}`),
    rows: b.rows,
    duplicates: done.duplicates,
  };
}
