/** The day-ahead orders of the Nord Pool sites for a delivery day, from the stored hashprice and EUR/USD rate. */
import { deliveryDayWindow, expectedIntervalMinutes } from '#adapters/feeds/day-ahead.ts';
import { type NordPoolOrder, nordPoolOrder } from '#domain/nordpool-order.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, MINUTE_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { latestRateDayKnownAt } from './market-view.ts';

/**
 * One order per NORDPOOL site. The hashprice is the latest stored up to the day before delivery, the rate the
 * latest published at `nowMs` (orders are sent before noon CET the day before); a fixed rate is used when none is stored.
 * Throws naming what is missing.
 */
export async function nordPoolOrders(
  repo: MarketDataRepository,
  sites: readonly Site[],
  deliveryDay: string,
  nowMs: number,
  fixedUsdPerEur?: number,
): Promise<NordPoolOrder[]> {
  const { startMs, endMs } = deliveryDayWindow(deliveryDay);
  const minutes = expectedIntervalMinutes(deliveryDay);
  const starts: number[] = [];
  for (let t = startMs; t < endMs; t += minutes * MINUTE_MS) starts.push(t);
  const hashprice = await repo.latestHashprice(utcDay(parseUtcDay(deliveryDay) - DAY_MS));
  if (!hashprice) throw new Error(`no hashprice stored on or before ${utcDay(parseUtcDay(deliveryDay) - DAY_MS)}`);
  const stored = await repo.latestFxRate('EUR', 'USD', latestRateDayKnownAt(Math.min(nowMs, startMs)));
  const rate = stored
    ? { usdPerEur: stored.rate, day: stored.date, source: stored.source }
    : fixedUsdPerEur !== undefined
      ? { usdPerEur: fixedUsdPerEur, day: deliveryDay, source: 'fixed' }
      : null;
  if (!rate) throw new Error('no EUR/USD reference rate stored (ingest an ECB file with --source ecb-fx-xml)');
  return sites
    .filter((s) => s.market === 'NORDPOOL')
    .map((s) => nordPoolOrder(s, deliveryDay, starts, minutes, hashprice.usdPerPhDay, rate));
}

/** The orders as CSV, one row per curve point: the shape of Nord Pool's curve order entry. */
export function nordPoolOrdersCsv(orders: readonly NordPoolOrder[]): string {
  const lines = ['site_id,area,delivery_start_utc,delivery_end_utc,price_eur_per_mwh,volume_mw'];
  for (const o of orders) {
    for (const c of o.curves)
      for (const p of c.curvePoints) lines.push([o.siteId, o.area, c.deliveryStart, c.deliveryEnd, p.price, p.volume].join(','));
  }
  return `${lines.join('\n')}\n`;
}
