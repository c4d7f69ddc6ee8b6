import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryBidRepository } from '#adapters/memory-bids.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { runBacktest, summarize } from '#app/backtest/index.ts';
import { prepareBids } from '#app/bids.ts';
import { demandAt, hourBid, operatingDayHours, PRICE_CAP_USD_PER_MWH, type ResponseOption, responseSteps } from '#domain/bids.ts';
import { revenuePerMwh } from '#domain/economics.ts';
import { lastPriceForecaster } from '#domain/forecast.ts';
import { fixedClock } from '#ports/clock.ts';
import type { HashpricePoint, MarketDataRepository, PricePoint, SystemLoadPoint } from '#ports/market-data.ts';
import { START, site, syntheticMarket } from './synthetic.ts';

const JULY_1 = Date.parse('2024-07-01T05:00:00Z');
const hashprice = (usdPerPhDay: number) => ({ usdPerPhDay, day: '2024-06-30', ageDays: 1, source: 'test', demo: false });

const mixedSite = () =>
  site({
    interconnectMw: 200,
    baseLoadMw: 2,
    loads: [
      { id: 's19xp', kind: 'mining', powerMw: 70, efficiencyJPerTh: 21.5, poolFeePct: 2 },
      { id: 'tenant', kind: 'ai', contractedMw: 15, priceUsdPerMwh: 180 },
      { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 },
    ],
  });

describe('the day-ahead energy bid of an hour', () => {
  it('buys base and AI load at the cap, then each mining load at its breakeven, highest first', () => {
    const bid = hourBid(mixedSite(), { hourStartMs: JULY_1, hashprice: hashprice(50), daUsdPerMwh: 40, peakProbability: 0 });
    const be21 = Math.round(revenuePerMwh(50, 17.5, 2) * 100) / 100;
    const be19 = Math.round(revenuePerMwh(50, 21.5, 2) * 100) / 100;
    expect(bid.steps).toEqual([
      { loadId: 'base', kind: 'base', priceUsdPerMwh: PRICE_CAP_USD_PER_MWH, mw: 2 },
      { loadId: 'tenant', kind: 'ai', priceUsdPerMwh: PRICE_CAP_USD_PER_MWH, mw: 15 },
      { loadId: 's21', kind: 'mining', priceUsdPerMwh: be21, mw: 100 },
      { loadId: 's19xp', kind: 'mining', priceUsdPerMwh: be19, mw: 70 },
    ]);
    expect(bid.thresholdsUsdPerMwh).toEqual({ s19xp: be19, s21: be21 });
    expect(demandAt(bid.steps, 100)).toBe(2 + 15 + 100);
  });

  it('offers the curtailable mining MW as ancillary services at the opportunity cost of holding them', () => {
    const bid = hourBid(mixedSite(), { hourStartMs: JULY_1, hashprice: hashprice(50), daUsdPerMwh: 150, peakProbability: 0 });
    const s21 = bid.asOffers.filter((o) => o.loadId === 's21');
    expect(s21.map((o) => o.product)).toEqual(['RRS', 'ECRS', 'NSPIN']);
    // DA $150 against a $116.67 breakeven: holding 1 MW running for the hour loses $33.33.
    expect(s21[0]).toMatchObject({ mw: 100, priceUsdPerMwh: Math.round((150 - revenuePerMwh(50, 17.5, 2)) * 100) / 100 });
    const cheap = hourBid(mixedSite(), { hourStartMs: JULY_1, hashprice: hashprice(50), daUsdPerMwh: 20, peakProbability: 0 });
    expect(cheap.asOffers.every((o) => o.priceUsdPerMwh === 0.01)).toBe(true);
  });

  it('lowers the thresholds by the priced coincident-peak risk in 4CP months', () => {
    const s = site({ fourCp: { enabled: true, rateUsdPerKwYear: 60, months: [7] } });
    const calm = hourBid(s, { hourStartMs: JULY_1, hashprice: hashprice(50), daUsdPerMwh: 40, peakProbability: 0 });
    const risky = hourBid(s, { hourStartMs: JULY_1, hashprice: hashprice(50), daUsdPerMwh: 40, peakProbability: 0.1 });
    // 0.1 × 60 $/kW-year × 1000 kW/MW / 4 peaks = $1,500 per MWh for the hour.
    expect(calm.thresholdsUsdPerMwh.s21! - risky.thresholdsUsdPerMwh.s21!).toBeCloseTo(1500, 1);
  });

  it('has no mining steps, only a flag, when the hashprice is unknown', () => {
    const bid = hourBid(mixedSite(), { hourStartMs: JULY_1, hashprice: null, daUsdPerMwh: 40, peakProbability: 0 });
    expect(bid.steps.every((s) => s.kind !== 'mining')).toBe(true);
    expect(bid.flags).toContain('MISSING_HASHPRICE');
  });
});

describe('price response of a load with power modes', () => {
  it('buys, at every price, the MW of the option worth most (or nothing)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ mw: fc.integer({ min: 1, max: 100 }), rev: fc.integer({ min: 20, max: 300 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.integer({ min: -100, max: 400 }),
        (raw, price) => {
          const options: ResponseOption[] = raw.map((o, k) => ({ modeId: String(k), mw: o.mw, revenueUsdPerMwh: o.rev }));
          const steps = responseSteps(options);
          let best = 0;
          let bestMw = 0;
          for (const o of options) {
            const v = (o.revenueUsdPerMwh - price) * o.mw;
            if (v > best + 1e-9 || (Math.abs(v - best) <= 1e-9 && v > 0 && o.mw > bestMw)) {
              best = v;
              bestMw = o.mw;
            }
          }
          const bought = demandAt(steps, price);
          const value = (mw: number) =>
            mw === 0 ? 0 : Math.max(...options.filter((o) => o.mw === mw).map((o) => (o.revenueUsdPerMwh - price) * o.mw));
          // Prices on a step edge are rounded to the cent: compare the value, not the MW.
          expect(value(bought)).toBeGreaterThanOrEqual(best - Math.max(...options.map((o) => o.mw)) * 0.01);
        },
      ),
      { numRuns: 500, seed: 7 },
    );
  });
});

