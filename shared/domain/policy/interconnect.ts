/**
 * Rule 1 again, enforced last so that no rule breaks it: each mining load's level is clamped to its physics
 * bounds, then the interconnect left after the tenants is shared by priority — physics-held loads first,
 * then obligations, overrides and economics — and most efficient first within a priority. Loads under a
 * site-wide CAP share its MW the same way; physics (a minimum run) still wins over the cap.
 */
import { compareEfficiency, fitInterconnect, optionRevenuePerMwh } from '../physics.ts';
import { type MinerPlan, NO_FLAGS, type Situation, withUnique } from './plans.ts';
import type { Allocation, AllocationAction } from './types.ts';

export interface Shared {
  /** One allocation per mining load, in the order of the sites file. */
  allocations: Allocation[];
  runningMw: number;
  curtailedMw: number;
  /** Expected mining revenue and energy cost at the expected price; 0 when either input is unusable. */
  revenueUsd: number;
  energyCostUsd: number;
  flags: readonly string[];
}

const PENDING = {} as Allocation;

function byPriority(a: MinerPlan, b: MinerPlan): number {
  return a.priority - b.priority || compareEfficiency(a.load, b.load);
}

/** The plans sorted by priority (a new array unless they are in order already, as they mostly are). */
function inPriorityOrder(plans: readonly MinerPlan[]): readonly MinerPlan[] {
  for (let i = 1; i < plans.length; i++) if (byPriority(plans[i - 1]!, plans[i]!) > 0) return plans.slice().sort(byPriority);
  return plans;
}

export function shareInterconnect(s: Situation, plans: readonly MinerPlan[], capacityMw: number): Shared {
  const { breakevens, expectedUsdPerMwh: expected } = s.inputs;
  let capacity = capacityMw;
  // MW left under a site-wide CAP; the loads under it all carry the same cap.
  let capLeft = Number.POSITIVE_INFINITY;
  let capSeen = false;
  let flags = NO_FLAGS;
  let runningMw = 0;
  let curtailedMw = 0;
  let revenueUsd = 0;
  let energyCostUsd = 0;
  // Filled by position below; created full so that the array stays packed.
  const allocations: Allocation[] = [];
  for (let i = 0; i < plans.length; i++) allocations.push(PENDING);
  for (const p of inPriorityOrder(plans)) {
    const load = p.load;
    const options = p.options;
    // The plan's reasons are handed on as they are, or copied once a reason is added.
    let reasons = p.reasons as string[];
    let mw = p.mw;
    if (mw < p.minMw || mw > p.maxMw) {
      const raised = mw < p.minMw;
      mw = raised ? p.minMw : p.maxMw;
      if (p.obligation) flags = withUnique(flags, 'OBLIGATION_SHORTFALL');
      if (p.overridden) flags = withUnique(flags, 'OVERRIDE_LIMITED_BY_PHYSICS');
      if (!(raised ? p.minRun : p.minOff)) reasons = [...reasons, 'RAMP_LIMIT'];
    }
    const capped = p.siteCapMw !== undefined;
    if (capped && !capSeen) {
      capSeen = true;
      capLeft = p.siteCapMw!;
    }
    const room = capped ? Math.min(capacity, Math.max(capLeft, p.minMw)) : capacity;
    let fitted = fitInterconnect(options, mw, mw === p.mw ? p.modeId : undefined, room);
    // A cap between two power options must not take the load below its physics bound (a ramp, a minimum run): it holds there.
    if (capped && fitted.mw < p.minMw && p.minMw <= capacity) {
      fitted = { mw: p.minMw, modeId: undefined, limited: true };
      // The cap is an override, whichever step set the level it cuts.
      flags = withUnique(flags, 'OVERRIDE_LIMITED_BY_PHYSICS');
      if (!p.minRun) reasons = [...reasons, 'RAMP_LIMIT'];
    }
    if (fitted.limited && room < capacity) reasons = [...reasons, 'SITE_CAP_LIMIT'];
    else if (fitted.limited) {
      reasons = [...reasons, 'INTERCONNECT_LIMIT'];
      if (p.overridden) flags = withUnique(flags, 'OVERRIDE_LIMITED_BY_INTERCONNECT');
      if (p.obligation) flags = withUnique(flags, 'OBLIGATION_SHORTFALL');
    }
    mw = fitted.mw;
    const modeId = fitted.modeId;
    capacity -= mw;
    if (capped) capLeft -= mw;
    const action: AllocationAction = mw <= 0 ? 'CURTAIL' : mw >= load.powerMw ? 'RUN' : 'PARTIAL';
    // Under a site-wide CAP the level is set for the interval: a price-responsive controller must not resume past it.
    const threshold = capped ? null : p.threshold;
    const alloc: Allocation = { loadId: load.id, kind: 'mining', action, mw, curtailAboveUsdPerMwh: threshold, reasons };
    if (modeId !== undefined && mw > 0) alloc.modeId = modeId;
    allocations[p.position] = alloc;
    runningMw += mw;
    curtailedMw += load.powerMw - mw;
    if (breakevens && expected !== null && mw > 0) {
      const eff = modeId ? options.find((o) => o.modeId === modeId)!.efficiency : load.efficiencyJPerTh;
      revenueUsd += optionRevenuePerMwh(load, eff, s.hashprice!.usdPerPhDay, breakevens[load.id]!) * mw * s.hours;
      energyCostUsd += expected * mw * s.hours;
    }
  }
  return { allocations, runningMw, curtailedMw, revenueUsd, energyCostUsd, flags };
}
