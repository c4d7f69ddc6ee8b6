import { describe, expect, it } from 'vitest';
import { runBacktest, summarize } from '#app/backtest/index.ts';
import { lastPriceForecaster } from '#domain/forecast.ts';
import type { AsPricePoint } from '#ports/market-data.ts';
import { START, site, syntheticMarket } from './synthetic.ts';

const DAY = 86_400_000;

/** RRS clears at $8/MW-h in every hour but the evening spike hour (19:00 CDT), where it clears at $0.005. */
function rrs(): AsPricePoint[] {
  const out: AsPricePoint[] = [];
  for (let h = 0; h < 72; h++) {
    const t = START + h * 3_600_000;
    out.push({
      market: 'ERCOT',
      node: 'HB_WEST',
      product: 'RRS',
      intervalStartMs: t,
      intervalMinutes: 60,
      priceUsdPerMwh: h % 24 === 19 ? 0.005 : 8,
    });
  }
  return out;
}

describe('ancillary-service revenue', () => {
  const data = { ...syntheticMarket(3), asPrices: rrs() };
  const run = (ancillary = true) =>
    runBacktest({
      sites: [site()],
      data,
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: lastPriceForecaster,
      record: true,
      ...(ancillary ? { ancillary: { product: 'RRS' as const } } : {}),
    });

  it('is its own line: the clearing price on the MW awarded by the bids and held running', () => {
    const s = summarize(run()).sites[0]!;
    expect(s.ancillary).toEqual({ product: 'RRS' });
    // Offers at $0.01/MW-h clear in the 69 hours at $8, not in the three spike hours at $0.005.
    expect(s.policies.engine_dispatched!.ancillaryRevenueUsd).toBeCloseTo(8 * 100 * 69, 6);
    expect(s.policies.always_on!.ancillaryRevenueUsd).toBe(0);
    expect(s.policies.perfect_foresight!.ancillaryRevenueUsd).toBe(0);
    const t = s.policies.engine_dispatched!;
    expect(t.netMarginUsd).toBeCloseTo(t.miningRevenueUsd - t.energyCostUsd + t.ancillaryRevenueUsd!, 1);
  });

  it('is absent when not configured', () => {
    const s = summarize(run(false)).sites[0]!;
    expect(s.ancillary).toBeUndefined();
    expect(s.policies.engine_dispatched!.ancillaryRevenueUsd).toBeUndefined();
  });

  it('keeps awarded MW running whatever the real-time price, and the live policy does the same', () => {
    // At $200/MW-h even the evening offers (day-ahead $250 against a ~$117 breakeven: ~$133) clear.
    const data2 = { ...syntheticMarket(3), asPrices: rrs().map((p) => ({ ...p, priceUsdPerMwh: 200 })) };
    const r = runBacktest({
      sites: [site()],
      data: data2,
      fromMs: START,
      toMs: START + 3 * DAY,
      forecaster: lastPriceForecaster,
      record: true,
      ancillary: { product: 'RRS' },
    });
    const series = r.sites[0]!.result.series!;
    for (let i = 0; i < r.timeline.n; i++) {
      expect(series.mw.engine_dispatched[i]).toBe(100);
      expect(series.mw.engine[i]).toBe(100);
    }
    // The $900 spikes are paid for: the energy P&L is always-on's while the award pays.
    const s = summarize(r).sites[0]!;
    expect(s.captureRatio.engine_dispatched).toBeCloseTo(0, 6);
    expect(s.policies.engine_dispatched!.ancillaryRevenueUsd).toBeCloseTo(200 * 100 * 72, 6);
  });
});
