/**
 * Real feeds for the local runtime, configured from the environment with the ingest Lambdas'
 * settings (local/settings.ts): the ERCOT public API (ERCOT_USERNAME, ERCOT_PASSWORD,
 * ERCOT_SUBSCRIPTION_KEY, as values) and hashprice in HASHPRICE_SOURCES order (default: Hashrate
 * Index when HASHRATE_INDEX_API_KEY is set, then mempool.space). Base URLs can be pointed elsewhere
 * (ERCOT_API_BASE_URL, ERCOT_TOKEN_URL, ERCOT_CLIENT_ID, MEMPOOL_BASE_URL, HASHRATE_INDEX_BASE_URL);
 * PRICE_LOOKBACK_HOURS, HASHPRICE_LOOKBACK_DAYS and FEED_HTTP_* mean what they mean in Lambda.
 * The pulls are the ingest jobs the Lambdas run (shared/app/jobs/); a pull that stored a new price
 * re-decides what it informs with the job run-interval's price trigger runs in Lambda.
 */
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { HashrateIndexSource } from '#adapters/feeds/hashrate-index.ts';
import { MempoolHashpriceSource } from '#adapters/feeds/mempool.ts';
import { checkFeeds } from '#app/jobs/feed-staleness.ts';
import { ingestHashpriceJob } from '#app/jobs/ingest-hashprice.ts';
import { ingestPricesJob } from '#app/jobs/ingest-prices.ts';
import { type PricesStored, pricedNodes, priceRedecideJob } from '#app/jobs/price-redecide.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { type LiveIntensityFeeds, liveIntensityFromEnv } from '#functions/shared/intensity.ts';
import { hashpriceOrder } from '#functions/shared/settings.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import type { LocalContext } from './context.ts';
import { pullLiveIntensity } from './live-intensity.ts';
import { type LiveSettings, readLiveSettings } from './settings.ts';

export interface LiveFeeds {
  settings: LiveSettings;
  ercot: ErcotApiClient;
  hashprice: HashpriceSource[];
  /** Grid intensity: the fuel-mix dashboard, and WattTime when configured (local/live-intensity.ts). */
  intensity: LiveIntensityFeeds;
}

export function liveFeedsFromEnv(env: NodeJS.ProcessEnv = process.env): LiveFeeds {
  const s = readLiveSettings(env);
  const http = {
    ...(s.FEED_HTTP_TIMEOUT_MS !== undefined ? { timeoutMs: s.FEED_HTTP_TIMEOUT_MS } : {}),
    ...(s.FEED_HTTP_MAX_ATTEMPTS !== undefined ? { maxAttempts: s.FEED_HTTP_MAX_ATTEMPTS } : {}),
    ...(s.FEED_HTTP_BASE_DELAY_MS !== undefined ? { baseDelayMs: s.FEED_HTTP_BASE_DELAY_MS } : {}),
  };
  const indexKey = s.HASHRATE_INDEX_API_KEY;
  const hashprice = hashpriceOrder(s.HASHPRICE_SOURCES, indexKey !== undefined).map((name): HashpriceSource => {
    if (name === 'mempool') return new MempoolHashpriceSource({ http, ...(s.MEMPOOL_BASE_URL ? { baseUrl: s.MEMPOOL_BASE_URL } : {}) });
    if (!indexKey) throw new Error('HASHPRICE_SOURCES names hashrateindex: HASHRATE_INDEX_API_KEY is required');
    const baseUrl = s.HASHRATE_INDEX_BASE_URL ? { baseUrl: s.HASHRATE_INDEX_BASE_URL } : {};
    return new HashrateIndexSource({ http, apiKey: indexKey, ...baseUrl });
  });
  return {
    settings: s,
    ercot: new ErcotApiClient({
      username: s.ERCOT_USERNAME,
      password: s.ERCOT_PASSWORD,
      subscriptionKey: s.ERCOT_SUBSCRIPTION_KEY,
      ...(s.ERCOT_API_BASE_URL ? { baseUrl: s.ERCOT_API_BASE_URL } : {}),
      ...(s.ERCOT_TOKEN_URL ? { tokenUrl: s.ERCOT_TOKEN_URL } : {}),
      ...(s.ERCOT_CLIENT_ID ? { clientId: s.ERCOT_CLIENT_ID } : {}),
      http,
    }),
    hashprice,
    intensity: liveIntensityFromEnv(env, http),
  };
}

/** The two ingest jobs (prices, then hashprice, each with its feeds' staleness), and the feeds no live source fills. */
export async function pullLive(ctx: LocalContext, feeds: LiveFeeds): Promise<{ errors: string[]; stale: string[] }> {
  const deps = { sites: ctx.sites(), marketData: ctx.repos.marketData, publisher: ctx.publisher, clock: ctx.clock, log: ctx.log };
  const prices = await pullLivePrices(ctx, feeds);
  const hash = await ingestHashpriceJob(
    { ...deps, sources: async () => feeds.hashprice },
    { lookbackDays: feeds.settings.HASHPRICE_LOOKBACK_DAYS },
  );
  // The ERCOT load forecast (4CP sites) has no live source here: checked so that its absence is announced.
  const load = await checkFeeds(deps, ['systemLoad']);
  const intensity = await pullLiveIntensity(ctx, feeds.intensity);
  return {
    errors: [...prices.errors, ...hash.report.errors.map((e) => `${e.source}: ${e.error}`), ...intensity.errors],
    stale: [...prices.stale, ...hash.stale, ...load.stale],
  };
}

/** The price ingest job, then, for every node with a new price, the re-decision of what it informs. */
export async function pullLivePrices(ctx: LocalContext, feeds: LiveFeeds): Promise<{ errors: string[]; stale: string[] }> {
  const deps = { sites: ctx.sites(), marketData: ctx.repos.marketData, publisher: ctx.publisher, clock: ctx.clock, log: ctx.log };
  const prices = await ingestPricesJob(
    {
      ...deps,
      feeds: async () => {
        const { rtm, dam } = feeds.ercot.feeds();
        return { rt: rtm, da: dam };
      },
    },
    { lookbackHours: feeds.settings.PRICE_LOOKBACK_HOURS },
  );
  const redecided = await redecideOnPrices(ctx, prices.stored);
  return { errors: [...prices.errors, ...redecided.errors], stale: prices.stale };
}

/** Re-decides, node by node, what newly stored prices inform (locally, what the PricesStored rule does in AWS). */
export async function redecideOnPrices(ctx: LocalContext, stored: readonly PricesStored[]): Promise<{ written: number; errors: string[] }> {
  const out = { written: 0, errors: [] as string[] };
  if (stored.length === 0) return out;
  const deps = runDeps({ sites: ctx.sites(), repos: ctx.repos, publisher: ctx.publisher, clock: ctx.clock, log: ctx.log });
  for (const node of pricedNodes(stored)) {
    const r = await priceRedecideJob(deps, node);
    out.written += r.written.length;
    out.errors.push(...r.errors);
  }
  return out;
}
