/**
 * Rule 2, grid obligations: emergencies (EEA, SB 6, conservation appeals) curtail mining and, at the site's
 * level, reduce interruptible tenants onto backup generation; deployments curtail their MW, least efficient
 * fleets first; an award not deployed keeps that much curtailable load running, most efficient first.
 */
import { withinBounds } from '../physics.ts';
import { type MinerPlan, NO_FLAGS, Priority, type Situation, type Stepped, type TenantPlan } from './plans.ts';

/** Each tenant's wanted grid draw and backup generation under the grid events in force. */
export function obligeTenants(s: Situation): TenantPlan[] {
  const emergency = s.grid.aiEmergency;
  return s.model.ai.map((load) => {
    let wantMw = load.contractedMw;
    let backupMw = 0;
    const reasons: string[] = [];
    if (emergency) {
      if (load.interruptible) {
        wantMw -= Math.min(wantMw, load.interruptibleMw ?? load.contractedMw);
        reasons.push('AI_INTERRUPTED_EMERGENCY');
      }
      if (load.backupGenMw > 0 && wantMw > 0) {
        backupMw = Math.min(load.backupGenMw, wantMw);
        wantMw -= backupMw;
        reasons.push('AI_ON_BACKUP_GEN');
      }
    }
    return { load, wantMw, backupMw, obligated: emergency && (load.interruptible || load.backupGenMw > 0), reasons };
  });
}

/** Mining plans (most efficient first) with the grid's obligations set; flags an obligation the site cannot meet. */
export function obligeMiners(s: Situation, plans: readonly MinerPlan[]): Stepped<MinerPlan> {
  const { miningEmergency, curtailMw, curtailCode, reserveMw } = s.grid;
  if (miningEmergency) return { plans: plans.map((p) => oblige(p, 0, miningEmergency)), flags: NO_FLAGS };
  if (curtailMw <= 0 && reserveMw <= 0) return { plans, flags: NO_FLAGS };
  const out = plans.slice();
  let short = false;
  if (curtailMw > 0) {
    let curtailed = 0;
    // Least efficient first: it is the cheapest MW to give up.
    for (let i = out.length - 1; i >= 0 && curtailed < curtailMw; i--) {
      const p = out[i]!;
      if (!p.load.curtailable) continue;
      out[i] = oblige(p, 0, curtailCode);
      curtailed += p.load.powerMw;
    }
    if (curtailed < curtailMw) short = true;
  }
  if (reserveMw > 0) {
    let reserved = 0;
    // Most efficient first: keeping it running costs least.
    for (let i = 0; i < out.length; i++) {
      if (reserved >= reserveMw) break;
      const p = out[i]!;
      if (!p.load.curtailable || p.obligation) continue;
      out[i] = oblige(p, p.load.powerMw, 'AS_AWARD_RESERVED');
      reserved += p.load.powerMw;
    }
    if (reserved < reserveMw) short = true;
  }
  return { plans: out, flags: short ? ['OBLIGATION_SHORTFALL'] : NO_FLAGS };
}

/** The plan with an obligation's level; physics keeps its priority when the level is outside its bounds. */
export function oblige(p: MinerPlan, mw: number, code: string): MinerPlan {
  const priority = p.priority === Priority.Physics && !withinBounds(mw, p) ? Priority.Physics : Priority.Obligation;
  return { ...p, priority, mw, modeId: undefined, threshold: null, obligation: code, reasons: [...p.reasons, code] };
}
