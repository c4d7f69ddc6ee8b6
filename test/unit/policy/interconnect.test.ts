import { describe, expect, it } from 'vitest';
import { priceMiners } from '#domain/policy/economics.ts';
import { shareInterconnect } from '#domain/policy/interconnect.ts';
import { overrideMiners } from '#domain/policy/overrides.ts';
import { price, site, T0 } from '../../support/fixtures.ts';
import { bounded, MIN, override, situation } from './helpers.ts';

describe('interconnect step', () => {
  it('gives scarce capacity to the most efficient fleet, in the order of the sites file', () => {
    const s = situation({ price: price(40) });
    const out = shareInterconnect(s, priceMiners(s, bounded(s)).plans, 120);
    expect(out.allocations.map((a) => [a.loadId, a.action, a.mw])).toEqual([
      ['s21', 'RUN', 100],
      ['s19', 'PARTIAL', 20],
    ]);
    expect(out.allocations[1]!.reasons).toEqual(['ECONOMIC_RUN', 'INTERCONNECT_LIMIT']);
    expect([out.runningMw, out.curtailedMw]).toEqual([120, 40]);
    expect(out.energyCostUsd).toBeCloseTo(40 * 120 * 0.25, 9);
  });

  it('serves an override before the economics', () => {
    const s = situation({ price: price(40), overrides: [override({ action: 'RUN', loadId: 's19' })] });
    const out = shareInterconnect(s, priceMiners(s, overrideMiners(s, bounded(s)).plans).plans, 100);
    expect(out.allocations.map((a) => a.mw)).toEqual([40, 60]);
  });

  it('clamps a level to the ramp and flags an override it limits', () => {
    const s = situation({
      site: site({ loads: [{ id: 'slow', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2, rampMinutes: 60 }] }),
      price: price(40),
      previous: { slow: { mw: 0, sinceMs: T0 - 120 * MIN } },
      overrides: [override({ action: 'RUN' })],
    });
    const out = shareInterconnect(s, priceMiners(s, overrideMiners(s, bounded(s)).plans).plans, 200);
    expect(out.allocations[0]).toMatchObject({ mw: 25, action: 'PARTIAL', reasons: ['OVERRIDE_RUN', 'OVERRIDE:ov-RUN', 'RAMP_LIMIT'] });
    expect(out.flags).toEqual(['OVERRIDE_LIMITED_BY_PHYSICS']);
  });
});
