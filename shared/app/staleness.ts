/**
 * Staleness per feed: the age of the newest stored interval (now − its start), compared with a
 * threshold; a `MarketDataStale` event for each feed past it. The event id names the feed and its
 * newest interval, so a consumer sees one event per stale episode however often it is checked.
 */
import type { Site } from '#domain/sites.ts';
import { DAY_MS, iso, MINUTE_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';
import type { MarketDataRepository, PriceKind, SystemLoadKind } from '#ports/market-data.ts';

interface FeedBase {
  /** A name for logs, metrics and the event, e.g. `ERCOT HB_HUBAVG RT`. */
  feed: string;
  /** Older than this is stale. */
  maxAgeMs: number;
}

export type FeedSpec =
  | (FeedBase & { type: 'price'; market: string; node: string; kind: PriceKind; lookAheadMs?: number })
  | (FeedBase & { type: 'systemLoad'; market: string; kind: SystemLoadKind; lookAheadMs?: number })
  | (FeedBase & { type: 'hashprice' });

export interface FeedAge {
  feed: string;
  /** Start of the newest stored interval (for hashprice, of its UTC day); null when there is none. */
  newestIntervalStartMs: number | null;
  /** `nowMs − newestIntervalStartMs`; null when there is no data. May be negative for forward-looking feeds. */
  ageMs: number | null;
  maxAgeMs: number;
  stale: boolean;
}

/** How far back a system-load feed is searched for its newest point. */
const LOAD_LOOKBACK_MS = 14 * DAY_MS;

async function newest(repo: MarketDataRepository, f: FeedSpec, nowMs: number): Promise<number | null> {
  switch (f.type) {
    case 'price': {
      const p = await repo.latestPrice(f.market, f.node, f.kind, nowMs + (f.lookAheadMs ?? 0) + 1);
      return p?.intervalStartMs ?? null;
    }
    case 'systemLoad': {
      const pts = await repo.getSystemLoad(
        f.market,
        f.kind,
        nowMs - Math.max(LOAD_LOOKBACK_MS, 2 * f.maxAgeMs),
        nowMs + (f.lookAheadMs ?? 0) + 1,
      );
      return pts.at(-1)?.intervalStartMs ?? null;
    }
    case 'hashprice': {
      const h = await repo.latestHashprice(utcDay(nowMs));
      return h ? parseUtcDay(h.date) : null;
    }
  }
}

/** The age of every feed and a MarketDataStale event for each one past its threshold (or with no data). */
export async function feedStaleness(
  repo: MarketDataRepository,
  feeds: readonly FeedSpec[],
  nowMs: number,
): Promise<{ ages: FeedAge[]; events: DomainEvent[] }> {
  const ages = await Promise.all(
    feeds.map(async (f): Promise<FeedAge> => {
      const start = await newest(repo, f, nowMs);
      const ageMs = start === null ? null : nowMs - start;
      return { feed: f.feed, newestIntervalStartMs: start, ageMs, maxAgeMs: f.maxAgeMs, stale: ageMs === null || ageMs > f.maxAgeMs };
    }),
  );
  const events: DomainEvent[] = ages
    .map((a, i) => ({ a, f: feeds[i]! }))
    .filter(({ a }) => a.stale)
    .map(({ a, f }) => ({
      detailType: 'MarketDataStale' as const,
      id: `stale#${f.feed}#${a.newestIntervalStartMs === null ? 'none' : iso(a.newestIntervalStartMs)}`,
      timeMs: nowMs,
      detail: {
        feed: f.feed,
        type: f.type,
        ...(f.type !== 'hashprice' ? { market: f.market, kind: f.kind } : {}),
        ...(f.type === 'price' ? { node: f.node } : {}),
        newestIntervalStart: a.newestIntervalStartMs === null ? null : iso(a.newestIntervalStartMs),
        ageMinutes: a.ageMs === null ? null : Math.round(a.ageMs / MINUTE_MS),
        maxAgeMinutes: Math.round(f.maxAgeMs / MINUTE_MS),
        checkedAt: iso(nowMs),
      },
    }));
  return { ages, events };
}

/**
 * The feeds a set of sites depends on, with the thresholds of their policies (the strictest per
 * feed): RT prices per (market, node) at `maxPriceAgeMinutes`; hashprice at `maxHashpriceAgeDays`;
 * DA prices and, for 4CP sites, the ERCOT load forecast — forward-looking feeds whose newest
 * interval normally lies ahead — stale as soon as nothing lies beyond the current interval
 * (threshold 0, with a two-day look-ahead).
 */
export function feedsForSites(sites: readonly Site[]): FeedSpec[] {
  const out = new Map<string, FeedSpec>();
  const keep = (f: FeedSpec) => {
    const prev = out.get(f.feed);
    if (!prev || f.maxAgeMs < prev.maxAgeMs) out.set(f.feed, f);
  };
  for (const s of sites) {
    // Nord Pool sites decide on day-ahead prices only: they have no real-time price feed to go stale.
    if (s.market !== 'FIXED' && s.market !== 'NORDPOOL' && s.settlementPoint) {
      keep({
        feed: `${s.market} ${s.settlementPoint} RT`,
        type: 'price',
        market: s.market,
        node: s.settlementPoint,
        kind: 'RT',
        maxAgeMs: s.policy.maxPriceAgeMinutes * MINUTE_MS,
      });
    }
    if (s.market !== 'FIXED' && s.settlementPoint) {
      keep({
        feed: `${s.market} ${s.settlementPoint} DA`,
        type: 'price',
        market: s.market,
        node: s.settlementPoint,
        kind: 'DA',
        maxAgeMs: 0,
        lookAheadMs: 2 * DAY_MS,
      });
    }
    if (s.fourCp.enabled && s.market === 'ERCOT') {
      keep({ feed: 'ERCOT load FORECAST', type: 'systemLoad', market: 'ERCOT', kind: 'FORECAST', maxAgeMs: 0, lookAheadMs: 2 * DAY_MS });
    }
    keep({ feed: 'hashprice', type: 'hashprice', maxAgeMs: s.policy.maxHashpriceAgeDays * DAY_MS });
  }
  return [...out.values()];
}

/** Checks the feeds and publishes a MarketDataStale event for each stale one (what failed to send is in `published.failed`). */
export async function publishStaleness(
  repo: MarketDataRepository,
  publisher: EventPublisher,
  feeds: readonly FeedSpec[],
  nowMs: number,
): Promise<{ ages: FeedAge[]; published: PublishResult }> {
  const { ages, events } = await feedStaleness(repo, feeds, nowMs);
  const published = events.length > 0 ? await publisher.publish(events) : { sent: [], failed: [] };
  return { ages, published };
}
