/**
 * The live inputs of a site agent, built from the inventory and the environment: the site's Modbus TCP meters (and,
 * for a dispatched site, the QSE's base point), and the market's 5-minute price feed.
 *
 * Price feed credentials come from the environment, as for the ingest (never from the inventory, never logged):
 *   ERCOT   ERCOT_USERNAME, ERCOT_PASSWORD, ERCOT_SUBSCRIPTION_KEY [ERCOT_API_BASE_URL, ERCOT_TOKEN_URL]
 *   PJM     PJM_SUBSCRIPTION_KEY [PJM_DATA_MINER_BASE_URL]
 * A market whose credentials are not set has no live feed: the agent then follows the plan's schedule.
 */
import type { InventorySite } from '../inventory.ts';
import type { SiteAdapters } from '../main.ts';
import type { BasePointSource, FiveMinutePriceFeed, SiteMeters } from '../ports.ts';
import { modbusInputs } from './modbus.ts';
import { ercotFiveMinuteFeed, pjmFiveMinuteFeed } from './prices.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The market's live feed from the environment's credentials; null when they are not all set. */
export function priceFeedFor(market: string, env: Env): FiveMinutePriceFeed | null {
  if (market === 'ERCOT') {
    const { ERCOT_USERNAME: username, ERCOT_PASSWORD: password, ERCOT_SUBSCRIPTION_KEY: subscriptionKey } = env;
    if (!username || !password || !subscriptionKey) return null;
    return ercotFiveMinuteFeed({
      username,
      password,
      subscriptionKey,
      ...(env.ERCOT_API_BASE_URL ? { baseUrl: env.ERCOT_API_BASE_URL } : {}),
      ...(env.ERCOT_TOKEN_URL ? { tokenUrl: env.ERCOT_TOKEN_URL } : {}),
    });
  }
  if (market === 'PJM') {
    if (!env.PJM_SUBSCRIPTION_KEY) return null;
    return pjmFiveMinuteFeed({
      subscriptionKey: env.PJM_SUBSCRIPTION_KEY,
      ...(env.PJM_DATA_MINER_BASE_URL ? { baseUrl: env.PJM_DATA_MINER_BASE_URL } : {}),
    });
  }
  return null;
}

export function siteAdapters(env: Env = process.env): SiteAdapters {
  // One Modbus connection set per site, shared by the meters and the base point.
  const inputs = new Map<string, { meters: SiteMeters; basePoint: BasePointSource | null }>();
  const of = (site: InventorySite) => {
    let i = inputs.get(site.siteId);
    if (!i) {
      i = modbusInputs(site);
      inputs.set(site.siteId, i);
    }
    return i;
  };
  const feeds = new Map<string, FiveMinutePriceFeed | null>();
  return {
    meters: (site) => of(site).meters,
    basePoint: (site) => of(site).basePoint,
    prices: (market) => {
      if (!feeds.has(market)) feeds.set(market, priceFeedFor(market, env));
      return feeds.get(market) ?? null;
    },
  };
}
