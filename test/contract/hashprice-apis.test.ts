/** mempool.space and Hashrate Index clients against loopback servers speaking their wire formats. */
import { afterEach, describe, expect, it } from 'vitest';
import { HashrateIndexSource } from '#adapters/feeds/hashrate-index.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import { MempoolHashpriceSource, mempoolPeriod } from '#adapters/feeds/mempool.ts';
import { fixedClock } from '#ports/clock.ts';
import { fastHttp, type Handler, type Loopback, loopback } from './loopback.ts';

const s = (iso: string) => Date.parse(iso) / 1000;
let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** mempool.space routes with the shapes its API returns (sats, seconds, H/s). */
function mempoolRoutes(over: Record<string, Handler> = {}): Record<string, Handler> {
  const hashrate: Handler = () => ({
    body: {
      hashrates: [{ timestamp: s('2024-06-14T00:00:00Z'), avgHashrate: 6.1e20 }],
      difficulty: [
        { timestamp: s('2024-06-01T03:12:00Z'), difficulty: 83e12, height: 846_000 },
        { timestamp: s('2024-06-15T14:00:00Z'), difficulty: 90e12, height: 848_100 },
      ],
      currentHashrate: 6.2e20,
      currentDifficulty: 80e12,
    },
  });
  return {
    '/api/v1/mining/hashrate/3d': hashrate,
    '/api/v1/mining/blocks/fees/3d': () => ({
      body: [
        { avgHeight: 847_930, timestamp: s('2024-06-14T20:00:00Z'), avgFees: 99_000_000 },
        { avgHeight: 848_000, timestamp: s('2024-06-15T06:00:00Z'), avgFees: 20_000_000 },
        { avgHeight: 848_070, timestamp: s('2024-06-15T18:00:00Z'), avgFees: 30_000_000 },
      ],
    }),
    '/api/v1/historical-price': (req) => ({
      body: { prices: [{ time: Number(req.query.get('timestamp')), USD: 66_000, EUR: 61_000 }], exchangeRates: { USDEUR: 0.92 } },
    }),
    '/api/v1/mining/reward-stats/144': () => ({
      body: { startBlock: 850_000, endBlock: 850_143, totalReward: '45036000000', totalFee: '36000000', totalTx: '500000' },
    }),
    '/api/v1/prices': () => ({ body: { time: s('2024-06-16T09:55:00Z'), USD: 60_000, EUR: 55_000, GBP: 47_000 } }),
    ...over,
  };
}

const now = fixedClock(Date.parse('2024-06-16T10:00:00Z'));

describe('mempool.space hashprice', () => {
  it('computes the current value from the current difficulty, the last 144 blocks’ fees and the current price', async () => {
    server = await loopback(mempoolRoutes());
    const current = await new MempoolHashpriceSource({ baseUrl: server.url, clock: now, http: fastHttp().http }).current();
    // 86400e15 / (80e12 × 2^32) × (3.125 + 36,000,000 sats / 144 blocks / 1e8) × $60,000, by hand: 47.18592390418
    expect(current.usdPerPhDay).toBeCloseTo(47.18592390418, 9);
    expect(current).toMatchObject({ subsidyBtc: 3.125, feesPerBlockBtc: 0.0025, priceUsd: 60_000, difficulty: 80e12 });
  });

  it('computes past days from the difficulty at noon, that day’s fee buckets and the noon price', async () => {
    server = await loopback(mempoolRoutes());
    const points = await new MempoolHashpriceSource({ baseUrl: server.url, clock: now, http: fastHttp().http }).fetchHashprices(
      '2024-06-15',
      '2024-06-16',
    );
    // 2024-06-15: D = 83e12 (the 90e12 retarget came at 14:00), f = mean(0.2, 0.3) BTC, p = $66,000:
    // 86400e15 / (83e12 × 2^32) × (3.125 + 0.25) × 66,000, by hand: 53.98753536753
    expect(points).toEqual([
      { date: '2024-06-15', usdPerPhDay: expect.closeTo(53.98753536753, 9), source: 'mempool' },
      { date: '2024-06-16', usdPerPhDay: expect.closeTo(47.18592390418, 9), source: 'mempool' },
    ]);
    expect(server.to('/api/v1/historical-price')[0]!.query.get('timestamp')).toBe('1718452800');
    expect(server.to('/api/v1/historical-price')[0]!.query.get('currency')).toBe('USD');
  });

  it('waits out a 429 (Retry-After) and retries a 503', async () => {
    server = await loopback(
      mempoolRoutes({
        '/api/v1/prices': (_r, n) =>
          n === 1
            ? { status: 429, headers: { 'retry-after': '2' }, body: 'Too Many Requests' }
            : n === 2
              ? { status: 503, body: '' }
              : { body: { time: 1, USD: 60_000 } },
      }),
    );
    const { http, waits } = fastHttp();
    const current = await new MempoolHashpriceSource({ baseUrl: server.url, clock: now, http }).current();
    expect(current.priceUsd).toBe(60_000);
    expect(waits[0]).toBe(2_000);
    expect(server.to('/api/v1/prices')).toHaveLength(3);
  });

  it('reports malformed JSON clearly', async () => {
    server = await loopback(mempoolRoutes({ '/api/v1/mining/reward-stats/144': () => ({ body: '<html>maintenance</html>' }) }));
    const err = await new MempoolHashpriceSource({ baseUrl: server.url, clock: now, http: fastHttp().http })
      .current()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toMatch(
      /^mempool\.space GET http:\/\/127\.0\.0\.1:\d+\/api\/v1\/mining\/reward-stats\/144: malformed JSON .*"<html>maintenance<\/html>"$/,
    );
  });

  it('picks the shortest period that reaches back far enough', () => {
    expect([mempoolPeriod(1), mempoolPeriod(2), mempoolPeriod(7), mempoolPeriod(8), mempoolPeriod(400), mempoolPeriod(5000)]).toEqual([
      '24h',
      '3d',
      '1w',
      '1m',
      '2y',
      '3y',
    ]);
  });
});

