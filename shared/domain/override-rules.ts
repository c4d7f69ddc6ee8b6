/**
 * What makes a trader override acceptable for a site (DESIGN §2 "Overrides"), checked before it is
 * stored. Pure: the clock is passed in. Whether an override may break a grid obligation is the
 * policy's business (it needs `acknowledgeObligation`), not this check's.
 */
import type { FieldIssue } from './errors.ts';
import type { OverrideAction } from './grid.ts';
import type { Site } from './sites.ts';

export interface OverrideRequest {
  action: OverrideAction;
  loadId?: string | undefined;
  capMw?: number | undefined;
  fromMs: number;
  toMs: number;
  reason: string;
  acknowledgeObligation: boolean;
}

/** The MW a CAP may name: the load's size, or without a load the site's mining load (a site-wide CAP caps their sum). */
export function capLimitMw(site: Site, loadId: string | undefined): number | null {
  if (loadId !== undefined) {
    const load = site.loads.find((l) => l.id === loadId);
    if (!load) return null;
    return load.kind === 'mining' ? load.powerMw : load.contractedMw;
  }
  let total: number | null = null;
  for (const l of site.loads) if (l.kind === 'mining') total = (total ?? 0) + l.powerMw;
  return total;
}

/**
 * How far ahead an override may reach: its window must end within this many days of now. A desk
 * steers the days the engine decides (today, tomorrow's bids); a window to 2099 is a typo, and would
 * re-decide every interval up to its end.
 */
export const MAX_OVERRIDE_AHEAD_DAYS = 31;
const DAY_MS = 86_400_000;

/** Every problem with an override for a site at `nowMs`; empty when it is acceptable. */
export function overrideIssues(site: Site, o: OverrideRequest, nowMs: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  if (!o.reason.trim()) issues.push({ path: 'reason', message: 'is required' });
  if (o.loadId !== undefined && !site.loads.some((l) => l.id === o.loadId)) {
    issues.push({
      path: 'loadId',
      message: `site "${site.id}" has no load "${o.loadId}" (its loads: ${site.loads.map((l) => l.id).join(', ')})`,
    });
  }
  const load = o.loadId === undefined ? undefined : site.loads.find((l) => l.id === o.loadId);
  if (load?.kind === 'ai' && o.action === 'RUN') {
    issues.push({
      path: 'action',
      message: `RUN applies to mining loads; AI load "${load.id}" is always served (CAP reduces it, CURTAIL interrupts it)`,
    });
  }
  if (o.loadId === undefined && !site.loads.some((l) => l.kind === 'mining')) {
    issues.push({ path: 'loadId', message: `site "${site.id}" has no mining loads: name the load to override` });
  }
  if (o.action === 'CAP') {
    if (o.capMw === undefined) issues.push({ path: 'capMw', message: 'is required when action is CAP' });
    else {
      const limit = capLimitMw(site, o.loadId);
      if (limit !== null && o.capMw > limit) {
        issues.push({
          path: 'capMw',
          message: `must not exceed ${limit} MW, ${o.loadId === undefined ? 'the mining load of the site' : `the size of load "${o.loadId}"`}`,
        });
      }
    }
  } else if (o.capMw !== undefined) {
    issues.push({ path: 'capMw', message: 'is allowed only when action is CAP' });
  }
  if (!(o.fromMs < o.toMs)) issues.push({ path: 'to', message: 'must be after from' });
  else if (o.toMs <= nowMs) issues.push({ path: 'to', message: `the window has already ended (now is ${new Date(nowMs).toISOString()})` });
  else if (o.toMs > nowMs + MAX_OVERRIDE_AHEAD_DAYS * DAY_MS) {
    const latest = new Date(nowMs + MAX_OVERRIDE_AHEAD_DAYS * DAY_MS).toISOString();
    issues.push({ path: 'to', message: `must be within ${MAX_OVERRIDE_AHEAD_DAYS} days of now (by ${latest})` });
  }
  return issues;
}
