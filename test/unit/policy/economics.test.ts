import { describe, expect, it } from 'vitest';
import { priceMiners } from '#domain/policy/economics.ts';
import { oblige } from '#domain/policy/grid-obligations.ts';
import { price, site, T0 } from '../../support/fixtures.ts';
import { bounded, MIN, plan, situation } from './helpers.ts';

// At $50/PH/day and a 2% fee: s21 breaks even at $116.67/MWh, s19 at $94.96/MWh.
describe('economics step', () => {
  it('runs each free load below its breakeven and records its threshold', () => {
    const s = situation({ price: price(100) });
    const out = priceMiners(s, bounded(s));
    expect(plan(out.plans, 's21')).toMatchObject({ mw: 100, threshold: 116.67, reasons: ['ECONOMIC_RUN'] });
    expect(plan(out.plans, 's19')).toMatchObject({ mw: 0, threshold: 94.96, reasons: ['ECONOMIC_CURTAIL'] });
  });

  it('leaves a load an obligation holds as it is', () => {
    const s = situation({ price: price(40) });
    const [first, second] = bounded(s);
    const held = oblige(first!, 0, 'DR_DEPLOYMENT');
    const out = priceMiners(s, [held, second!]);
    expect(out.plans[0]).toBe(held);
    expect(out.plans[1]).toMatchObject({ mw: 60, reasons: ['ECONOMIC_RUN'] });
  });

  it('holds a running load through the hysteresis band above breakeven', () => {
    const s = situation({
      site: site({ policy: { hysteresisUsdPerMwh: 5 } }),
      price: price(119),
      previous: { s21: { mw: 100, sinceMs: T0 - 60 * MIN }, s19: { mw: 0, sinceMs: T0 - 60 * MIN } },
    });
    expect(plan(priceMiners(s, bounded(s)).plans, 's21')).toMatchObject({
      mw: 100,
      threshold: 121.67,
      reasons: ['ECONOMIC_RUN', 'HYSTERESIS_HOLD'],
    });
  });

  it('prices 4CP risk into the level and the threshold in a likely peak', () => {
    const s = situation({ site: site({ fourCp: { enabled: true, rateUsdPerKwYear: 0.5 } }), price: price(80), peakProbability: 0.2 });
    // Premium: 0.2 × 1000 × 0.5 / (4 × 0.25 h) = $100/MWh.
    const s21 = plan(priceMiners(s, bounded(s)).plans, 's21');
    expect(s21).toMatchObject({ mw: 0, threshold: 16.67, reasons: ['FOURCP_PEAK_RISK'] });
  });
});
