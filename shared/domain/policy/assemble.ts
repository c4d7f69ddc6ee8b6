/** The decision from the steps' results: allocations in the order of the sites file, reasons, flags, economics. */
import type { Served } from './ai-tenants.ts';
import type { Shared } from './interconnect.ts';
import type { Situation } from './plans.ts';
import type { Allocation, DecisionCore } from './types.ts';

export interface StepResults {
  tenants: Served;
  miners: Shared;
  /** Site-level flags in the order the decision lists them. */
  flags: readonly (readonly string[])[];
  /** Ids of the overrides that applied, tenants' first. */
  overrideIds: readonly (readonly string[])[];
}

export function assemble(s: Situation, { tenants, miners, flags, overrideIds }: StepResults): DecisionCore {
  const allocations: Allocation[] = [];
  for (const a of tenants.allocations) allocations.push(a);
  for (const a of miners.allocations) allocations.push(a);
  const reasons: string[] = [];
  for (const a of allocations) for (const r of a.reasons) if (!reasons.includes(r)) reasons.push(r);
  if (reasons.length === 0) reasons.push('NO_LOADS');
  return {
    allocations,
    reasons,
    flags: uniqueConcat(flags),
    breakevens: s.inputs.breakevens,
    economics: {
      expectedPriceUsdPerMwh: s.inputs.expectedUsdPerMwh,
      miningRevenueUsd: miners.revenueUsd,
      energyCostUsd: miners.energyCostUsd,
      miningNetUsd: miners.revenueUsd - miners.energyCostUsd,
      runningMw: miners.runningMw,
      curtailedMw: miners.curtailedMw,
      aiServedMw: tenants.servedMw,
      aiRevenueUsd: tenants.revenueUsd,
      gridDrawMw: s.site.baseLoadMw + miners.runningMw + (tenants.servedMw - backupMw(tenants.allocations)),
    },
    gridEventIds: s.grid.eventIds,
    overrideIds: uniqueConcat(overrideIds),
  };
}

function uniqueConcat(lists: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (const l of lists) for (let i = 0; i < l.length; i++) if (!out.includes(l[i]!)) out.push(l[i]!);
  return out;
}

function backupMw(allocs: readonly Allocation[]): number {
  let sum = 0;
  for (const a of allocs) sum += a.backupGenMw ?? 0;
  return sum;
}
