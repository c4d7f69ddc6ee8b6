/**
 * Scheduled in the afternoon, Oslo time, after Nord Pool's day-ahead auction (infra/schedules.ts):
 * the Nord Pool ingest job (shared/app/jobs/ingest-nordpool.ts) — the next delivery day's prices in
 * EUR for the bidding zones of the NORDPOOL sites from the Nord Pool Data Portal, falling back to the
 * ENTSO-E Transparency Platform, then the ECB euro reference rate of the day, then the staleness of
 * those sites' day-ahead feeds (MarketDataStale events, FeedsStale / FeedAgeSeconds metrics).
 *
 * Environment (./contract.ts, read on the first invocation of a container; a bad value is named):
 *   ENTSOE_SECURITY_TOKEN                         as the value, or *_PARAM / *_SECRET (the stack: a Secrets Manager secret)
 *   NORDPOOL_BASE_URL, ENTSOE_BASE_URL, ECB_DAILY_URL   optional endpoint overrides
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 * The event: `{}` or `{ "lastAttempt": true }` from a schedule, or `{ "deliveryDay": "2025-10-26" }` to fetch one day again.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAuditRepository } from '#adapters/dynamo/audit.ts';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { EcbRatesClient } from '#adapters/feeds/ecb-fx.ts';
import { entsoeFromSettings } from '#adapters/feeds/entsoe.ts';
import { NordPoolDayAheadClient } from '#adapters/feeds/nordpool.ts';
import { ingestNordPoolJob } from '#app/jobs/ingest-nordpool.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { feedHttpOptions, feedSettings, recordFeedAges } from '../shared/feeds.ts';
import { lambdaHandler, perContainer } from '../shared/lambda.ts';
import { parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event } from './contract.ts';

export type IngestNordPoolEvent = Event;

const NAME = 'ingest-nordpool';

const settings = perContainer(async () => parseEnv(Env, process.env, NAME));

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  const env = await settings.get();
  const event = parseEvent(Event, raw);
  const p = awsParts(NAME, (client, table) => ({
    marketData: new DynamoMarketDataRepository(client, table),
    audit: new DynamoAuditRepository(client, table),
  }));
  const http = feedHttpOptions(env);
  const outcome = await ingestNordPoolJob(
    {
      sites: p.sites,
      marketData: p.repos.marketData,
      audit: p.repos.audit,
      publisher: p.publisher,
      clock: systemClock,
      log: p.log,
      // The ENTSO-E token is read only when Nord Pool has failed and ENTSO-E is asked.
      sources: async () => [
        new NordPoolDayAheadClient({ http, ...(env.NORDPOOL_BASE_URL ? { baseUrl: env.NORDPOOL_BASE_URL } : {}) }),
        entsoeFromSettings(feedSettings(), { http, ...(env.ENTSOE_BASE_URL ? { baseUrl: env.ENTSOE_BASE_URL } : {}) }),
      ],
      rates: () => new EcbRatesClient({ http, ...(env.ECB_DAILY_URL ? { dailyUrl: env.ECB_DAILY_URL } : {}) }).daily(),
    },
    event,
  );
  const count = (status: string) => outcome.days.filter((d) => d.status === status).length;
  metrics.addMetric('DayAheadDaysStored', MetricUnit.Count, count('stored') + count('replaced'));
  metrics.addMetric('DayAheadDaysNotPublished', MetricUnit.Count, count('not-published'));
  metrics.addMetric('DayAheadFallbacks', MetricUnit.Count, outcome.days.filter((d) => d.failedOver?.length && d.source).length);
  metrics.addMetric('FxRatesStored', MetricUnit.Count, outcome.rates.stored.length);
  recordFeedAges(metrics, outcome.ages);
  // A failure (or, on the last slot, a day still unpublished) fails the invocation: Lambda retries it, the error alarm sees it.
  if (outcome.errors.length > 0) throw new Error(`Nord Pool ingest failed: ${outcome.errors.join(' | ')}`);
  return {
    days: outcome.days.map((d) => ({
      area: d.area,
      deliveryDay: d.deliveryDay,
      status: d.status,
      ...(d.source ? { source: d.source } : {}),
      ...(d.revision ? { revision: d.revision } : {}),
      ...(d.failedOver?.length ? { failedOver: d.failedOver.map((f) => f.source) } : {}),
    })),
    rates: outcome.rates.stored.map((r) => ({ date: r.date, rate: r.rate })),
    ...(outcome.rates.skipped ? { ratesSkipped: outcome.rates.skipped } : {}),
    stale: outcome.stale,
    eventsFailed: outcome.published.failed.length,
  };
});
