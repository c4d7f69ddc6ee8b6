/**
 * Rule 5, economics: a mining load runs at the power option worth most at the expected price plus the 4CP
 * premium, with the hysteresis band and restart cost taken into account; its threshold is the real-time
 * price above which it stops paying. A site with a shadow carbon price pays it on every MWh at the interval's
 * intensity, so a dirtier interval curtails sooner.
 */
import { LB_PER_TONNE } from '../co2.ts';
import { choosePowerMode } from '../physics.ts';
import { type MinerPlan, NO_FLAGS, Priority, type Situation, type Stepped } from './plans.ts';
import { fourCpPremium } from './situation.ts';

/** Does the economics (or the fail-safe) set this load's level? Not when an obligation or an override holds it. */
export function levelIsFree(p: MinerPlan): boolean {
  return (p.priority === Priority.Economics || p.priority === Priority.Physics) && p.obligation === null;
}

/** Levels for the loads no obligation or override holds; needs usable inputs (`s.inputs.usable`). */
export function priceMiners(s: Situation, plans: readonly MinerPlan[]): Stepped<MinerPlan> {
  const premium = fourCpPremium(s.site, s.model, s.peakProbability, s.t, s.intervalMinutes);
  const carbon = carbonAdderUsdPerMwh(s);
  const out: MinerPlan[] = [];
  for (const p of plans) out.push(levelIsFree(p) ? priceMiner(s, p, premium, carbon) : p);
  return { plans: out, flags: NO_FLAGS };
}

/** $/MWh a site's shadow carbon price adds at the interval's intensity; 0 without either. */
export function carbonAdderUsdPerMwh(s: Pick<Situation, 'site' | 'carbon'>): number {
  const price = s.site.carbon?.shadowPriceUsdPerTonne ?? 0;
  return price > 0 && s.carbon ? (price * s.carbon.lbCo2PerMwh) / LB_PER_TONNE : 0;
}

function priceMiner(s: Situation, p: MinerPlan, fourCpPremium: number, carbon: number): MinerPlan {
  const load = p.load;
  const expected = s.inputs.expectedUsdPerMwh!;
  const rev = s.inputs.breakevens![load.id]!;
  const prev = s.previous?.[load.id];
  const wasRunning = prev === undefined ? null : prev.mw > 0;
  const h = s.site.policy.hysteresisUsdPerMwh;
  const effective = expected + fourCpPremium + carbon;
  const choice = choosePowerMode(load, p.options, s.hashprice!.usdPerPhDay, rev, effective, wasRunning, h, s.intervalMinutes);
  const best = choice.option;
  const reasons: string[] = [];
  if (best) {
    reasons.push(best.modeId ? 'ECONOMIC_MODE' : 'ECONOMIC_RUN');
    if (wasRunning === false && load.restartCostUsd > 0) reasons.push('RESTART_COST_COVERED');
  } else if (fourCpPremium > 0 && expected < rev + choice.band) {
    reasons.push('FOURCP_PEAK_RISK');
  } else {
    // Curtailed only because of the carbon price: the energy alone would have paid.
    reasons.push(carbon > 0 && expected + fourCpPremium < rev + choice.band ? 'CARBON_CURTAIL' : 'ECONOMIC_CURTAIL');
  }
  if (fourCpPremium > 0 && best) reasons.push('FOURCP_RISK_PRICED');
  if (carbon > 0 && best) reasons.push('CARBON_PRICED');
  // The price is on the other side of breakeven, but the band keeps the load where it was.
  if (wasRunning !== null && (wasRunning ? expected > rev : expected < rev) && (best !== undefined) === wasRunning) {
    reasons.push('HYSTERESIS_HOLD');
  }
  return {
    ...p,
    mw: best ? best.mw : 0,
    modeId: best ? best.modeId : p.modeId,
    threshold: round2(rev + choice.band - fourCpPremium - carbon),
    reasons: p.reasons.length === 0 ? reasons : [...p.reasons, ...reasons],
  };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
