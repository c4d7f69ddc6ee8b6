/** The backtest's shadow carbon price sweep: fewer tCO2 at a carbon price, what each avoided tonne cost, the chart. */
import { describe, expect, it } from 'vitest';
import { carbonSweep, intensityOnTimeline, tradeOffSvg } from '#app/backtest/carbon.ts';
import { buildTimeline } from '#app/backtest/timeline.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import type { IntensityPoint } from '#ports/market-data.ts';
import { START, site, syntheticMarket } from '../backtest/synthetic.ts';

const DAYS = 3;
const tl = buildTimeline(syntheticMarket(DAYS), START, START + DAYS * 86_400_000);
/** Gas-heavy by day (1,500 lb/MWh), windy by night (400); the last day has no intensity stored. */
const points: IntensityPoint[] = Array.from({ length: 2 * 96 }, (_, k) => {
  const localHour = Math.floor((k % 96) / 4);
  const lb = localHour >= 8 && localHour < 20 ? 1_500 : 400;
  return {
    market: 'ERCOT',
    kind: 'AVERAGE',
    intervalStartMs: START + k * 900_000,
    intervalMinutes: 15,
    lbCo2PerMwh: lb,
    generationMwh: null,
    settlementType: 'FINAL',
    source: 't',
  };
});
const intensity = intensityOnTimeline(tl, points);

describe('carbon sweep', () => {
  it('maps stored intensity onto the timeline, NaN where none is stored', () => {
    expect([intensity[0], intensity[40], intensity[2 * 96 - 1]]).toEqual([400, 1_500, 400]);
    expect(Number.isNaN(intensity[2 * 96]!)).toBe(true);
  });

  const rows = carbonSweep(site(), tl, intensity, [0, 25, 50, 100], { forecaster: spikePersistenceForecaster() });

  it('emits fewer tCO2 and draws fewer MWh at a shadow carbon price, and prices each tonne avoided', () => {
    expect(rows.map((r) => r.shadowPriceUsdPerTonne)).toEqual([0, 25, 50, 100]);
    const [zero, , , hundred] = rows as [(typeof rows)[0], unknown, unknown, (typeof rows)[0]];
    expect(hundred.tCo2).toBeLessThan(zero.tCo2);
    expect(hundred.mwh).toBeLessThan(zero.mwh);
    expect(hundred.avoidedTCo2).toBeCloseTo(zero.tCo2 - hundred.tCo2, 2);
    // The margin given up per tonne. The engine decides on forecasts, not on the prices it is settled at, so
    // curtailing for carbon can also avoid a loss: the cost per tonne may be negative, and is reported as it is.
    expect(hundred.usdPerTonneAvoided).toBeCloseTo((zero.netMarginUsd - hundred.netMarginUsd) / hundred.avoidedTCo2, 1);
    // Emissions never rise with the price.
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.tCo2).toBeLessThanOrEqual(rows[i - 1]!.tCo2 + 1e-6);
    expect([zero.avoidedTCo2, zero.usdPerTonneAvoided]).toEqual([0, null]);
  });

  it('counts tCO2 as the energy drawn times the interval intensity', () => {
    const flat = new Float64Array(tl.n).fill(1_000);
    const [row] = carbonSweep(site(), tl, flat, [0], { forecaster: spikePersistenceForecaster() });
    expect(row!.mwh).toBeGreaterThan(0);
    expect(row!.tCo2).toBeCloseTo((row!.mwh * 1_000) / 2_204.622_621_8, 2);
  });

  it('draws the trade-off curve with a point per shadow price', () => {
    const svg = tradeOffSvg(rows);
    expect(svg.match(/<circle class="sweep-point"/g)).toHaveLength(4);
    expect(svg).toContain('$100/t');
    expect(svg).toMatch(/^<svg [^>]*class="carbon-trade-off"/);
  });
});
