/**
 * Scheduled hourly (optionally every 15 minutes): pull ERCOT real-time and day-ahead settlement
 * point prices for the settlement points of the configured ERCOT sites from the ERCOT public API,
 * store them, then check every price feed's staleness and publish MarketDataStale events.
 *
 * Environment (read once per container):
 *   ERCOT_USERNAME, ERCOT_PASSWORD, ERCOT_SUBSCRIPTION_KEY   each as the value, or *_PARAM / *_SECRET
 *   ERCOT_API_BASE_URL, ERCOT_TOKEN_URL, ERCOT_CLIENT_ID     optional overrides
 *   PRICE_LOOKBACK_HOURS                                     RT window behind now (default 6)
 *   FEED_HTTP_TIMEOUT_MS, FEED_HTTP_MAX_ATTEMPTS, FEED_HTTP_BASE_DELAY_MS   HTTP retry policy
 * The event may name a window to backfill: `{ "from": "2024-07-01T05:00:00Z", "to": "…" }`.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { liveWindows, nodesOf, pullPrices } from '#app/pull.ts';
import { feedsForSites, publishStaleness } from '#app/staleness.ts';
import { parseInstant } from '#domain/time.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { feedHttpOptions, feedSettings, perContainer, recordFeedAges } from '../shared/feeds.ts';

export interface IngestPricesEvent {
  from?: string;
  to?: string;
}

const ercot = perContainer(async () => {
  const s = feedSettings();
  const [username, password, subscriptionKey] = await Promise.all([s.required('ERCOT_USERNAME'), s.required('ERCOT_PASSWORD'), s.required('ERCOT_SUBSCRIPTION_KEY')]);
  const env = process.env;
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

function instant(text: string, field: string): number {
  const ms = parseInstant(text);
  if (!Number.isFinite(ms)) throw new Error(`event.${field} must be an ISO instant with an offset (got "${text}")`);
  return ms;
}

export async function handler(event: IngestPricesEvent = {}) {
  const p = awsParts('ingest-prices');
  const nowMs = systemClock.nowMs();
  const nodes = nodesOf(p.sites, 'ERCOT');
  const backfill = event.from !== undefined || event.to !== undefined;
  let windows = liveWindows(nowMs, Number(process.env.PRICE_LOOKBACK_HOURS ?? 6));
  if (backfill) {
    const window = { fromMs: instant(event.from ?? '', 'from'), toMs: instant(event.to ?? '', 'to') };
    windows = { rt: window, da: window };
  }
  let pulled: Awaited<ReturnType<typeof pullPrices>> = { reports: [], errors: [] };
  if (nodes.length === 0) {
    p.log.warn('no ERCOT sites with a settlement point: nothing to pull');
  } else {
    const { rtm, dam } = (await ercot.get()).feeds();
    pulled = await pullPrices(p.repos.marketData, { rt: rtm, da: dam }, nodes, windows, p.log);
    for (const r of pulled.reports) p.metrics.addMetric(r.source === rtm.name ? 'RtPricesWritten' : 'DaPricesWritten', MetricUnit.Count, r.written.prices);
  }
  const { reports, errors } = pulled;

  const priceFeeds = feedsForSites(p.sites).filter((f) => f.type === 'price');
  const { ages, published } = await publishStaleness(p.repos.marketData, p.publisher, priceFeeds, systemClock.nowMs());
  recordFeedAges(p.metrics, ages);
  p.metrics.publishStoredMetrics();
  for (const a of ages.filter((x) => x.stale)) p.log.warn('market data stale', { feed: a.feed, ageMs: a.ageMs, maxAgeMs: a.maxAgeMs });
  // A failed pull fails the invocation, so that the schedule's retry policy and the error alarm see it.
  if (errors.length > 0) throw new Error(`price ingest failed: ${errors.join(' | ')}`);
  return {
    ingested: reports.map((r) => ({ feed: r.source, rows: r.rows, written: r.written.prices, rejects: r.rejects.length, gaps: r.gaps.length })),
    stale: ages.filter((a) => a.stale).map((a) => a.feed),
    eventsFailed: published.failed.length,
  };
}
