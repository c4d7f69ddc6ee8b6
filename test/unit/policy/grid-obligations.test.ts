import { describe, expect, it } from 'vitest';
import { oblige, obligeMiners, obligeTenants } from '#domain/policy/grid-obligations.ts';
import { Priority } from '#domain/policy/plans.ts';
import { site, T0 } from '../../support/fixtures.ts';
import { bounded, event, MIN, plan, situation } from './helpers.ts';

describe('grid obligations step: tenants', () => {
  it('leaves tenants at their contract without an AI emergency', () => {
    expect(obligeTenants(situation({ gridEvents: [event({ type: 'EEA', level: 1 })] }))).toEqual([
      expect.objectContaining({ wantMw: 15, backupMw: 0, obligated: false, reasons: [] }),
    ]);
  });

  it('interrupts what the contract allows and moves the rest it can onto backup generation in EEA3', () => {
    const s = site({
      loads: [{ id: 't', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 180, interruptible: true, interruptibleMw: 5, backupGenMw: 10 }],
    });
    const [t] = obligeTenants(situation({ site: s, gridEvents: [event({ type: 'EEA', level: 3 })] }));
    expect(t).toMatchObject({ wantMw: 5, backupMw: 10, obligated: true, reasons: ['AI_INTERRUPTED_EMERGENCY', 'AI_ON_BACKUP_GEN'] });
  });
});

describe('grid obligations step: miners', () => {
  it('returns the plans as they are when no obligation applies', () => {
    const s = situation();
    const plans = bounded(s);
    const out = obligeMiners(s, plans);
    expect(out.plans).toBe(plans);
    expect(out.flags).toEqual([]);
  });

  it('curtails every miner in a mining emergency, without changing the plans it was given', () => {
    const s = situation({ gridEvents: [event({ type: 'SB6_DIRECTIVE' })] });
    const plans = bounded(s);
    const before = structuredClone(plans);
    const out = obligeMiners(s, plans);
    expect(out.plans.map((p) => [p.mw, p.obligation, p.priority])).toEqual([
      [0, 'SB6_DIRECTIVE', Priority.Obligation],
      [0, 'SB6_DIRECTIVE', Priority.Obligation],
    ]);
    expect(plans).toEqual(before);
  });

  it('curtails a deployment least efficient first and flags what it cannot cover', () => {
    const s = situation({ gridEvents: [event({ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 50 })] });
    const out = obligeMiners(s, bounded(s));
    expect(plan(out.plans, 's19')).toMatchObject({ mw: 0, obligation: 'DR_DEPLOYMENT' });
    expect(plan(out.plans, 's21').obligation).toBeNull();
    expect(out.flags).toEqual([]);
    const big = situation({ gridEvents: [event({ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 500 })] });
    expect(obligeMiners(big, bounded(big)).flags).toEqual(['OBLIGATION_SHORTFALL']);
  });

  it('keeps an undeployed award running on the most efficient curtailable fleet', () => {
    const s = situation({ gridEvents: [event({ type: 'AS_AWARD', siteId: 'rockdale', mw: 80, product: 'ECRS' })] });
    const out = obligeMiners(s, bounded(s));
    expect(plan(out.plans, 's21')).toMatchObject({ mw: 100, obligation: 'AS_AWARD_RESERVED', reasons: ['AS_AWARD_RESERVED'] });
    expect(plan(out.plans, 's19').obligation).toBeNull();
  });

  it('leaves the physics priority on an obligation physics does not allow', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17, minRunMinutes: 60 }] });
    const sit = situation({ site: s, previous: { m: { mw: 50, sinceMs: T0 - 15 * MIN } } });
    const [p] = bounded(sit);
    expect(oblige(p!, 0, 'DR_DEPLOYMENT').priority).toBe(Priority.Physics);
    expect(oblige(p!, 50, 'AS_AWARD_RESERVED').priority).toBe(Priority.Obligation);
  });
});
