/**
 * Scheduled hourly: daily hashprice from the configured sources in priority order (the first
 * that has a day wins; each value is stored with its source), then hashprice staleness.
 *
 * Environment (read once per container):
 *   HASHPRICE_SOURCES        order, e.g. "hashrateindex,mempool" (default: hashrateindex first
 *                            when an API key is configured, then mempool)
 *   HASHRATE_INDEX_API_KEY   the value, or HASHRATE_INDEX_API_KEY_PARAM / _SECRET
 *   HASHRATE_INDEX_BASE_URL, MEMPOOL_BASE_URL   optional overrides
 *   HASHPRICE_LOOKBACK_DAYS  days before today to (re)fetch (default 2)
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 * The event may name days to backfill: `{ "fromDay": "2024-06-01", "toDay": "2024-06-30" }`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HASHRATE_INDEX_SOURCE, HashrateIndexSource } from '#adapters/feeds/hashrate-index.ts';
import { MEMPOOL_SOURCE, MempoolHashpriceSource } from '#adapters/feeds/mempool.ts';
import { ingestHashprices } from '#app/ingest.ts';
import { feedsForSites, publishStaleness } from '#app/staleness.ts';
import { DAY_MS, utcDay } from '#domain/time.ts';
import { systemClock } from '#ports/clock.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import { awsParts } from '../shared/aws.ts';
import { feedHttpOptions, feedSettings, perContainer, recordFeedAges } from '../shared/feeds.ts';

export interface IngestHashpriceEvent {
  fromDay?: string;
  toDay?: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

const sources = perContainer(async (): Promise<HashpriceSource[]> => {
  const env = process.env;
  const s = feedSettings();
  const hasKey = (await s.optional('HASHRATE_INDEX_API_KEY')) !== undefined;
  const order = (env.HASHPRICE_SOURCES ?? (hasKey ? `${HASHRATE_INDEX_SOURCE},${MEMPOOL_SOURCE}` : MEMPOOL_SOURCE))
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const http = feedHttpOptions(env);
  return Promise.all(
    order.map(async (name): Promise<HashpriceSource> => {
      if (name === MEMPOOL_SOURCE) return new MempoolHashpriceSource({ http, ...(env.MEMPOOL_BASE_URL ? { baseUrl: env.MEMPOOL_BASE_URL } : {}) });
      if (name === HASHRATE_INDEX_SOURCE) {
        return new HashrateIndexSource({ http, apiKey: await s.required('HASHRATE_INDEX_API_KEY'), ...(env.HASHRATE_INDEX_BASE_URL ? { baseUrl: env.HASHRATE_INDEX_BASE_URL } : {}) });
      }
      throw new Error(`HASHPRICE_SOURCES: unknown source "${name}" (known: ${HASHRATE_INDEX_SOURCE}, ${MEMPOOL_SOURCE})`);
    }),
  );
});

export async function handler(event: IngestHashpriceEvent = {}) {
  const p = awsParts('ingest-hashprice');
  const nowMs = systemClock.nowMs();
  for (const [k, v] of Object.entries(event)) if (v !== undefined && !DAY.test(String(v))) throw new Error(`event.${k} must be a day YYYY-MM-DD (got "${v}")`);
  const lookback = Number(process.env.HASHPRICE_LOOKBACK_DAYS ?? 2);
  const range = { fromDay: event.fromDay ?? utcDay(nowMs - lookback * DAY_MS), toDay: event.toDay ?? utcDay(nowMs) };

  const report = await ingestHashprices(p.repos.marketData, await sources.get(), range);
  p.log.info('hashprice ingested', { ...range, written: report.written.map((w) => `${w.date}:${w.source}`), kept: report.kept, missing: report.missing });
  for (const e of report.errors) p.log.warn('hashprice source failed', e);
  p.metrics.addMetric('HashpricesWritten', MetricUnit.Count, report.written.length);
  p.metrics.addMetric('HashpriceSourceErrors', MetricUnit.Count, report.errors.length);

  const { ages, published } = await publishStaleness(p.repos.marketData, p.publisher, feedsForSites(p.sites).filter((f) => f.type === 'hashprice'), systemClock.nowMs());
  recordFeedAges(p.metrics, ages);
  p.metrics.publishStoredMetrics();
  // Every source failed: fail the invocation so that retries and the error alarm see it.
  if (report.written.length === 0 && report.kept.length === 0 && report.errors.length > 0) {
    throw new Error(`hashprice ingest failed: ${report.errors.map((e) => `${e.source}: ${e.error}`).join(' | ')}`);
  }
  return {
    written: report.written.map((w) => ({ date: w.date, source: w.source, usdPerPhDay: w.usdPerPhDay })),
    missing: report.missing,
    sourceErrors: report.errors,
    stale: ages.filter((a) => a.stale).map((a) => a.feed),
    eventsFailed: published.failed.length,
  };
}
