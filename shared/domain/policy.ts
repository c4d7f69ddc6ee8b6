/**
 * The decision policy (DESIGN §2): per site, per interval, the README's rules in order of precedence —
 * physics, grid obligations, trader overrides, AI tenants first, economics, fail-safe — each a step in
 * shared/domain/policy/ that takes plans and returns new ones. Physics is enforced again last, so that no
 * later rule breaks it. Pure and deterministic: the same input gives the same decision.
 */
import { serveTenantsFirst } from './policy/ai-tenants.ts';
import { assemble } from './policy/assemble.ts';
import { followDayAheadPlan } from './policy/day-ahead-plan.ts';
import { priceMiners } from './policy/economics.ts';
import { failSafe } from './policy/fail-safe.ts';
import { obligeMiners, obligeTenants } from './policy/grid-obligations.ts';
import { shareInterconnect } from './policy/interconnect.ts';
import { overrideMiners, overrideTenants } from './policy/overrides.ts';
import { boundByPhysics } from './policy/physics-bounds.ts';
import { NO_FLAGS } from './policy/plans.ts';
import { readSituation } from './policy/situation.ts';
import type { DecisionCore, DecisionInput } from './policy/types.ts';

export type {
  Allocation,
  AllocationAction,
  DecisionCore,
  DecisionEconomics,
  DecisionInput,
  HashpriceInput,
  LoadState,
  PreviousState,
  PriceInput,
} from './policy/types.ts';

export const ENGINE_VERSION = '1.0.0';

const GRID_EMERGENCY: readonly string[] = ['GRID_EMERGENCY'];

export function decide(input: DecisionInput): DecisionCore {
  const s = readSituation(input);
  // 1. Physics and safety: each mining load's bounds.
  const bounded = boundByPhysics(s);
  // 2. Grid obligations.
  const tenantsObliged = obligeTenants(s);
  const minersObliged = obligeMiners(s, bounded);
  // 3. Trader overrides.
  const tenantsOverridden = overrideTenants(s, tenantsObliged);
  const minersOverridden = overrideMiners(s, minersObliged.plans);
  // 4. AI tenants first: they take their capacity before any miner.
  const tenants = serveTenantsFirst(s, tenantsOverridden.plans);
  // 5. Economics, or 6. the fail-safe when an input is stale or missing.
  const priced = s.inputs.usable ? priceMiners(s, minersOverridden.plans) : failSafe(s, minersOverridden.plans);
  // Physics once more, over every rule's levels, with the interconnect the tenants left.
  // Known day-ahead prices: the day's constrained optimum sets the levels the economics would.
  const planned = s.inputs.usable && input.dayAheadPlan ? followDayAheadPlan(priced.plans, input.dayAheadPlan) : priced.plans;
  const miners = shareInterconnect(s, planned, tenants.capacityLeftMw);
  return assemble(s, {
    tenants,
    miners,
    flags: [
      s.inputs.flags,
      s.grid.miningEmergency ? GRID_EMERGENCY : NO_FLAGS,
      tenantsOverridden.flags,
      tenants.flags,
      minersObliged.flags,
      minersOverridden.flags,
      priced.flags,
      miners.flags,
    ],
    overrideIds: [tenantsOverridden.overrideIds, minersOverridden.overrideIds],
  });
}
