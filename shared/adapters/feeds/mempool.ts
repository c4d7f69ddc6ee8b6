/**
 * Hashprice computed from chain data served by the mempool.space REST API (no key; 429 when
 * rate-limited), with DESIGN's formula `H = 86400 × 1e15 / (D × 2^32) × (S + f) × p`:
 *
 * - a past UTC day d: D the difficulty in effect at noon of d (`/api/v1/mining/hashrate/:period`),
 *   f the mean of d's average block fees (`/api/v1/mining/blocks/fees/:period`, sats), S the
 *   subsidy at d's block height, p the price at noon of d (`/api/v1/historical-price`);
 * - the current UTC day: the rolling value now — D the current difficulty, f the mean fees of the
 *   last 144 blocks (`/api/v1/mining/reward-stats/144`, as the indices smooth them), S at the tip,
 *   p the current price (`/api/v1/prices`). Later runs of the day overwrite it.
 */
import * as z from 'zod';
import { hashpriceFromDifficulty, subsidyAtHeight } from '#domain/economics.ts';
import { DAY_MS, HOUR_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import type { HashpricePoint } from '#ports/market-data.ts';
import { type HttpOptions, requestJson } from './http.ts';

export const MEMPOOL_BASE_URL = 'https://mempool.space';
export const MEMPOOL_SOURCE = 'mempool';

const FEED = 'mempool.space';
const SATS_PER_BTC = 1e8;

const HashrateResponse = z.object({
  hashrates: z.array(z.object({ timestamp: z.number(), avgHashrate: z.number() })),
  difficulty: z.array(
    z
      .object({
        timestamp: z.number().optional(),
        time: z.number().optional(),
        difficulty: z.number().positive(),
        height: z.number().int(),
      })
      .refine((d) => d.timestamp !== undefined || d.time !== undefined, 'timestamp is required'),
  ),
  currentHashrate: z.number(),
  currentDifficulty: z.number().positive(),
});

const BlockFeesResponse = z.array(z.object({ avgHeight: z.number(), timestamp: z.number(), avgFees: z.number().min(0) }));
const PricesResponse = z.object({ time: z.number(), USD: z.number().positive() });
const HistoricalPriceResponse = z.object({ prices: z.array(z.object({ time: z.number(), USD: z.number().positive() })).min(1) });
const numeric = z.union([z.number(), z.string().regex(/^\d+$/)]).transform(Number);
const RewardStatsResponse = z.object({ startBlock: numeric, endBlock: numeric, totalReward: numeric, totalFee: numeric, totalTx: numeric });

const PERIODS: readonly [days: number, period: string][] = [
  [1, '24h'],
  [3, '3d'],
  [7, '1w'],
  [31, '1m'],
  [92, '3m'],
  [183, '6m'],
  [366, '1y'],
  [731, '2y'],
  [1096, '3y'],
];

/** The shortest mempool period reaching back `days` (3y at most). */
export function mempoolPeriod(days: number): string {
  return (PERIODS.find(([d]) => d >= days) ?? PERIODS[PERIODS.length - 1]!)[1];
}

export interface MempoolConfig {
  baseUrl?: string;
  /** Blocks the current value's fees are averaged over. Default 144 (about a day). */
  rewardStatsBlocks?: number;
  http?: HttpOptions;
  clock?: Clock;
}

export interface CurrentHashprice {
  usdPerPhDay: number;
  difficulty: number;
  subsidyBtc: number;
  feesPerBlockBtc: number;
  priceUsd: number;
}

export class MempoolHashpriceSource implements HashpriceSource {
  readonly name = MEMPOOL_SOURCE;
  private readonly base: string;
  private readonly clock: Clock;

  constructor(private readonly cfg: MempoolConfig = {}) {
    this.base = (cfg.baseUrl ?? MEMPOOL_BASE_URL).replace(/\/+$/, '');
    this.clock = cfg.clock ?? systemClock;
  }

  private get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    return requestJson({ feed: FEED, url: new URL(`${this.base}${path}`), schema }, this.cfg.http);
  }

  /** The rolling hashprice now, from the current difficulty, the last blocks' fees and the current price. */
  async current(): Promise<CurrentHashprice> {
    const blocks = this.cfg.rewardStatsBlocks ?? 144;
    const [hashrate, stats, prices] = await Promise.all([
      this.get('/api/v1/mining/hashrate/3d', HashrateResponse),
      this.get(`/api/v1/mining/reward-stats/${blocks}`, RewardStatsResponse),
      this.get('/api/v1/prices', PricesResponse),
    ]);
    const count = stats.endBlock - stats.startBlock + 1;
    const feesPerBlockBtc = stats.totalFee / Math.max(1, count) / SATS_PER_BTC;
    const subsidyBtc = subsidyAtHeight(stats.endBlock);
    return {
      usdPerPhDay: hashpriceFromDifficulty(hashrate.currentDifficulty, subsidyBtc, feesPerBlockBtc, prices.USD),
      difficulty: hashrate.currentDifficulty,
      subsidyBtc,
      feesPerBlockBtc,
      priceUsd: prices.USD,
    };
  }

  async fetchHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]> {
    const nowMs = this.clock.nowMs();
    const today = utcDay(nowMs);
    const lastDay = toDay < today ? toDay : today;
    const out: HashpricePoint[] = [];
    const pastDays: string[] = [];
    for (let d = parseUtcDay(fromDay); d <= parseUtcDay(lastDay); d += DAY_MS) {
      const day = utcDay(d);
      if (day < today) pastDays.push(day);
    }
    if (pastDays.length > 0) out.push(...(await this.history(pastDays, nowMs)));
    if (today >= fromDay && today <= toDay) {
      const now = await this.current();
      out.push({ date: today, usdPerPhDay: now.usdPerPhDay, source: this.name });
    }
    return out;
  }

  /** Daily values of past days; a day without fee or difficulty data is left out. */
  private async history(days: readonly string[], nowMs: number): Promise<HashpricePoint[]> {
    const period = mempoolPeriod(Math.ceil((nowMs - parseUtcDay(days[0]!)) / DAY_MS));
    const [hashrate, fees] = await Promise.all([
      this.get(`/api/v1/mining/hashrate/${period}`, HashrateResponse),
      this.get(`/api/v1/mining/blocks/fees/${period}`, BlockFeesResponse),
    ]);
    const adjustments = hashrate.difficulty
      .map((d) => ({ atMs: (d.timestamp ?? d.time!) * 1000, difficulty: d.difficulty }))
      .sort((a, b) => a.atMs - b.atMs);
    const out: HashpricePoint[] = [];
    for (const day of days) {
      const start = parseUtcDay(day);
      const noon = start + 12 * HOUR_MS;
      const inDay = fees.filter((f) => f.timestamp * 1000 >= start && f.timestamp * 1000 < start + DAY_MS);
      const inEffect = adjustments.filter((a) => a.atMs <= noon).at(-1);
      if (inDay.length === 0 || !inEffect) continue;
      const feesPerBlockBtc = inDay.reduce((s, f) => s + f.avgFees, 0) / inDay.length / SATS_PER_BTC;
      const height = Math.round(inDay.reduce((s, f) => s + f.avgHeight, 0) / inDay.length);
      const price = await this.get(`/api/v1/historical-price?currency=USD&timestamp=${Math.floor(noon / 1000)}`, HistoricalPriceResponse);
      out.push({
        date: day,
        usdPerPhDay: hashpriceFromDifficulty(inEffect.difficulty, subsidyAtHeight(height), feesPerBlockBtc, price.prices[0]!.USD),
        source: this.name,
      });
    }
    return out;
  }
}
