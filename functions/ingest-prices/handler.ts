/**
 * Scheduled hourly (optionally every 15 minutes): the price ingest job (shared/app/jobs/ingest-prices.ts)
 * — ERCOT real-time and day-ahead settlement point prices for the configured ERCOT sites from the
 * ERCOT public API, then every price feed's staleness, published as MarketDataStale events.
 *
 * Environment (./contract.ts, read on the first invocation of a container; a bad value is named):
 *   ERCOT_USERNAME, ERCOT_PASSWORD, ERCOT_SUBSCRIPTION_KEY   each as the value, or *_PARAM / *_SECRET
 *   ERCOT_API_BASE_URL, ERCOT_TOKEN_URL, ERCOT_CLIENT_ID     optional overrides
 *   PRICE_LOOKBACK_HOURS                                     RT window behind now (default 6)
 *   RT5_LOOKBACK_MINUTES                                     SCED LMPs (RT5) behind now; 0 (default): not pulled
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 * The event may name a window to backfill: `{ "from": "2024-07-01T05:00:00Z", "to": "…" }`.
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoAuditRepository } from '#adapters/dynamo/audit.ts';
import { DynamoIngestMarkerRepository } from '#adapters/dynamo/ingest-markers.ts';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { ErcotScedLmpApi } from '#adapters/feeds/ercot-sced-lmp-api.ts';
import { rt5PriceFeed } from '#adapters/feeds/five-minute.ts';
import { ingestPricesJob } from '#app/jobs/ingest-prices.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { feedHttpOptions, feedSettings, recordFeedAges } from '../shared/feeds.ts';
import { lambdaHandler, perContainer } from '../shared/lambda.ts';
import { parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event } from './contract.ts';

export type IngestPricesEvent = Event;

const NAME = 'ingest-prices';
const WRITTEN_METRIC = { RT: 'RtPricesWritten', DA: 'DaPricesWritten', RT5: 'Rt5PricesWritten' } as const;

const settings = perContainer(async () => parseEnv(Env, process.env, NAME));

const ercot = perContainer(async () => {
  const env = await settings.get();
  const s = feedSettings();
  const [username, password, subscriptionKey] = await Promise.all([
    s.required('ERCOT_USERNAME'),
    s.required('ERCOT_PASSWORD'),
    s.required('ERCOT_SUBSCRIPTION_KEY'),
  ]);
  return new ErcotApiClient({
    username,
    password,
    subscriptionKey,
    ...(env.ERCOT_API_BASE_URL ? { baseUrl: env.ERCOT_API_BASE_URL } : {}),
    ...(env.ERCOT_TOKEN_URL ? { tokenUrl: env.ERCOT_TOKEN_URL } : {}),
    ...(env.ERCOT_CLIENT_ID ? { clientId: env.ERCOT_CLIENT_ID } : {}),
    http: feedHttpOptions(env),
  });
});

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  const env = await settings.get();
  const event = parseEvent(Event, raw);
  const p = awsParts(NAME, (client, table) => ({
    marketData: new DynamoMarketDataRepository(client, table),
    audit: new DynamoAuditRepository(client, table),
    ingests: new DynamoIngestMarkerRepository(client, table),
  }));
  const outcome = await ingestPricesJob(
    {
      sites: p.sites,
      marketData: p.repos.marketData,
      audit: p.repos.audit,
      ingests: p.repos.ingests,
      publisher: p.publisher,
      clock: systemClock,
      log: p.log,
      feeds: async () => {
        const client = await ercot.get();
        const { rtm, dam } = client.feeds();
        return { rt: rtm, da: dam, ...(env.RT5_LOOKBACK_MINUTES > 0 ? { rt5: rt5PriceFeed(new ErcotScedLmpApi(client)) } : {}) };
      },
    },
    { lookbackHours: env.PRICE_LOOKBACK_HOURS, rt5LookbackMinutes: env.RT5_LOOKBACK_MINUTES },
    event,
  );
  for (const r of outcome.reports) {
    metrics.addMetric(WRITTEN_METRIC[r.kind], MetricUnit.Count, r.written.prices);
  }
  recordFeedAges(metrics, outcome.ages);
  // A failed pull fails the invocation, so that the schedule's retry policy and the error alarm see it.
  if (outcome.errors.length > 0) throw new Error(`price ingest failed: ${outcome.errors.join(' | ')}`);
  return {
    ingested: outcome.reports.map((r) => ({
      feed: r.source,
      rows: r.rows,
      written: r.written.prices,
      changed: r.prices.changed,
      new: r.prices.new,
      unchanged: r.prices.unchanged,
      rejects: r.rejects.length,
      gaps: r.gaps.length,
    })),
    stale: outcome.stale,
    eventsFailed: outcome.published.failed.length,
  };
});
