/**
 * Real feeds for the local runtime, configured from the environment: the ERCOT public API
 * (ERCOT_USERNAME, ERCOT_PASSWORD, ERCOT_SUBSCRIPTION_KEY) and hashprice from Hashrate Index
 * (HASHRATE_INDEX_API_KEY) with mempool.space as the fallback. Base URLs can be pointed elsewhere
 * (ERCOT_API_BASE_URL, ERCOT_TOKEN_URL, ERCOT_CLIENT_ID, MEMPOOL_BASE_URL, HASHRATE_INDEX_BASE_URL).
 */
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { HashrateIndexSource } from '#adapters/feeds/hashrate-index.ts';
import { MempoolHashpriceSource } from '#adapters/feeds/mempool.ts';
import { liveWindows, nodesOf, pullHashprices, pullPrices } from '#app/pull.ts';
import { feedsForSites, publishStaleness } from '#app/staleness.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import type { LocalContext } from './context.ts';

export interface LiveFeeds {
  ercot: ErcotApiClient;
  hashprice: HashpriceSource[];
}

export const ERCOT_CREDENTIALS = ['ERCOT_USERNAME', 'ERCOT_PASSWORD', 'ERCOT_SUBSCRIPTION_KEY'] as const;


export function liveFeedsFromEnv(env: NodeJS.ProcessEnv = process.env): LiveFeeds {
  const missing = ERCOT_CREDENTIALS.filter((k) => !env[k]);
  if (missing.length) throw new Error(`live market data needs ${missing.join(', ')} in the environment`);
  const hashprice: HashpriceSource[] = [];
  if (env.HASHRATE_INDEX_API_KEY) {
    hashprice.push(new HashrateIndexSource({ apiKey: env.HASHRATE_INDEX_API_KEY, ...(env.HASHRATE_INDEX_BASE_URL ? { baseUrl: env.HASHRATE_INDEX_BASE_URL } : {}) }));
  }
  hashprice.push(new MempoolHashpriceSource(env.MEMPOOL_BASE_URL ? { baseUrl: env.MEMPOOL_BASE_URL } : {}));
  return {
    ercot: new ErcotApiClient({
      username: env.ERCOT_USERNAME!,
      password: env.ERCOT_PASSWORD!,
      subscriptionKey: env.ERCOT_SUBSCRIPTION_KEY!,
      ...(env.ERCOT_API_BASE_URL ? { baseUrl: env.ERCOT_API_BASE_URL } : {}),
      ...(env.ERCOT_TOKEN_URL ? { tokenUrl: env.ERCOT_TOKEN_URL } : {}),
      ...(env.ERCOT_CLIENT_ID ? { clientId: env.ERCOT_CLIENT_ID } : {}),
    }),
    hashprice,
  };
}

/** Pulls the last hours' prices and the last days' hashprice, then publishes staleness events. */
export async function pullLive(ctx: LocalContext, feeds: LiveFeeds, nowMs: number): Promise<{ errors: string[]; stale: string[] }> {
  const sites = ctx.sites();
  const { rtm, dam } = feeds.ercot.feeds();
  const prices = await pullPrices(ctx.repos.marketData, { rt: rtm, da: dam }, nodesOf(sites, 'ERCOT'), liveWindows(nowMs, 6), ctx.log);
  const hash = await pullHashprices(ctx.repos.marketData, feeds.hashprice, nowMs, 2, ctx.log);
  const { ages } = await publishStaleness(ctx.repos.marketData, ctx.publisher, feedsForSites(sites), ctx.clock.nowMs());
  const stale = ages.filter((a) => a.stale).map((a) => a.feed);
  if (stale.length) ctx.log.warn('market data stale', { feeds: stale });
  return { errors: [...prices.errors, ...hash.errors.map((e) => `${e.source}: ${e.error}`)], stale };
}
