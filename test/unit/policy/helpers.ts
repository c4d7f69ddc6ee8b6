/** Small situations for the policy's step tests. */
import type { GridEvent, Override } from '#domain/grid.ts';
import { boundByPhysics } from '#domain/policy/physics-bounds.ts';
import type { MinerPlan, Situation } from '#domain/policy/plans.ts';
import { readSituation } from '#domain/policy/situation.ts';
import type { DecisionInput } from '#domain/policy.ts';
import { input, T0 } from '../../support/fixtures.ts';

export const MIN = 60_000;

export function situation(extra: Partial<DecisionInput> = {}): Situation {
  return readSituation(input(extra));
}

/** The physics step's plans for a situation: the starting point of the later steps. */
export function bounded(s: Situation): MinerPlan[] {
  return boundByPhysics(s);
}

export function plan(plans: readonly MinerPlan[], id: string): MinerPlan {
  return plans.find((p) => p.load.id === id)!;
}

export function event(e: Partial<GridEvent> & Pick<GridEvent, 'type'>): GridEvent {
  return { id: `ev-${e.type}`, market: 'ERCOT', startMs: T0 - 60 * MIN, endMs: T0 + 60 * MIN, ...e };
}

export function override(o: Partial<Override> & Pick<Override, 'action'>): Override {
  return {
    id: `ov-${o.action}`,
    siteId: 'rockdale',
    fromMs: T0,
    toMs: T0 + 60 * MIN,
    reason: 'desk call',
    author: 'desk-1',
    acknowledgeObligation: false,
    createdAtMs: T0 - 10 * MIN,
    ...o,
  };
}
