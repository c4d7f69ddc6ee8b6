/**
 * What the three ingest Lambdas share: feed settings (environment locally, SSM / Secrets Manager
 * in AWS, each read once per container), a once-per-container builder, and feed-age metrics.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import { defaultSecretClients, SettingsReader } from '#adapters/feeds/credentials.ts';
import type { HttpOptions } from '#adapters/feeds/http.ts';
import type { FeedAge } from '#app/staleness.ts';

let settings: SettingsReader | undefined;

/** The container's settings reader (its cache lives as long as the container). */
export function feedSettings(env: NodeJS.ProcessEnv = process.env): SettingsReader {
  settings ??= new SettingsReader(
    env,
    defaultSecretClients({
      ...(env.SSM_ENDPOINT ? { ssmEndpoint: env.SSM_ENDPOINT } : {}),
      ...(env.SECRETS_MANAGER_ENDPOINT ? { secretsEndpoint: env.SECRETS_MANAGER_ENDPOINT } : {}),
    }),
  );
  return settings;
}

/**
 * Timeouts and retries of feed HTTP calls: FEED_HTTP_TIMEOUT_MS (per attempt, default 15 s),
 * FEED_HTTP_MAX_ATTEMPTS (default 4), FEED_HTTP_BASE_DELAY_MS (first backoff, default 500 ms).
 * Keep attempts × timeout well inside the function's own timeout.
 */
export function feedHttpOptions(env: NodeJS.ProcessEnv = process.env): HttpOptions {
  const num = (name: string) => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${v}")`);
    return n;
  };
  const timeoutMs = num('FEED_HTTP_TIMEOUT_MS');
  const maxAttempts = num('FEED_HTTP_MAX_ATTEMPTS');
  const baseDelayMs = num('FEED_HTTP_BASE_DELAY_MS');
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(maxAttempts !== undefined ? { maxAttempts: Math.max(1, maxAttempts) } : {}),
    ...(baseDelayMs !== undefined ? { baseDelayMs } : {}),
  };
}

/** A value built once per container; a failed build is retried on the next invocation. */
export function perContainer<T>(build: () => Promise<T>): { get(): Promise<T>; reset(): void } {
  let p: Promise<T> | undefined;
  return {
    get() {
      p ??= build().catch((err: unknown) => {
        p = undefined;
        throw err;
      });
      return p;
    },
    reset() {
      p = undefined;
    },
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

/** For tests that import a handler several times with different environments. */
export function resetFeedSettings(): void {
  settings = undefined;
}