describe('Hashrate Index hashprice', () => {
  const body = {
    data: [
      { price: 48.12, timestamp: '2024-06-13T00:00:00.000Z' },
      { price: 49.5, timestamp: '2024-06-14T00:00:00.000Z' },
      { price: '51.25', timestamp: '2024-06-15T00:00:00.000Z' },
    ],
  };

  it('sends the key header and query the API documents, and keeps the days asked for', async () => {
    server = await loopback({ '/v1/hashrateindex/hashprice': () => ({ body }) });
    const hi = new HashrateIndexSource({ apiKey: 'hi-key', baseUrl: server.url, clock: now, http: fastHttp().http });
    const points = await hi.fetchHashprices('2024-06-14', '2024-06-15');
    expect(points).toEqual([
      { date: '2024-06-14', usdPerPhDay: 49.5, source: 'hashrateindex' },
      { date: '2024-06-15', usdPerPhDay: 51.25, source: 'hashrateindex' },
    ]);
    const [req] = server.requests;
    expect(req!.headers['x-hi-api-key']).toBe('hi-key');
    expect(Object.fromEntries(req!.query)).toEqual({ span: '7D', bucket: '1D', currency: 'USD', hashunit: 'PHS' });
  });

  it('backs off on 429 (burst limit) and retries a 502', async () => {
    server = await loopback({
      '/v1/hashrateindex/hashprice': (_r, n) =>
        n === 1 ? { status: 429, headers: { 'retry-after': '15' } } : n === 2 ? { status: 502 } : { body },
    });
    const { http, waits } = fastHttp();
    const points = await new HashrateIndexSource({ apiKey: 'k', baseUrl: server.url, clock: now, http }).fetchHashprices(
      '2024-06-13',
      '2024-06-16',
    );
    expect(points).toHaveLength(3);
    expect(waits[0]).toBe(15_000);
    expect(server.requests).toHaveLength(3);
  });

  it('reports malformed JSON and a wrong shape clearly', async () => {
    server = await loopback({
      '/v1/hashrateindex/hashprice': (_r, n) => (n === 1 ? { body: '{"data": [' } : { body: { data: [{ price: 'n/a', timestamp: 't' }] } }),
    });
    const hi = new HashrateIndexSource({ apiKey: 'k', baseUrl: server.url, clock: now, http: fastHttp().http });
    await expect(hi.fetchHashprices('2024-06-13', '2024-06-16')).rejects.toThrow(
      /^Hashrate Index GET .*\/v1\/hashrateindex\/hashprice: malformed JSON/,
    );
    await expect(hi.fetchHashprices('2024-06-13', '2024-06-16')).rejects.toThrow(/unexpected response shape: data\[0\]\.price/);
  });
});
