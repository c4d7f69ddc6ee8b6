import { describe, expect, it } from 'vitest';
import { boundByPhysics } from '#domain/policy/physics-bounds.ts';
import { Priority } from '#domain/policy/plans.ts';
import { site, T0 } from '../../support/fixtures.ts';
import { MIN, plan, situation } from './helpers.ts';

describe('physics step', () => {
  it('plans each mining load, most efficient first, free and at 0 MW without a previous level', () => {
    const plans = boundByPhysics(situation());
    expect(plans.map((p) => p.load.id)).toEqual(['s21', 's19']);
    expect(plans.map((p) => [p.priority, p.mw, p.minMw, p.maxMw, p.reasons])).toEqual([
      [Priority.Economics, 0, 0, 100, []],
      [Priority.Economics, 0, 0, 60, []],
    ]);
  });

  it('gives a load held on or off by physics the physics priority and says why', () => {
    const s = site({
      loads: [
        { id: 'on', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17, minRunMinutes: 60 },
        { id: 'off', kind: 'mining', powerMw: 50, efficiencyJPerTh: 18, minOffMinutes: 60 },
      ],
    });
    const plans = boundByPhysics(
      situation({ site: s, previous: { on: { mw: 50, sinceMs: T0 - 15 * MIN }, off: { mw: 0, sinceMs: T0 - 15 * MIN } } }),
    );
    expect(plan(plans, 'on')).toMatchObject({ priority: Priority.Physics, minMw: 50, reasons: ['MIN_RUN_TIME'] });
    expect(plan(plans, 'off')).toMatchObject({ priority: Priority.Physics, maxMw: 0, reasons: ['MIN_OFF_TIME'] });
  });

  it('records where each load sits in the sites file', () => {
    const s = site({
      loads: [
        { id: 'old', kind: 'mining', powerMw: 50, efficiencyJPerTh: 30 },
        { id: 'new', kind: 'mining', powerMw: 50, efficiencyJPerTh: 15 },
      ],
    });
    expect(boundByPhysics(situation({ site: s })).map((p) => [p.load.id, p.position])).toEqual([
      ['new', 1],
      ['old', 0],
    ]);
  });
});
