/**
 * The hashprice ingest job, as the ingest-hashprice Lambda runs it every hour and the local runtime
 * before each run when real feeds are configured: the daily hashprice of the last days (or the days
 * asked for) from the sources in priority order, then the hashprice feed's staleness.
 */
import type { HashpriceSource } from '#ports/feeds.ts';
import type { HashpriceIngestReport } from '../ingest.ts';
import { hashpriceRange, pullHashprices } from '../pull.ts';
import { checkFeeds, type FeedCheck, type FeedCheckDeps } from './feed-staleness.ts';

export interface HashpriceIngestDeps extends FeedCheckDeps {
  /** The sources in priority order, built on first use. */
  sources(): Promise<readonly HashpriceSource[]>;
}

export interface HashpriceIngestSettings {
  /** Days before today to (re)fetch (HASHPRICE_LOOKBACK_DAYS). */
  lookbackDays: number;
}

export interface HashpriceIngestRequest {
  fromDay?: string;
  toDay?: string;
}

export interface HashpriceIngestOutcome extends FeedCheck {
  range: { fromDay: string; toDay: string };
  report: HashpriceIngestReport;
  /** Every source failed and nothing was written or kept. */
  failed: boolean;
}

export async function ingestHashpriceJob(
  deps: HashpriceIngestDeps,
  settings: HashpriceIngestSettings,
  req: HashpriceIngestRequest = {},
): Promise<HashpriceIngestOutcome> {
  const live = hashpriceRange(deps.clock.nowMs(), settings.lookbackDays);
  const range = { fromDay: req.fromDay ?? live.fromDay, toDay: req.toDay ?? live.toDay };
  const report = await pullHashprices(deps.marketData, await deps.sources(), range, deps.log);
  const failed = report.written.length === 0 && report.kept.length === 0 && report.errors.length > 0;
  return { range, report, failed, ...(await checkFeeds(deps, ['hashprice'])) };
}
