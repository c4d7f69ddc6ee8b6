/**
 * Rule 5, economics: a mining load runs at the power option worth most at the expected price plus the 4CP
 * premium, with the hysteresis band and restart cost taken into account; its threshold is the real-time
 * price above which it stops paying.
 */
import { choosePowerMode } from '../physics.ts';
import { NO_FLAGS, Priority, type MinerPlan, type Situation, type Stepped } from './plans.ts';
import { fourCpPremium } from './situation.ts';

/** Does the economics (or the fail-safe) set this load's level? Not when an obligation or an override holds it. */
export function levelIsFree(p: MinerPlan): boolean {
  return (p.priority === Priority.Economics || p.priority === Priority.Physics) && p.obligation === null;
}

/** Levels for the loads no obligation or override holds; needs usable inputs (`s.inputs.usable`). */
export function priceMiners(s: Situation, plans: readonly MinerPlan[]): Stepped<MinerPlan> {
  const premium = fourCpPremium(s.site, s.model, s.peakProbability, s.t, s.intervalMinutes);
  const out: MinerPlan[] = [];
  for (const p of plans) out.push(levelIsFree(p) ? priceMiner(s, p, premium) : p);
  return { plans: out, flags: NO_FLAGS };
}

function priceMiner(s: Situation, p: MinerPlan, fourCpPremium: number): MinerPlan {
  const load = p.load;
  const expected = s.inputs.expectedUsdPerMwh!;
  const rev = s.inputs.breakevens![load.id]!;
  const prev = s.previous?.[load.id];
  const wasRunning = prev === undefined ? null : prev.mw > 0;
  const h = s.site.policy.hysteresisUsdPerMwh;
  const choice = choosePowerMode(load, p.options, s.hashprice!.usdPerPhDay, rev, expected + fourCpPremium, wasRunning, h, s.intervalMinutes);
  const best = choice.option;
  const reasons: string[] = [];
  if (best) {
    reasons.push(best.modeId ? 'ECONOMIC_MODE' : 'ECONOMIC_RUN');
    if (wasRunning === false && load.restartCostUsd > 0) reasons.push('RESTART_COST_COVERED');
  } else {
    reasons.push(fourCpPremium > 0 && expected < rev + choice.band ? 'FOURCP_PEAK_RISK' : 'ECONOMIC_CURTAIL');
  }
  if (fourCpPremium > 0 && best) reasons.push('FOURCP_RISK_PRICED');
  // The price is on the other side of breakeven, but the band keeps the load where it was.
  if (wasRunning !== null && (wasRunning ? expected > rev : expected < rev) && (best !== undefined) === wasRunning) {
    reasons.push('HYSTERESIS_HOLD');
  }
  return {
    ...p,
    mw: best ? best.mw : 0,
    modeId: best ? best.modeId : p.modeId,
    threshold: round2(rev + choice.band - fourCpPremium),
    reasons: p.reasons.length === 0 ? reasons : [...p.reasons, ...reasons],
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
