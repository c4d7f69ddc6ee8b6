/**
 * Hashprice as published by the Hashrate Index API (USD per PH/s per day):
 * `GET /v1/hashrateindex/hashprice?span=…&bucket=1D&currency=USD&hashunit=PHS` with the
 * `X-Hi-Api-Key` header → `{ "data": [{ "price", "timestamp" }] }`. Values of one UTC day are
 * averaged (one per day with the daily bucket). Rate limit: a burst of 20, then 1 per 15 s —
 * the shared fetch helper waits on 429.
 */
import * as z from 'zod';
import { DAY_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import type { HashpricePoint } from '#ports/market-data.ts';
import { type HttpOptions, requestJson } from './http.ts';

export const HASHRATE_INDEX_BASE_URL = 'https://api.hashrateindex.com';
export const HASHRATE_INDEX_SOURCE = 'hashrateindex';

const HashpriceResponse = z.object({
  data: z.array(
    z.object({
      price: z.union([
        z.number(),
        z
          .string()
          .regex(/^-?\d+(\.\d+)?$/)
          .transform(Number),
      ]),
      timestamp: z.union([z.string(), z.number()]),
    }),
  ),
});

const SPANS: readonly [days: number, span: string][] = [
  [1, '1D'],
  [7, '7D'],
  [31, '1M'],
  [92, '3M'],
  [366, '1Y'],
  [1830, '5Y'],
];

export function hashrateIndexSpan(days: number): string {
  return SPANS.find(([d]) => d >= days)?.[1] ?? 'ALL';
}

export interface HashrateIndexConfig {
  apiKey: string;
  baseUrl?: string;
  http?: HttpOptions;
  clock?: Clock;
}

/** A timestamp as ISO text or epoch seconds/ms → epoch ms (NaN when unreadable). */
function toMs(t: string | number): number {
  if (typeof t === 'number') return t < 1e12 ? t * 1000 : t;
  return Date.parse(t);
}

export class HashrateIndexSource implements HashpriceSource {
  readonly name = HASHRATE_INDEX_SOURCE;
  private readonly base: string;
  private readonly clock: Clock;

  constructor(private readonly cfg: HashrateIndexConfig) {
    this.base = (cfg.baseUrl ?? HASHRATE_INDEX_BASE_URL).replace(/\/+$/, '');
    this.clock = cfg.clock ?? systemClock;
  }

  async fetchHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]> {
    const days = Math.ceil((this.clock.nowMs() - parseUtcDay(fromDay)) / DAY_MS) + 1;
    const url = new URL(`${this.base}/v1/hashrateindex/hashprice`);
    url.search = new URLSearchParams({ span: hashrateIndexSpan(days), bucket: '1D', currency: 'USD', hashunit: 'PHS' }).toString();
    const res = await requestJson(
      { feed: 'Hashrate Index', url, headers: { 'X-Hi-Api-Key': this.cfg.apiKey }, schema: HashpriceResponse },
      this.cfg.http,
    );
    const byDay = new Map<string, { sum: number; n: number }>();
    for (const p of res.data) {
      const ms = toMs(p.timestamp);
      if (!Number.isFinite(ms) || !(p.price > 0)) continue;
      const day = utcDay(ms);
      if (day < fromDay || day > toDay) continue;
      const acc = byDay.get(day) ?? { sum: 0, n: 0 };
      acc.sum += p.price;
      acc.n++;
      byDay.set(day, acc);
    }
    return [...byDay.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([date, { sum, n }]) => ({ date, usdPerPhDay: sum / n, source: this.name }));
  }
}
