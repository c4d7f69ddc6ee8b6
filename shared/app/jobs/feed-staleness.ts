/** Checks the feeds of some types that the sites depend on, publishes MarketDataStale for each stale one, and logs it. */
import type { Site } from '#domain/sites.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventPublisher, PublishResult } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { type FeedAge, type FeedSpec, feedsForSites, publishStaleness } from '../staleness.ts';

export interface FeedCheckDeps {
  sites: readonly Site[];
  marketData: MarketDataRepository;
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
}

export interface FeedCheck {
  ages: FeedAge[];
  /** Feeds past their threshold (or with no data). */
  stale: string[];
  published: PublishResult;
}

export async function checkFeeds(deps: FeedCheckDeps, types: readonly FeedSpec['type'][]): Promise<FeedCheck> {
  const feeds = feedsForSites(deps.sites).filter((f) => types.includes(f.type));
  const { ages, published } = await publishStaleness(deps.marketData, deps.publisher, feeds, deps.clock.nowMs());
  const stale = ages.filter((a) => a.stale);
  for (const a of stale) deps.log.warn('market data stale', { feed: a.feed, ageMs: a.ageMs, maxAgeMs: a.maxAgeMs });
  return { ages, stale: stale.map((a) => a.feed), published };
}
