/**
 * PJM Data Miner LMPs (`rt_hrl_lmps`, `da_hrl_lmps`, and the 5-minute feeds) in the CSV layout
 * Data Miner exports: `datetime_beginning_utc`, `pnode_name`, `total_lmp_rt` / `total_lmp_da`,
 * `row_is_current`. Corrected rows appear twice; only rows with `row_is_current` true are kept
 * (when the column is present). Times are UTC, either as Data Miner's CSV writes them
 * (`1/1/2024 5:00:00 AM`) or as its API does (`2024-01-01T05:00:00`).
 */
import { MINUTE_MS } from '#domain/time.ts';
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import type { PriceKind, PricePoint } from '#ports/market-data.ts';
import { checkPrice, fieldsOf, findGaps, openCsv, parseDecimal, Rejects, SeriesCollector } from './csv.ts';

export const PJM = 'PJM';

export interface PjmParseOptions extends FeedParseOptions {
  /** When given, rows for other pnodes are rejected. */
  nodes?: readonly string[];
  /** 60 for the hourly feeds (default), 5 for the five-minute ones. */
  intervalMinutes?: number;
}

export interface PjmParseResult extends FeedParseResult<PricePoint> {
  /** Rows left out because `row_is_current` was false (superseded by a correction). */
  notCurrent: number;
}

const US_TIME = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP]M)$/;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]00:?00)?$/;

/** A UTC timestamp in either of Data Miner's forms, NaN when it is neither or does not exist. */
export function parsePjmUtc(text: string): number {
  let y: number, mo: number, d: number, h: number, mi: number, s: number;
  let m = US_TIME.exec(text);
  if (m) {
    [mo, d, y, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [number, number, number, number, number, number];
    if (h < 1 || h > 12) return Number.NaN;
    h = (h % 12) + (m[7] === 'PM' ? 12 : 0);
  } else if ((m = ISO_LOCAL.exec(text))) {
    [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  } else return Number.NaN;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2/30 over into March; a real timestamp survives the round trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    return Number.NaN;
  return ms;
}

function parseBool(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return t === 'true' || t === '1' ? true : t === 'false' || t === '0' ? false : undefined;
}

function parsePjm(text: string, kind: PriceKind, opts: PjmParseOptions): PjmParseResult {
  const what = `PJM ${kind} LMP CSV`;
  const priceColumn = kind === 'DA' ? 'total_lmp_da' : 'total_lmp_rt';
  const table = openCsv(text, what, ['datetime_beginning_utc', 'pnode_name', priceColumn] as const);
  const currentAt = table.header.indexOf('row_is_current');
  const rejects = new Rejects(what, opts.skipBadRows ?? false);
  const collector = new SeriesCollector(rejects);
  const allowed = opts.nodes ? new Set(opts.nodes) : null;
  const minutes = opts.intervalMinutes ?? 60;
  const stepMs = minutes * MINUTE_MS;
  const c = table.col;
  const last = table.lines.length - 1;
  let rows = 0;
  let notCurrent = 0;
  for (let i = 0; i <= last; i++) {
    const row = table.lines[i]!;
    rows++;
    const f = fieldsOf(table, row, i === last, rejects);
    if (!f) continue;
    if (currentAt >= 0) {
      const current = parseBool(f[currentAt]!);
      if (current === undefined) {
        rejects.reject(row.line, 'row_is_current', `must be true or false (got "${f[currentAt]}")`);
        continue;
      }
      if (!current) {
        notCurrent++;
        continue;
      }
    }
    const startText = f[c.datetime_beginning_utc]!;
    const start = parsePjmUtc(startText.trim());
    if (Number.isNaN(start) || start % stepMs !== 0) {
      rejects.reject(row.line, 'datetime_beginning_utc', `"${startText}" is not the UTC start of a ${minutes}-minute interval`);
      continue;
    }
    const node = f[c.pnode_name]!.trim();
    if (node === '' || (allowed && !allowed.has(node))) {
      rejects.reject(
        row.line,
        'pnode_name',
        node === '' ? 'pnode is empty' : `unknown pnode "${node}" (expected ${[...allowed!].join(', ')})`,
      );
      continue;
    }
    const price = parseDecimal(f[c[priceColumn]]!.trim());
    const problem = Number.isNaN(price) ? 'not a number' : checkPrice(price);
    if (problem) {
      rejects.reject(row.line, priceColumn, problem);
      continue;
    }
    collector.add(node, start, price, row.line, priceColumn);
  }
  const points: PricePoint[] = [];
  const gaps = [];
  for (const node of collector.names()) {
    const series = collector.sorted(node);
    for (const p of series)
      points.push({ market: PJM, node, kind, intervalStartMs: p.startMs, intervalMinutes: minutes, priceUsdPerMwh: p.value });
    gaps.push(
      ...findGaps(
        `${PJM} ${node} ${kind}`,
        series.map((p) => p.startMs),
        stepMs,
      ),
    );
  }
  return { points, rejects: rejects.sorted(), gaps, rows, duplicates: collector.duplicates, notCurrent };
}

/** Real-time LMPs (`total_lmp_rt`). */
export function parsePjmRtCsv(text: string, opts: PjmParseOptions = {}): PjmParseResult {
  return parsePjm(text, 'RT', opts);
}

/** Five-minute real-time LMPs (`rt_fivemin_hrl_lmps` exports, `total_lmp_rt`), stored as RT5. */
export function parsePjmRt5Csv(text: string, opts: Omit<PjmParseOptions, 'intervalMinutes'> = {}): PjmParseResult {
  return parsePjm(text, 'RT5', { ...opts, intervalMinutes: 5 });
}

/** Day-ahead LMPs (`total_lmp_da`). */
export function parsePjmDaCsv(text: string, opts: PjmParseOptions = {}): PjmParseResult {
  return parsePjm(text, 'DA', opts);
}
