/** A loopback mempool.space answering enough for the last few days' hashprice, in its wire format. */
import { DAY_MS, HOUR_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { Handler } from '../contract/loopback.ts';

export function mempoolRoutes(): Record<string, Handler> {
  const now = Date.now();
  const days = [0, 1, 2, 3].map((i) => utcDay(now - i * DAY_MS));
  const s = (ms: number) => Math.floor(ms / 1000);
  const routes: Record<string, Handler> = {
    '/api/v1/mining/reward-stats/144': () => ({
      body: { startBlock: 880_000, endBlock: 880_143, totalReward: '0', totalFee: '14400000', totalTx: '1' },
    }),
    '/api/v1/prices': () => ({ body: { time: s(now), USD: 100_000 } }),
    '/api/v1/historical-price': () => ({ body: { prices: [{ time: 0, USD: 90_000 }], exchangeRates: {} } }),
  };
  for (const period of ['24h', '3d', '1w']) {
    routes[`/api/v1/mining/hashrate/${period}`] = () => ({
      body: {
        hashrates: [],
        difficulty: [{ timestamp: s(now - 30 * DAY_MS), difficulty: 100e12, height: 870_000 }],
        currentHashrate: 7e20,
        currentDifficulty: 110e12,
      },
    });
    routes[`/api/v1/mining/blocks/fees/${period}`] = () => ({
      body: days.map((d) => ({ avgHeight: 879_900, timestamp: s(parseUtcDay(d) + 6 * HOUR_MS), avgFees: 5_000_000 })),
    });
  }
  return routes;
}
