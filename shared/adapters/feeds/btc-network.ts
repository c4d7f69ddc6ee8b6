/**
 * Daily Bitcoin network data (../shared/data/btc): the network CSV
 * (`date,price_usd,hashrate_ths,fees_btc,issuance_btc,blocks`, UTC days, BTC per day) and the
 * difficulty CSV (`date,difficulty`), and the daily hashprice series computed from them with the
 * formulas of DESIGN §2.
 */
import { hashpriceFromDifficulty, hashpriceSeriesFromNetwork, type NetworkDay } from '#domain/economics.ts';
import { DAY_MS, parseUtcDay } from '#domain/time.ts';
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import type { HashpricePoint } from '#ports/market-data.ts';
import { fieldsOf, findGaps, openCsv, parseDecimal, Rejects } from './csv.ts';

export const BTC_NETWORK_CSV_SOURCE = 'btc-network-csv';
export const BTC_DIFFICULTY_CSV_SOURCE = 'btc-difficulty-csv';

/** A day of the network CSV: the domain's NetworkDay plus the number of blocks mined. */
export interface NetworkDayRow extends NetworkDay {
  blocks: number;
}

export interface DifficultyDay {
  date: string;
  difficulty: number;
}

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch ms of a real `YYYY-MM-DD` day, NaN otherwise (2024-02-30 is not a day). */
export function strictUtcDay(text: string): number {
  if (!DAY_TEXT.test(text)) return Number.NaN;
  const ms = parseUtcDay(text);
  return Number.isFinite(ms) && new Date(ms).toISOString().startsWith(text) ? ms : Number.NaN;
}

type Check = (v: number) => string | null;
const positive: Check = (v) => (v > 0 ? null : 'must be greater than 0');
const nonNegative: Check = (v) => (v >= 0 ? null : 'must not be negative');
const count: Check = (v) => (Number.isInteger(v) && v >= 0 ? null : 'must be a whole number ≥ 0');

/**
 * Reads a daily CSV: one row per UTC day, numeric columns checked, days deduplicated (an exact
 * repeat is dropped, a different value rejected naming the column), missing days reported as gaps.
 */
function parseDaily<C extends string, T>(
  text: string,
  what: string,
  columns: readonly ['date', ...C[]],
  checks: Record<C, Check>,
  build: (date: string, values: Record<C, number>) => T,
  opts: FeedParseOptions,
): FeedParseResult<T> {
  const table = openCsv(text, what, columns);
  const rejects = new Rejects(what, opts.skipBadRows ?? false);
  const byDay = new Map<number, { values: Record<C, number>; line: number; point: T }>();
  const valueColumns = columns.slice(1) as C[];
  const last = table.lines.length - 1;
  let rows = 0;
  let duplicates = 0;
  rowLoop: for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    rows++;
    const f = fieldsOf(table, row, i === last, rejects);
    if (!f) continue;
    const date = f[table.col.date]!;
    const dayMs = strictUtcDay(date);
    if (Number.isNaN(dayMs)) {
      rejects.reject(row.line, 'date', `"${date}" is not a UTC day (YYYY-MM-DD)`);
      continue;
    }
    const values = {} as Record<C, number>;
    for (const c of valueColumns) {
      const text = f[table.col[c]]!;
      const v = parseDecimal(text);
      const problem = Number.isNaN(v) ? `"${text}" is not a number` : checks[c](v);
      if (problem) {
        rejects.reject(row.line, c, problem);
        continue rowLoop;
      }
      values[c] = v;
    }
    const prev = byDay.get(dayMs);
    if (prev) {
      const differs = valueColumns.find((c) => prev.values[c] !== values[c]);
      if (differs === undefined) duplicates++;
      else
        rejects.reject(
          row.line,
          differs,
          `duplicate day ${date} with a different value (${values[differs]} here, ${prev.values[differs]} on line ${prev.line})`,
        );
      continue;
    }
    byDay.set(dayMs, { values, line: row.line, point: build(date, values) });
  }
  const days = [...byDay.keys()].sort((a, b) => a - b);
  return {
    points: days.map((d) => byDay.get(d)!.point),
    rejects: rejects.sorted(),
    gaps: findGaps(what.replace(/ CSV$/, ''), days, DAY_MS),
    rows,
    duplicates,
  };
}

/** The daily network CSV → one NetworkDayRow per UTC day, ascending. */
export function parseBtcNetworkCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<NetworkDayRow> {
  return parseDaily(
    text,
    'BTC network CSV',
    ['date', 'price_usd', 'hashrate_ths', 'fees_btc', 'issuance_btc', 'blocks'],
    { price_usd: positive, hashrate_ths: positive, fees_btc: nonNegative, issuance_btc: nonNegative, blocks: count },
    (date, v) => ({
      date,
      priceUsd: v.price_usd,
      hashrateThs: v.hashrate_ths,
      feesBtc: v.fees_btc,
      issuanceBtc: v.issuance_btc,
      blocks: v.blocks,
    }),
    opts,
  );
}

/** The daily difficulty CSV → one value per UTC day, ascending. */
export function parseDifficultyCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<DifficultyDay> {
  return parseDaily(
    text,
    'BTC difficulty CSV',
    ['date', 'difficulty'],
    { difficulty: positive },
    (date, v) => ({ date, difficulty: v.difficulty }),
    opts,
  );
}

/**
 * Daily hashprice from network data with DESIGN's formula
 * (`(issuance + fees) × price / (7-day mean hashrate / 1000)`), tagged with its source.
 */
export function hashpricePointsFromNetwork(days: readonly NetworkDay[], source = BTC_NETWORK_CSV_SOURCE): HashpricePoint[] {
  return hashpriceSeriesFromNetwork(days).map((h) => ({ date: h.date, usdPerPhDay: h.usdPerPhDay, source }));
}

/**
 * Daily hashprice from difficulty: `86400 × 1e15 / (D × 2^32) × (S + f) × p`, with the day's
 * subsidy S and fees f per block taken from the network data (issuance and fees over blocks mined)
 * and its price p. Days missing from either input, or with no blocks, are left out.
 */
export function hashpricePointsFromDifficulty(
  difficulty: readonly DifficultyDay[],
  network: readonly NetworkDayRow[],
  source = BTC_DIFFICULTY_CSV_SOURCE,
): HashpricePoint[] {
  const byDate = new Map(network.map((d) => [d.date, d]));
  const out: HashpricePoint[] = [];
  for (const d of [...difficulty].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) {
    const n = byDate.get(d.date);
    if (!n || n.blocks <= 0) continue;
    out.push({
      date: d.date,
      usdPerPhDay: hashpriceFromDifficulty(d.difficulty, n.issuanceBtc / n.blocks, n.feesBtc / n.blocks, n.priceUsd),
      source,
    });
  }
  return out;
}
