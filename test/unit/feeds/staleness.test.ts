import { describe, expect, it } from 'vitest';
import { type FeedSpec, feedStaleness, feedsForSites } from '#app/staleness.ts';
import { parseSitesFile } from '#domain/sites.ts';
import { HOUR_MS, MINUTE_MS } from '#domain/time.ts';
import { MemoryMarketDataRepository } from '../../support/memory-market-data.ts';

const now = Date.parse('2024-07-01T15:07:00Z');
const rt: FeedSpec = { feed: 'ERCOT HB_HUBAVG RT', type: 'price', market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', maxAgeMs: 2 * HOUR_MS };

async function repoWithRtAt(...starts: string[]) {
  const repo = new MemoryMarketDataRepository();
  await repo.putPrices(
    starts.map((s) => ({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT' as const,
      intervalStartMs: Date.parse(s),
      intervalMinutes: 15,
      priceUsdPerMwh: 30,
    })),
  );
  return repo;
}

describe('feedStaleness', () => {
  it('gives the age of the newest interval and no event while it is within the threshold', async () => {
    const repo = await repoWithRtAt('2024-07-01T14:30:00Z', '2024-07-01T14:45:00Z');
    const { ages, events } = await feedStaleness(repo, [rt], now);
    expect(ages).toEqual([
      {
        feed: 'ERCOT HB_HUBAVG RT',
        newestIntervalStartMs: Date.parse('2024-07-01T14:45:00Z'),
        ageMs: 22 * MINUTE_MS,
        maxAgeMs: 2 * HOUR_MS,
        stale: false,
      },
    ]);
    expect(events).toEqual([]);
  });

  it('publishes MarketDataStale with what a consumer needs when the newest interval is too old', async () => {
    const repo = await repoWithRtAt('2024-07-01T12:00:00Z');
    const { ages, events } = await feedStaleness(repo, [rt], now);
    expect(ages[0]!.stale).toBe(true);
    expect(events).toEqual([
      {
        detailType: 'MarketDataStale',
        id: 'stale#ERCOT HB_HUBAVG RT#2024-07-01T12:00:00.000Z',
        timeMs: now,
        detail: {
          feed: 'ERCOT HB_HUBAVG RT',
          type: 'price',
          market: 'ERCOT',
          kind: 'RT',
          node: 'HB_HUBAVG',
          newestIntervalStart: '2024-07-01T12:00:00.000Z',
          ageMinutes: 187,
          maxAgeMinutes: 120,
          checkedAt: '2024-07-01T15:07:00.000Z',
        },
      },
    ]);
  });

  it('ignores intervals after now for a backward-looking feed', async () => {
    const repo = await repoWithRtAt('2024-07-01T12:00:00Z', '2024-07-02T12:00:00Z');
    expect((await feedStaleness(repo, [rt], now)).ages[0]!.newestIntervalStartMs).toBe(Date.parse('2024-07-01T12:00:00Z'));
  });

  it('calls a feed with no data at all stale', async () => {
    const { ages, events } = await feedStaleness(
      new MemoryMarketDataRepository(),
      [rt, { feed: 'hashprice', type: 'hashprice', maxAgeMs: 3 * 24 * HOUR_MS }],
      now,
    );
    expect(ages.map((a) => [a.stale, a.ageMs])).toEqual([
      [true, null],
      [true, null],
    ]);
    expect(events.map((e) => e.id)).toEqual(['stale#ERCOT HB_HUBAVG RT#none', 'stale#hashprice#none']);
  });

  it('measures hashprice by the start of its newest UTC day', async () => {
    const repo = new MemoryMarketDataRepository();
    await repo.putHashprices([{ date: '2024-06-27', usdPerPhDay: 50, source: 'mempool' }]);
    const { ages } = await feedStaleness(repo, [{ feed: 'hashprice', type: 'hashprice', maxAgeMs: 3 * 24 * HOUR_MS }], now);
    expect(ages[0]).toMatchObject({ ageMs: 4 * 24 * HOUR_MS + 15 * HOUR_MS + 7 * MINUTE_MS, stale: true });
  });

  it('treats a day-ahead feed as fresh while prices lie ahead, stale once nothing does', async () => {
    const repo = new MemoryMarketDataRepository();
    const da: FeedSpec = {
      feed: 'ERCOT HB_HUBAVG DA',
      type: 'price',
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'DA',
      maxAgeMs: 0,
      lookAheadMs: 48 * HOUR_MS,
    };
    await repo.putPrices([
      {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'DA',
        intervalStartMs: Date.parse('2024-07-02T04:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: 30,
      },
    ]);
    expect((await feedStaleness(repo, [da], now)).ages[0]!.stale).toBe(false);
    expect((await feedStaleness(repo, [da], Date.parse('2024-07-02T04:30:00Z'))).ages[0]!.stale).toBe(true);
  });
});

describe('feedsForSites', () => {
  it('derives one spec per feed, with the strictest threshold of the sites using it', () => {
    const site = (id: string, maxPriceAgeMinutes: number, fourCp = false) => ({
      id,
      name: id,
      market: 'ERCOT',
      settlementPoint: 'HB_WEST',
      timezone: 'America/Chicago',
      interconnectMw: 10,
      loads: [{ id: 'm', kind: 'mining', powerMw: 5, efficiencyJPerTh: 20 }],
      fourCp: { enabled: fourCp },
      policy: { maxPriceAgeMinutes },
    });
    const { sites } = parseSitesFile({ sites: [site('a', 120), site('b', 30, true)] });
    const specs = feedsForSites(sites);
    expect(specs.map((s) => [s.feed, s.maxAgeMs])).toEqual([
      ['ERCOT HB_WEST RT', 30 * MINUTE_MS],
      ['ERCOT HB_WEST DA', 0],
      ['hashprice', 3 * 24 * HOUR_MS],
      ['ERCOT load FORECAST', 0],
    ]);
  });

  it('watches only the day-ahead prices of a Nord Pool site, which has no real-time feed', () => {
    const { sites } = parseSitesFile({
      sites: [
        {
          id: 'tydal',
          name: 'Tydal',
          market: 'NORDPOOL',
          settlementPoint: 'NO3',
          timezone: 'Europe/Oslo',
          interconnectMw: 10,
          loads: [{ id: 'm', kind: 'mining', powerMw: 5, efficiencyJPerTh: 20 }],
        },
      ],
    });
    expect(feedsForSites(sites).map((s) => s.feed)).toEqual(['NORDPOOL NO3 DA', 'hashprice']);
  });
});
