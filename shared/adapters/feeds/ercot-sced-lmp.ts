/**
 * ERCOT real-time LMPs of every SCED run (about every 5 minutes), NP6-788-CD "LMPs by Resource
 * Nodes, Load Zones and Trading Hubs", in its two forms:
 *
 * - MIS CSV, one file per SCED run: `SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP`, the
 *   timestamp local "MM/DD/YYYY HH:MM:SS", `RepeatedHourFlag` Y on the second pass of the
 *   fall-back hour.
 * - Public API pages (`np6-788-cd/lmp_node_zone_hub`): `fields` + `data` rows with
 *   `SCEDTimestamp` local "YYYY-MM-DDTHH:MM:SS" (no offset), `repeatHourFlag` boolean,
 *   `settlementPoint`, `LMP`.
 *
 * Both go through the same row loop and DST conversion as the settlement-price layouts
 * (ercot-rows.ts); the result is one point per SCED run and settlement point, at the run's UTC time.
 * A file lists every resource node, hub and zone, so `settlementPoints` selects (others are left
 * out and counted) rather than rejects.
 */
import { ValidationError } from '#domain/errors.ts';
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import { checkPrice } from './csv.ts';
import { PageResponse } from './ercot-api.ts';
import { SCED_LMP_REPORT } from './ercot-reports.ts';
import { csvTable, type ErcotLayout, ErcotReader, type ErcotSeries, pageTable, SCED_TIMESTAMP } from './ercot-rows.ts';

/** One settlement point's LMP in one SCED run. */
export interface ScedLmpPoint {
  market: string;
  /** Settlement point: resource node, load zone or hub, e.g. HB_HUBAVG. */
  node: string;
  /** The SCED run's timestamp, UTC. */
  scedTimestampMs: number;
  lmpUsdPerMwh: number;
}

export interface ScedLmpParseOptions extends FeedParseOptions {
  /** Keep only these settlement points; rows for others are left out (counted in `leftOut`). */
  settlementPoints?: readonly string[];
}

/**
 * `gaps` are runs missing from the nominal 5-minute cadence between the first and the last run
 * read, per settlement point: two runs more than 7.5 minutes apart count as one or more missing
 * runs (rounded), as SCED timestamps carry seconds and drift around the cadence.
 */
export interface ScedLmpParseResult extends FeedParseResult<ScedLmpPoint> {
  /** Rows for settlement points not asked for. */
  leftOut: number;
}

type LmpKind = 'LMP';

const base = {
  product: SCED_LMP_REPORT,
  time: SCED_TIMESTAMP,
  values: [{ field: 'lmp', kind: 'LMP', check: checkPrice }],
  intervalMinutes: 5,
  gapsOver: 'data',
} as const satisfies Partial<ErcotLayout<LmpKind>>;

/** NP6-788-CD in the MIS CSV layout. */
export const SCED_LMP_CSV_LAYOUT: ErcotLayout<LmpKind> = {
  ...base,
  what: 'ERCOT SCED LMP CSV',
  columns: { scedTimestamp: 'SCEDTimestamp', repeatedHour: 'RepeatedHourFlag', settlementPoint: 'SettlementPoint', lmp: 'LMP' },
};

/** NP6-788-CD as the public API serves it. */
export const SCED_LMP_API_LAYOUT: ErcotLayout<LmpKind> = {
  ...base,
  what: `ERCOT API ${SCED_LMP_REPORT.id.toLowerCase()}`,
  columns: { scedTimestamp: 'SCEDTimestamp', repeatedHour: 'repeatHourFlag', settlementPoint: 'settlementPoint', lmp: 'LMP' },
};

function result(done: ErcotSeries<LmpKind>): ScedLmpParseResult {
  const points: ScedLmpPoint[] = [];
  for (const { key, points: runs } of done.series) {
    for (const p of runs) points.push({ market: key.market, node: key.node!, scedTimestampMs: p.startMs, lmpUsdPerMwh: p.value });
  }
  // By run, then by settlement point as first seen: the order the runs happened in.
  points.sort((a, b) => a.scedTimestampMs - b.scedTimestampMs);
  const { rejects, gaps, rows, duplicates, leftOut } = done;
  return { points, rejects, gaps, rows, duplicates, leftOut };
}

const readOptions = (opts: ScedLmpParseOptions, unit: 'line' | 'row') => ({
  skipBadRows: opts.skipBadRows ?? false,
  ...(opts.settlementPoints ? { settlementPoints: opts.settlementPoints } : {}),
  otherSettlementPoints: 'skip' as const,
  unit,
});

/** One or more NP6-788-CD MIS files' text (several runs may be concatenated under one header). */
export function parseErcotScedLmpCsv(text: string, opts: ScedLmpParseOptions = {}): ScedLmpParseResult {
  const reader = new ErcotReader(SCED_LMP_CSV_LAYOUT, readOptions(opts, 'line'));
  reader.read(csvTable(text, SCED_LMP_CSV_LAYOUT));
  return result(reader.finish());
}

/**
 * The pages of one NP6-788-CD API query, as parsed JSON bodies in page order. Rows are numbered
 * across pages (row 1 is the first row of the first page). A body that is not a report page, or
 * lacks a field, is a ValidationError naming the page.
 */
export function parseErcotScedLmpPages(pages: readonly unknown[], opts: ScedLmpParseOptions = {}): ScedLmpParseResult {
  const layout = SCED_LMP_API_LAYOUT;
  const reader = new ErcotReader(layout, readOptions(opts, 'row'));
  let rowOffset = 0;
  pages.forEach((body, i) => {
    const where = `${layout.what}, page ${i + 1}`;
    const page = PageResponse.safeParse(body);
    if (!page.success) {
      const issue = page.error.issues[0];
      throw new ValidationError(where, [{ path: issue?.path.join('.') ?? '', message: issue?.message ?? 'not a report page' }]);
    }
    const onMissing = (missing: string[], got: string[]): never => {
      throw new ValidationError(where, [{ path: 'fields', message: `lack ${missing.join(', ')} (got ${got.join(', ')})` }]);
    };
    reader.read(pageTable(layout, page.data, { rowOffset, onMissing }));
    rowOffset += page.data.data.length;
  });
  return result(reader.finish());
}
