/**
 * PJM five-minute LMPs from the Data Miner 2 API (https://api.pjm.com/api/v1): `rt_fivemin_hrl_lmps` (verified,
 * published with a delay) and `rt_unverified_fivemin_lmps` (the newest intervals, before verification).
 *
 * `GET <base>/<feed>?rowCount=&startRow=&datetime_beginning_utc=M/D/YYYY HH:mmtoM/D/YYYY HH:mm&pnode_name=…` with
 * `Ocp-Apim-Subscription-Key`; the answer is `{ items: [{ datetime_beginning_utc, datetime_beginning_ept,
 * pnode_name, total_lmp_rt, row_is_current?, … }], totalRows, links }`, read `rowCount` rows at a time. Times are
 * taken from the UTC column, so the fall-back hour (its EPT times repeat) needs no flag; a corrected row appears
 * twice and only `row_is_current` true is kept.
 */
import * as z from 'zod';
import { MINUTE_MS } from '#domain/time.ts';
import type { FeedParseResult } from '#ports/feeds.ts';
import { checkPrice, findGaps, Rejects, SeriesCollector } from './csv.ts';
import type { RunLmp, RunLmpSource, RunRequest } from './five-minute.ts';
import { FeedError, type HttpOptions, requestJson } from './http.ts';
import { PJM, parsePjmUtc } from './pjm.ts';

export const PJM_DATA_MINER_BASE_URL = 'https://api.pjm.com/api/v1';

/** The Data Miner feeds of five-minute LMPs. */
export const PJM_FIVE_MINUTE_FEEDS = {
  verified: 'rt_fivemin_hrl_lmps',
  unverified: 'rt_unverified_fivemin_lmps',
} as const;
export type PjmFiveMinuteFeed = keyof typeof PJM_FIVE_MINUTE_FEEDS;

export interface PjmDataMinerConfig {
  subscriptionKey: string;
  baseUrl?: string;
  /** Rows per request. Default 50,000 (Data Miner's limit). */
  rowCount?: number;
  http?: HttpOptions;
}

const FEED = 'PJM Data Miner';
const STEP_MS = 5 * MINUTE_MS;

const Item = z.looseObject({});
const Response = z.object({ items: z.array(Item), totalRows: z.number().int().min(0) });

/** `M/D/YYYY HH:mm`, the form Data Miner's date filters take. */
function filterTime(ms: number): string {
  const d = new Date(ms);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${hh}:${mm}`;
}

export class PjmDataMinerClient {
  private readonly baseUrl: string;
  private readonly rowCount: number;

  constructor(private readonly cfg: PjmDataMinerConfig) {
    this.baseUrl = (cfg.baseUrl ?? PJM_DATA_MINER_BASE_URL).replace(/\/+$/, '');
    this.rowCount = cfg.rowCount ?? 50_000;
  }

  /** Five-minute LMPs with interval start in [fromMs, toMs) for the pnodes, from the verified or the unverified feed. */
  async fetchFiveMinute(feed: PjmFiveMinuteFeed, req: RunRequest): Promise<FeedParseResult<RunLmp> & { notCurrent: number }> {
    const path = PJM_FIVE_MINUTE_FEEDS[feed];
    if (req.nodes.length === 0) throw new FeedError(`${FEED} ${path}: no pnodes requested`, FEED);
    const what = `${FEED} ${path}`;
    const rejects = new Rejects(what, req.skipBadRows ?? false, 'row');
    const collector = new SeriesCollector(rejects);
    const allowed = new Set(req.nodes);
    let rows = 0;
    let notCurrent = 0;
    // The filter's end is inclusive, to the minute: the last interval that starts before `toMs`.
    const range = `${filterTime(req.fromMs)}to${filterTime(Math.ceil(req.toMs / STEP_MS) * STEP_MS - STEP_MS)}`;
    for (const node of req.nodes) {
      for (let startRow = 1, total = 1; startRow <= total; startRow += this.rowCount) {
        const url = new URL(`${this.baseUrl}/${path}`);
        url.searchParams.set('rowCount', String(this.rowCount));
        url.searchParams.set('startRow', String(startRow));
        url.searchParams.set('datetime_beginning_utc', range);
        url.searchParams.set('pnode_name', node);
        const body = await requestJson(
          { feed: FEED, url, headers: { 'Ocp-Apim-Subscription-Key': this.cfg.subscriptionKey }, schema: Response },
          this.cfg.http ?? {},
        );
        total = body.totalRows;
        for (const item of body.items) {
          rows += 1;
          const outcome = readItem(item, rows, rejects, allowed);
          if (outcome === 'not-current') notCurrent += 1;
          else if (outcome) collector.add(outcome.node, outcome.startMs, outcome.price, rows, 'total_lmp_rt');
        }
        if (body.items.length === 0) break;
      }
    }
    const points: RunLmp[] = [];
    const gaps = [];
    for (const node of collector.names()) {
      const series = collector.sorted(node).filter((p) => p.startMs >= req.fromMs && p.startMs < req.toMs);
      for (const p of series) points.push({ market: PJM, node, scedTimestampMs: p.startMs, lmpUsdPerMwh: p.value });
      gaps.push(
        ...findGaps(
          `${PJM} ${node} RT5`,
          series.map((p) => p.startMs),
          STEP_MS,
        ),
      );
    }
    points.sort((a, b) => a.scedTimestampMs - b.scedTimestampMs);
    return { points, rejects: rejects.sorted(), gaps, rows, duplicates: collector.duplicates, notCurrent };
  }

  /** The verified feed, or the unverified one for the newest intervals, as a source the ingest job and the agent use. */
  source(feed: PjmFiveMinuteFeed): RunLmpSource {
    return { name: `pjm-api-rt5-${feed}`, fetchRuns: (req) => this.fetchFiveMinute(feed, req) };
  }
}

function readItem(
  item: Record<string, unknown>,
  row: number,
  rejects: Rejects,
  allowed: ReadonlySet<string>,
): { node: string; startMs: number; price: number } | 'not-current' | null {
  if ('row_is_current' in item && item.row_is_current !== true) {
    if (item.row_is_current === false) return 'not-current';
    rejects.reject(row, 'row_is_current', `must be true or false (got ${JSON.stringify(item.row_is_current)})`);
    return null;
  }
  const start = typeof item.datetime_beginning_utc === 'string' ? parsePjmUtc(item.datetime_beginning_utc.trim()) : Number.NaN;
  if (Number.isNaN(start) || start % STEP_MS !== 0) {
    rejects.reject(
      row,
      'datetime_beginning_utc',
      `${JSON.stringify(item.datetime_beginning_utc)} is not the UTC start of a 5-minute interval`,
    );
    return null;
  }
  const node = typeof item.pnode_name === 'string' ? item.pnode_name.trim() : '';
  if (!allowed.has(node)) {
    rejects.reject(row, 'pnode_name', `unknown pnode ${JSON.stringify(item.pnode_name)} (expected ${[...allowed].join(', ')})`);
    return null;
  }
  const price = item.total_lmp_rt;
  const problem = typeof price !== 'number' || !Number.isFinite(price) ? `not a number (got ${JSON.stringify(price)})` : checkPrice(price);
  if (problem) {
    rejects.reject(row, 'total_lmp_rt', problem);
    return null;
  }
  return { node, startMs: start, price: price as number };
}
