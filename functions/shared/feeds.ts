/**
 * What the three ingest Lambdas share: feed settings (environment locally, SSM / Secrets Manager
 * in AWS, each read once per container), their HTTP retry policy, and feed-age metrics.
 */
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type * as z from 'zod';
import { defaultSecretClients, SettingsReader } from '#adapters/feeds/credentials.ts';
import type { HttpOptions } from '#adapters/feeds/http.ts';
import type { FeedAge } from '#app/staleness.ts';
import { type FeedHttpEnv, parseEnv, SecretStoreEnv } from './settings.ts';

type FeedHttpSettings = z.output<typeof FeedHttpEnv>;

let settings: SettingsReader | undefined;

/** The container's settings reader (its cache lives as long as the container). */
export function feedSettings(env: NodeJS.ProcessEnv = process.env): SettingsReader {
  const stores = parseEnv(SecretStoreEnv, env, 'feed');
  settings ??= new SettingsReader(
    env,
    defaultSecretClients({
      ...(stores.SSM_ENDPOINT ? { ssmEndpoint: stores.SSM_ENDPOINT } : {}),
      ...(stores.SECRETS_MANAGER_ENDPOINT ? { secretsEndpoint: stores.SECRETS_MANAGER_ENDPOINT } : {}),
    }),
  );
  return settings;
}

/** The HTTP retry policy of feed calls, from the FEED_HTTP_* settings (functions/shared/settings.ts `FeedHttpEnv`). */
export function feedHttpOptions(env: FeedHttpSettings): HttpOptions {
  return {
    ...(env.FEED_HTTP_TIMEOUT_MS !== undefined ? { timeoutMs: env.FEED_HTTP_TIMEOUT_MS } : {}),
    ...(env.FEED_HTTP_MAX_ATTEMPTS !== undefined ? { maxAttempts: env.FEED_HTTP_MAX_ATTEMPTS } : {}),
    ...(env.FEED_HTTP_BASE_DELAY_MS !== undefined ? { baseDelayMs: env.FEED_HTTP_BASE_DELAY_MS } : {}),
  };
}

/** One `FeedAgeSeconds` metric per feed (dimension `Feed`), and `FeedsStale`. */
export function recordFeedAges(metrics: Metrics, ages: readonly FeedAge[]): void {
  for (const a of ages) {
    if (a.ageMs === null) continue;
    const m = metrics.singleMetric();
    m.addDimension('Feed', a.feed);
    m.addMetric('FeedAgeSeconds', MetricUnit.Seconds, Math.round(a.ageMs / 1000));
  }
  metrics.addMetric('FeedsStale', MetricUnit.Count, ages.filter((a) => a.stale).length);
}

/** For tests that import a handler several times with different environments (functions/shared/aws.ts `resetAwsParts`). */
export function resetFeedSettings(): void {
  settings = undefined;
}
