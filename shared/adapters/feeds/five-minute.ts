/**
 * The LMP of one real-time dispatch run (ERCOT SCED, PJM five-minute) as the feeds read it, and as it is stored: a
 * price point of kind RT5 at the run's timestamp. The ingest job stores them; the site agent asks for the newest.
 */
import type { FeedParseResult, PriceFeed } from '#ports/feeds.ts';
import type { PricePoint } from '#ports/market-data.ts';

/** One settlement point's LMP in one dispatch run. */
export interface RunLmp {
  market: string;
  node: string;
  /** The run's timestamp, UTC (ERCOT's SCED timestamps carry seconds). */
  scedTimestampMs: number;
  lmpUsdPerMwh: number;
}

export const RT5_INTERVAL_MINUTES = 5;

export function rt5PricePoint(p: RunLmp): PricePoint {
  return {
    market: p.market,
    node: p.node,
    kind: 'RT5',
    intervalStartMs: p.scedTimestampMs,
    intervalMinutes: RT5_INTERVAL_MINUTES,
    priceUsdPerMwh: p.lmpUsdPerMwh,
  };
}

export interface RunRequest {
  fromMs: number;
  toMs: number;
  nodes: readonly string[];
  /** Report bad rows in `rejects` instead of failing the pull. */
  skipBadRows?: boolean;
}

/** A source of dispatch-run LMPs over a UTC window, for the ingest job and the agent alike. */
export interface RunLmpSource {
  /** Names the feed in reports, e.g. `ercot-api-rtm5`. */
  readonly name: string;
  /** Every run with its timestamp in [fromMs, toMs), for the nodes asked for, ascending. */
  fetchRuns(request: RunRequest): Promise<FeedParseResult<RunLmp>>;
}

/** The newest run per node among `points` (nodes without one are absent). */
export function newestByNode(points: readonly RunLmp[]): Map<string, RunLmp> {
  const newest = new Map<string, RunLmp>();
  for (const p of points) {
    const seen = newest.get(p.node);
    if (!seen || p.scedTimestampMs > seen.scedTimestampMs) newest.set(p.node, p);
  }
  return newest;
}

/** The source as a PriceFeed of RT5 points, for the ingest use case. */
export function rt5PriceFeed(source: RunLmpSource): PriceFeed {
  return {
    name: source.name,
    fetchPrices: async (request) => {
      const { points, ...rest } = await source.fetchRuns(request);
      return { points: points.map(rt5PricePoint), ...rest };
    },
  };
}
