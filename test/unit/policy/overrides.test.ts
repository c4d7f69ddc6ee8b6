import { describe, expect, it } from 'vitest';
import { obligeMiners, obligeTenants } from '#domain/policy/grid-obligations.ts';
import { overrideMiners, overrideTenants } from '#domain/policy/overrides.ts';
import { Priority } from '#domain/policy/plans.ts';
import { site, T0 } from '../../support/fixtures.ts';
import { bounded, event, MIN, override, plan, situation } from './helpers.ts';

describe('overrides step: miners', () => {
  it('returns the plans as they are without an override in force', () => {
    const s = situation({ overrides: [override({ action: 'RUN', fromMs: T0 + 60 * MIN, toMs: T0 + 120 * MIN })] });
    const plans = bounded(s);
    expect(overrideMiners(s, plans)).toEqual({ plans, flags: [], overrideIds: [] });
  });

  it('sets the level of a load it names, and of every miner when site-wide', () => {
    const s = situation({
      overrides: [override({ id: 'cap', action: 'CAP', capMw: 30, loadId: 's21' }), override({ id: 'all', action: 'CURTAIL' })],
    });
    const out = overrideMiners(s, bounded(s));
    expect(plan(out.plans, 's21')).toMatchObject({
      mw: 30,
      overridden: true,
      priority: Priority.Override,
      reasons: ['OVERRIDE_CAP', 'OVERRIDE:cap'],
    });
    expect(plan(out.plans, 's19')).toMatchObject({ mw: 0, overridden: true, reasons: ['OVERRIDE_CURTAIL', 'OVERRIDE:all'] });
    expect(out.overrideIds).toEqual(['cap', 'all']);
  });

  it('marks every mining load with a site-wide CAP and leaves their levels to the later rules', () => {
    const s = situation({ overrides: [override({ id: 'site-cap', action: 'CAP', capMw: 59 })] });
    const before = bounded(s);
    const out = overrideMiners(s, before);
    for (const id of ['s21', 's19']) {
      expect(plan(out.plans, id)).toMatchObject({
        siteCapMw: 59,
        overridden: false,
        mw: plan(before, id).mw,
        priority: plan(before, id).priority,
      });
      expect(plan(out.plans, id).reasons).toEqual([...plan(before, id).reasons, 'OVERRIDE_CAP', 'OVERRIDE:site-cap']);
    }
    expect(out.overrideIds).toEqual(['site-cap']);
  });

  it('does not break a grid obligation without an acknowledgement, and flags one it breaks with it', () => {
    const emergency = { gridEvents: [event({ type: 'EEA', level: 2 })] };
    const blocked = situation({ ...emergency, overrides: [override({ id: 'o', action: 'RUN' })] });
    const b = overrideMiners(blocked, obligeMiners(blocked, bounded(blocked)).plans);
    expect(plan(b.plans, 's21')).toMatchObject({ mw: 0, overridden: false, obligation: 'GRID_EMERGENCY_EEA2' });
    expect(plan(b.plans, 's21').reasons).toContain('OVERRIDE_BLOCKED_BY_OBLIGATION');
    const acked = situation({ ...emergency, overrides: [override({ id: 'o', action: 'RUN', acknowledgeObligation: true })] });
    const a = overrideMiners(acked, obligeMiners(acked, bounded(acked)).plans);
    expect(plan(a.plans, 's21')).toMatchObject({ mw: 100, overridden: true, obligation: null });
    expect(a.flags).toEqual(['OBLIGATION_OVERRIDDEN']);
  });

  it('keeps the physics priority when the override asks for what physics does not allow', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17, minOffMinutes: 60 }] });
    const sit = situation({ site: s, previous: { m: { mw: 0, sinceMs: T0 - 15 * MIN } }, overrides: [override({ action: 'RUN' })] });
    expect(overrideMiners(sit, bounded(sit)).plans[0]).toMatchObject({ mw: 50, overridden: true, priority: Priority.Physics });
  });

  it('hands the load back to the engine with RELEASE', () => {
    const s = situation({ overrides: [override({ id: 'r', action: 'RELEASE', loadId: 's21' })] });
    const out = overrideMiners(s, bounded(s));
    expect(plan(out.plans, 's21')).toMatchObject({
      overridden: false,
      priority: Priority.Economics,
      reasons: ['OVERRIDE_RELEASE', 'OVERRIDE:r'],
    });
  });
});

describe('overrides step: tenants', () => {
  it('changes a tenant only through an override that names it', () => {
    const siteWide = situation({ overrides: [override({ action: 'CURTAIL' })] });
    expect(overrideTenants(siteWide, obligeTenants(siteWide)).plans[0]).toMatchObject({ wantMw: 15, reasons: [] });
    const named = situation({ overrides: [override({ id: 'n', action: 'CAP', capMw: 5, loadId: 'tenant' })] });
    const out = overrideTenants(named, obligeTenants(named));
    expect(out.plans[0]).toMatchObject({ wantMw: 5, reasons: ['OVERRIDE_CAP', 'OVERRIDE:n'] });
    expect(out.overrideIds).toEqual(['n']);
  });

  it('needs an acknowledgement to undo an emergency interruption', () => {
    const s = site({ loads: [{ id: 'tenant', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 180, interruptible: true }] });
    const sit = situation({
      site: s,
      gridEvents: [event({ type: 'EEA', level: 3 })],
      overrides: [override({ action: 'RUN', loadId: 'tenant' })],
    });
    const out = overrideTenants(sit, obligeTenants(sit));
    expect(out.plans[0]).toMatchObject({ wantMw: 0, reasons: ['AI_INTERRUPTED_EMERGENCY', 'OVERRIDE_BLOCKED_BY_OBLIGATION'] });
    expect(out.overrideIds).toEqual([]);
  });
});
