import { describe, expect, it } from 'vitest';
import { deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import { revenuePerMwh } from '#domain/economics.ts';
import { NORDPOOL_MAX_PRICE_EUR, NORDPOOL_MIN_PRICE_EUR, nordPoolOrder, purchaseCurve } from '#domain/nordpool-order.ts';
import { site } from '../../support/fixtures.ts';

const tydal = site({
  id: 'tydal',
  market: 'NORDPOOL',
  settlementPoint: 'NO3',
  timezone: 'Europe/Oslo',
  interconnectMw: 60,
  baseLoadMw: 1,
  loads: [
    { id: 'new', kind: 'mining', powerMw: 30, efficiencyJPerTh: 17, poolFeePct: 2 },
    { id: 'old', kind: 'mining', powerMw: 20, efficiencyJPerTh: 25, poolFeePct: 2 },
    { id: 'gpu', kind: 'ai', contractedMw: 5, priceUsdPerMwh: 200 },
  ],
});

describe('the Nord Pool day-ahead order', () => {
  it('buys each mining load up to its breakeven in EUR, the inelastic load at any price, within −500..4,000', () => {
    const usdPerEur = 1.16;
    const curve = purchaseCurve(tydal, 50, usdPerEur);
    const eur = (eff: number) => Math.round((revenuePerMwh(50, eff, 2) / usdPerEur) * 10) / 10;
    expect(curve).toEqual([
      { price: NORDPOOL_MIN_PRICE_EUR, volume: 56 },
      { price: eur(25), volume: 56 },
      { price: Math.round((eur(25) + 0.1) * 10) / 10, volume: 36 },
      { price: eur(17), volume: 36 },
      { price: Math.round((eur(17) + 0.1) * 10) / 10, volume: 6 },
      { price: NORDPOOL_MAX_PRICE_EUR, volume: 6 },
    ]);
    // Never rising with the price, and every price within the auction's limits.
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.price).toBeGreaterThan(curve[i - 1]!.price);
      expect(curve[i]!.volume).toBeLessThanOrEqual(curve[i - 1]!.volume);
    }
  });

  it('keeps within the interconnect: the least valuable MW are left out', () => {
    const tight = { ...tydal, interconnectMw: 40 };
    const curve = purchaseCurve(tight, 50, 1.16);
    expect(curve[0]!.volume).toBe(40);
    expect(curve.at(-1)!.volume).toBe(6);
  });

  it('has one curve per quarter-hour of a 100-quarter-hour delivery day', () => {
    const { startMs, endMs } = deliveryDayWindow('2025-10-26');
    const starts = Array.from({ length: (endMs - startMs) / 900_000 }, (_, i) => startMs + i * 900_000);
    const order = nordPoolOrder(tydal, '2025-10-26', starts, 15, 50, { usdPerEur: 1.16, day: '2025-10-24', source: 'ecb-fx-xml' });
    expect(order.curves).toHaveLength(100);
    expect([order.curves[0]!.deliveryStart, order.curves[99]!.deliveryEnd]).toEqual(['2025-10-25T22:00:00Z', '2025-10-26T23:00:00Z']);
    expect(order).toMatchObject({ auction: 'DayAhead', area: 'NO3', currency: 'EUR' });
  });
});

describe('nordPoolOrders', () => {
  it('prices the order with the stored hashprice and the rate out before delivery, as CSV rows per curve point', async () => {
    const { MemoryMarketDataRepository } = await import('../../support/memory-market-data.ts');
    const { nordPoolOrders, nordPoolOrdersCsv } = await import('#app/nordpool-orders.ts');
    const repo = new MemoryMarketDataRepository();
    await repo.putHashprices([{ date: '2025-11-11', usdPerPhDay: 50, source: 'test' }]);
    await repo.putFxRates([
      { date: '2025-11-10', base: 'EUR', quote: 'USD', rate: 1.15, source: 'ecb-fx-xml' },
      { date: '2025-11-11', base: 'EUR', quote: 'USD', rate: 1.2, source: 'ecb-fx-xml' }, // out at 16:00 CET, after the order
    ]);
    const orders = await nordPoolOrders(repo, [tydal, site()], '2025-11-12', Date.parse('2025-11-11T10:00:00Z'));
    expect(orders.map((o) => [o.siteId, o.rate.day, o.rate.usdPerEur, o.curves.length])).toEqual([['tydal', '2025-11-10', 1.15, 96]]);
    const rows = nordPoolOrdersCsv(orders).trim().split('\n');
    expect(rows[0]).toBe('site_id,area,delivery_start_utc,delivery_end_utc,price_eur_per_mwh,volume_mw');
    expect(rows[1]).toBe('tydal,NO3,2025-11-11T23:00:00Z,2025-11-11T23:15:00Z,-500,56');
    expect(rows).toHaveLength(1 + 96 * 6);
    await expect(nordPoolOrders(new MemoryMarketDataRepository(), [tydal], '2025-11-12', 0)).rejects.toThrow(/no hashprice/);
  });
});