describe('operating days', () => {
  it.each([
    ['2024-07-01', 24, '2024-07-01T05:00:00.000Z'],
    ['2024-03-10', 23, '2024-03-10T06:00:00.000Z'],
    ['2024-11-03', 25, '2024-11-03T05:00:00.000Z'],
  ])('%s in Central time has %i hours from %s', (day, hours, first) => {
    const h = operatingDayHours(day, 'America/Chicago');
    expect(h).toHaveLength(hours);
    expect(new Date(h[0]!).toISOString()).toBe(first);
  });
});

/** Only what prepareBids reads; anything else is a test failure. */
class StubMarketData implements Pick<MarketDataRepository, 'getPrices' | 'getSystemLoad' | 'latestHashprice'> {
  constructor(
    private readonly da: readonly PricePoint[],
    private readonly hash: readonly HashpricePoint[],
  ) {}
  async getPrices(_m: string, _n: string, kind: string, fromMs: number, toMs: number) {
    return kind === 'DA' ? this.da.filter((p) => p.intervalStartMs >= fromMs && p.intervalStartMs < toMs) : [];
  }
  async getSystemLoad(): Promise<SystemLoadPoint[]> {
    return [];
  }
  async latestHashprice(day: string) {
    return [...this.hash].reverse().find((h) => h.date <= day) ?? null;
  }
}

describe('prepareBids', () => {
  const market = syntheticMarket(3);
  const repo = new StubMarketData(market.da, [
    { date: '2024-07-01', usdPerPhDay: 54, source: 'test' },
    { date: '2024-07-02', usdPerPhDay: 48, source: 'test' },
    { date: '2024-07-03', usdPerPhDay: 51, source: 'test' },
  ]) as unknown as MarketDataRepository;

  it('stores each site’s bids and publishes one BidsPrepared event carrying the curve', async () => {
    const bids = new MemoryBidRepository();
    const publisher = new MemoryEventPublisher();
    const at = Date.parse('2024-07-02T14:00:00Z');
    const r = await prepareBids({ marketData: repo, bids, publisher, clock: fixedClock(at) }, [site()], '2024-07-03');
    expect(r.bids[0]!.hours).toHaveLength(24);
    expect(await bids.get('test-site', '2024-07-03')).toEqual(r.bids[0]);
    expect(publisher.events).toHaveLength(1);
    const e = publisher.events[0]!;
    expect(e.detailType).toBe('BidsPrepared');
    expect(e.detail).toMatchObject({ siteId: 'test-site', operatingDay: '2024-07-03', settlementPoint: 'HB_HUBAVG' });
    expect((e.detail.hours as unknown[]).length).toBe(24);
    // Hours of 2024-07-03 CDT on UTC day 07-03 use the hashprice of 07-02; the last five, on UTC day 07-04, that of 07-03.
    expect(r.bids[0]!.hours[0]!.thresholdsUsdPerMwh.s21).toBeCloseTo(revenuePerMwh(48, 17.5, 2), 2);
    expect(r.bids[0]!.hours[23]!.thresholdsUsdPerMwh.s21).toBeCloseTo(revenuePerMwh(51, 17.5, 2), 2);
  });

  it('reports events that could not be sent, with the bids stored regardless', async () => {
    const bids = new MemoryBidRepository();
    const at = Date.parse('2024-07-02T14:00:00Z');
    const id = `bids#test-site#2024-07-03#${new Date(at).toISOString()}`;
    const r = await prepareBids(
      { marketData: repo, bids, publisher: new MemoryEventPublisher({ failIds: [id] }), clock: fixedClock(at) },
      [site()],
      '2024-07-03',
    );
    expect(r.unpublished).toEqual([id]);
    expect(await bids.get('test-site', '2024-07-03')).not.toBeNull();
  });

  it('rejects a date that is not a day', async () => {
    await expect(prepareBids({ marketData: repo, clock: fixedClock(0) }, [site()], '2024-13-45')).rejects.toThrow(/date/);
  });
});

describe('engine_dispatched on 15-minute prices', () => {
  it('runs a load in exactly the intervals whose settlement price is at or below its threshold (the breakeven here), as an upper bound', () => {
    const data = syntheticMarket(3);
    const r = runBacktest({
      sites: [site()],
      data,
      fromMs: START,
      toMs: START + 3 * 86_400_000,
      forecaster: lastPriceForecaster,
      record: true,
      policies: ['engine_dispatched'],
    });
    const mw = r.sites[0]!.result.series!.mw.engine_dispatched;
    const tl = r.timeline;
    for (let i = 0; i < tl.n; i++) {
      const h = data.hashprice.forInterval(tl.t[i]!)!;
      expect(mw[i]).toBe(tl.rt[i]! <= revenuePerMwh(h.usdPerPhDay, 17.5, 2) ? 100 : 0);
    }
    expect(summarize(r).sites[0]!.policies.engine_dispatched!.upperBound).toBe(true);
  });
});
