/** Rule 4, AI tenants first: each tenant's wanted grid draw is served before any miner gets capacity. */

import { NO_FLAGS, type Situation, type TenantPlan, withUnique } from './plans.ts';
import type { Allocation } from './types.ts';

export interface Served {
  /** One allocation per tenant, in the order of the sites file. */
  allocations: Allocation[];
  /** Interconnect capacity left for the miners. */
  capacityLeftMw: number;
  /** MW served, from the grid and from backup generation. */
  servedMw: number;
  revenueUsd: number;
  flags: readonly string[];
}

/** Serves the tenants in order from the site's capacity; a tenant the interconnect cannot carry is flagged short. */
export function serveTenantsFirst(s: Situation, plans: readonly TenantPlan[]): Served {
  let capacity = s.model.capacityMw;
  let servedMw = 0;
  let revenueUsd = 0;
  let flags = NO_FLAGS;
  const allocations: Allocation[] = [];
  for (const p of plans) {
    const mw = Math.min(p.wantMw, capacity);
    const short = mw < p.wantMw;
    if (short) flags = withUnique(flags, 'AI_SHORTFALL');
    const rest = short ? [...p.reasons, 'INTERCONNECT_LIMIT'] : p.reasons;
    const reasons = rest.length === 0 || mw > 0 ? ['AI_SERVED_FIRST', ...rest] : rest.slice();
    capacity -= mw;
    servedMw += mw + p.backupMw;
    revenueUsd += (mw + p.backupMw) * p.load.priceUsdPerMwh * s.hours;
    const alloc: Allocation = { loadId: p.load.id, kind: 'ai', action: mw > 0 ? 'SERVE' : 'CURTAIL', mw, reasons };
    if (p.backupMw > 0) alloc.backupGenMw = p.backupMw;
    allocations.push(alloc);
  }
  return { allocations, capacityLeftMw: capacity, servedMw, revenueUsd, flags };
}
