/** Rule 1, physics and safety: the levels each mining load may take this interval (ramp, minimum run / off time). */
import { boundsBind, levelBounds } from '../physics.ts';
import { type MinerPlan, Priority, type Situation } from './plans.ts';

/** One plan per mining load, most efficient first, bounded by physics; no level chosen yet. */
export function boundByPhysics(s: Situation): MinerPlan[] {
  const plans: MinerPlan[] = [];
  const { byEfficiency, positions } = s.model;
  for (let i = 0; i < byEfficiency.length; i++) {
    const load = byEfficiency[i]!;
    const options = s.model.options.get(load.id)!;
    const b = levelBounds(load, options, s.previous?.[load.id], s.t, s.intervalMinutes);
    const reasons: string[] = [];
    if (b.minRun) reasons.push('MIN_RUN_TIME');
    if (b.minOff) reasons.push('MIN_OFF_TIME');
    plans.push({
      load,
      position: positions[i]!,
      options,
      priority: boundsBind(b) ? Priority.Physics : Priority.Economics,
      mw: 0,
      modeId: undefined,
      minMw: b.minMw,
      maxMw: b.maxMw,
      minRun: b.minRun,
      minOff: b.minOff,
      threshold: null,
      reasons,
      obligation: null,
      overridden: false,
    });
  }
  return plans;
}
