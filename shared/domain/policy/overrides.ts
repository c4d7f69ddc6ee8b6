/**
 * Rule 3, trader overrides: RUN, CURTAIL, CAP or RELEASE a load. Breaking a grid obligation needs the
 * override's acknowledgement (and is flagged); physics is enforced after every rule, so no override breaks it.
 */
import type { Override } from '../grid.ts';
import { withinBounds } from '../physics.ts';
import { type MinerPlan, NO_FLAGS, type Overridden, Priority, type Situation, type TenantPlan, withUnique } from './plans.ts';
import { overrideFor } from './situation.ts';

/** Tenants change only through an override that names them. */
export function overrideTenants(s: Situation, plans: readonly TenantPlan[]): Overridden<TenantPlan> {
  if (s.overrides.length === 0) return { plans, flags: NO_FLAGS, overrideIds: NO_FLAGS };
  let flags = NO_FLAGS;
  let overrideIds = NO_FLAGS;
  const out = plans.map((p): TenantPlan => {
    const o = overrideFor(p.load.id, false, s.overrides);
    if (!o) return p;
    if (o.action === 'RELEASE') {
      overrideIds = withUnique(overrideIds, o.id);
      return { ...p, reasons: [...p.reasons, 'OVERRIDE_RELEASE', `OVERRIDE:${o.id}`] };
    }
    if (p.obligated && !o.acknowledgeObligation) return { ...p, reasons: [...p.reasons, 'OVERRIDE_BLOCKED_BY_OBLIGATION'] };
    if (p.obligated) flags = withUnique(flags, 'OBLIGATION_OVERRIDDEN');
    overrideIds = withUnique(overrideIds, o.id);
    const full = p.load.contractedMw;
    const wantMw = o.action === 'RUN' ? full : o.action === 'CURTAIL' ? 0 : Math.min(full, o.capMw ?? full);
    return { ...p, wantMw, backupMw: 0, reasons: [...p.reasons, `OVERRIDE_${o.action}`, `OVERRIDE:${o.id}`] };
  });
  return { plans: out, flags, overrideIds };
}

/** A load-specific override beats a site-wide one; the newest wins. */
export function overrideMiners(s: Situation, plans: readonly MinerPlan[]): Overridden<MinerPlan> {
  if (s.overrides.length === 0) return { plans, flags: NO_FLAGS, overrideIds: NO_FLAGS };
  let flags = NO_FLAGS;
  let overrideIds = NO_FLAGS;
  const out = plans.map((p): MinerPlan => {
    const o = overrideFor(p.load.id, true, s.overrides);
    if (!o) return p;
    overrideIds = withUnique(overrideIds, o.id);
    if (o.action === 'RELEASE') return { ...p, reasons: [...p.reasons, 'OVERRIDE_RELEASE', `OVERRIDE:${o.id}`] };
    if (p.obligation && !o.acknowledgeObligation)
      return { ...p, reasons: [...p.reasons, 'OVERRIDE_BLOCKED_BY_OBLIGATION', `OVERRIDE:${o.id}`] };
    if (p.obligation) flags = withUnique(flags, 'OBLIGATION_OVERRIDDEN');
    // Without a load, CAP caps the site's mining draw, not each load: the loads keep their levels and share it.
    if (o.action === 'CAP' && o.loadId === undefined)
      return { ...p, siteCapMw: Math.max(0, o.capMw ?? 0), reasons: [...p.reasons, 'OVERRIDE_CAP', `OVERRIDE:${o.id}`] };
    return applyOverride(p, o);
  });
  return { plans: out, flags, overrideIds };
}

/**
 * The plan at the override's level. It takes the override's priority unless physics holds the load and the
 * level is outside its bounds: then physics keeps it, and the economics (or fail-safe) still set its level.
 */
function applyOverride(p: MinerPlan, o: Override): MinerPlan {
  const full = p.load.powerMw;
  const mw = o.action === 'RUN' ? full : o.action === 'CURTAIL' ? 0 : Math.min(full, Math.max(0, o.capMw ?? full));
  const priority = p.priority !== Priority.Physics || withinBounds(mw, p) ? Priority.Override : p.priority;
  return {
    ...p,
    priority,
    mw,
    modeId: undefined,
    threshold: null,
    obligation: null,
    overridden: true,
    reasons: [...p.reasons, `OVERRIDE_${o.action}`, `OVERRIDE:${o.id}`],
  };
}
