/**
 * Scheduled hourly: the hashprice ingest job (shared/app/jobs/ingest-hashprice.ts) — the daily
 * hashprice from the configured sources in priority order (the first that has a day wins; each
 * value is stored with its source), then the hashprice feed's staleness.
 *
 * Environment (./contract.ts, read on the first invocation of a container; a bad value is named):
 *   HASHPRICE_SOURCES        order, e.g. "hashrateindex,mempool" (default: hashrateindex first
 *                            when an API key is configured, then mempool)
 *   HASHRATE_INDEX_API_KEY   the value, or HASHRATE_INDEX_API_KEY_PARAM / _SECRET
 *   HASHRATE_INDEX_BASE_URL, MEMPOOL_BASE_URL   optional overrides
 *   HASHPRICE_LOOKBACK_DAYS  days before today to (re)fetch (default 2)
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 * The event may name days to backfill: `{ "fromDay": "2024-06-01", "toDay": "2024-06-30" }`.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { HashrateIndexSource } from '#adapters/feeds/hashrate-index.ts';
import { MempoolHashpriceSource } from '#adapters/feeds/mempool.ts';
import { ingestHashpriceJob } from '#app/jobs/ingest-hashprice.ts';
import { systemClock } from '#ports/clock.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import { awsParts, marketDataOnly } from '../shared/aws.ts';
import { feedHttpOptions, feedSettings, recordFeedAges } from '../shared/feeds.ts';
import { lambdaHandler, perContainer } from '../shared/lambda.ts';
import { hashpriceOrder, parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event } from './contract.ts';

export type IngestHashpriceEvent = Event;

const NAME = 'ingest-hashprice';

const settings = perContainer(async () => parseEnv(Env, process.env, NAME));

const sources = perContainer(async (): Promise<HashpriceSource[]> => {
  const env = await settings.get();
  const s = feedSettings();
  const hasKey = (await s.optional('HASHRATE_INDEX_API_KEY')) !== undefined;
  const http = feedHttpOptions(env);
  return Promise.all(
    hashpriceOrder(env.HASHPRICE_SOURCES, hasKey).map(async (name): Promise<HashpriceSource> => {
      if (name === 'mempool') {
        return new MempoolHashpriceSource({ http, ...(env.MEMPOOL_BASE_URL ? { baseUrl: env.MEMPOOL_BASE_URL } : {}) });
      }
      const apiKey = await s.required('HASHRATE_INDEX_API_KEY');
      return new HashrateIndexSource({ http, apiKey, ...(env.HASHRATE_INDEX_BASE_URL ? { baseUrl: env.HASHRATE_INDEX_BASE_URL } : {}) });
    }),
  );
});

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  const env = await settings.get();
  const event = parseEvent(Event, raw);
  const p = awsParts(NAME, marketDataOnly);
  const deps = { sites: p.sites, marketData: p.repos.marketData, publisher: p.publisher, clock: systemClock, log: p.log };
  const job = { ...deps, sources: () => sources.get() };
  const { report, failed, ages, stale, published } = await ingestHashpriceJob(job, { lookbackDays: env.HASHPRICE_LOOKBACK_DAYS }, event);
  metrics.addMetric('HashpricesWritten', MetricUnit.Count, report.written.length);
  metrics.addMetric('HashpriceSourceErrors', MetricUnit.Count, report.errors.length);
  recordFeedAges(metrics, ages);
  // Every source failed: fail the invocation so that retries and the error alarm see it.
  if (failed) throw new Error(`hashprice ingest failed: ${report.errors.map((e) => `${e.source}: ${e.error}`).join(' | ')}`);
  return {
    written: report.written.map((w) => ({ date: w.date, source: w.source, usdPerPhDay: w.usdPerPhDay })),
    missing: report.missing,
    sourceErrors: report.errors,
    stale,
    eventsFailed: published.failed.length,
  };
});
