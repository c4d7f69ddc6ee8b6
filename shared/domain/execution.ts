/**
 * Carrying out thresholds against a price path (DESIGN §2 "Information timing and execution").
 *
 * One rule for every mode: the backtest runs it for each 5-minute step of `engine_price_responsive`
 * and `engine_dispatched`, and a site agent runs it live on each new price (state in, state out).
 * A mode is only a different price path and lag, never a second copy of the physics.
 *
 * Per step, for each mining load, in order of precedence:
 * 1. physics: minimum run and off times, ramp, the interconnect (shared most efficient first);
 * 2. forced states: a load whose MW is given (overrides, grid obligations, fail-safe) runs that;
 *    awarded ancillary-service MW are held running on curtailable loads, most efficient first;
 * 3. the threshold: a running load curtails when the price is above its threshold plus the
 *    hysteresis band, a stopped one resumes below its threshold less the band (and its restart cost
 *    spread over its minimum run); with power modes, the mode worth most at the price.
 *
 * Thresholds here are neutral ("curtail above" with no band): the band belongs to the executor,
 * which knows whether the load is running now. Fast on purpose: typed arrays, no allocation per step.
 * The hysteresis band and the efficiency order are `decide`'s own (physics.ts); the step-count
 * primitives below (min run/off, mode choice, ramp) are their per-step form.
 */
import { revenuePerMwh } from './economics.ts';
import { compareEfficiency, hysteresisBand } from './physics.ts';
import type { MiningLoad, Site } from './sites.ts';

/** Steps a minimum time spans: at least one, so that a load can switch at most once per step. */
export function minSteps(minutes: number, stepMinutes: number): number {
  return Math.max(1, Math.ceil(minutes / stepMinutes));
}

/** May a load leave its state (running or stopped) after `stepsInState` steps in it? */
export function maySwitch(running: boolean, stepsInState: number, kOn: number, kOff: number): boolean {
  return stepsInState >= (running ? kOn : kOff);
}

/** Indices of loads in the order capacity is shared in: `decide`'s order (physics.ts `compareEfficiency`). */
export function efficiencyOrder(loads: readonly MiningLoad[]): Int32Array {
  const order = Int32Array.from(loads.keys());
  order.sort((a, b) => compareEfficiency(loads[a]!, loads[b]!));
  return order;
}

/**
 * The power option worth most at a price: the one with the highest `(revenue_o − adder + band − price) × mw_o`
 * among `count` options from `first` in the flat arrays, or −1 when none is worth running.
 * `adder` is what separates the neutral threshold from the full-power revenue (priced peak risk).
 */
export function chooseOption(
  optMw: Float64Array,
  optRevenue: Float64Array,
  first: number,
  count: number,
  adderUsdPerMwh: number,
  bandUsdPerMwh: number,
  priceUsdPerMwh: number,
): number {
  let best = -1;
  let bestValue = 0;
  for (let k = first; k < first + count; k++) {
    const value = (optRevenue[k]! - adderUsdPerMwh + bandUsdPerMwh - priceUsdPerMwh) * optMw[k]!;
    if (value > bestValue) {
      best = k;
      bestValue = value;
    }
  }
  return best;
}

/** MW after a ramp limit of `maxStepMw` per step from `fromMw`. */
export function rampLimit(fromMw: number, targetMw: number, maxStepMw: number): number {
  return targetMw > fromMw + maxStepMw ? fromMw + maxStepMw : Math.max(targetMw, fromMw - maxStepMw);
}

/** A site's mining loads compiled for execution in steps of `stepMinutes`. Options are flat: index 0 of each load is full power. */
export interface ExecutionPlan {
  readonly stepMinutes: number;
  readonly loads: readonly MiningLoad[];
  /** Mining loads, most efficient first. */
  readonly order: Int32Array;
  readonly optionFirst: Int32Array;
  readonly optionCount: Int32Array;
  readonly optMw: Float64Array;
  /** Revenue per MWh of each option per unit of hashprice (the revenue formula of economics.ts at H = 1). */
  readonly optFactor: Float64Array;
  readonly kOn: Int32Array;
  readonly kOff: Int32Array;
  /** Largest MW change per step (Infinity without a ramp limit). */
  readonly rampStepMw: Float64Array;
  readonly curtailable: Uint8Array;
  /** 0 turns the band off (dispatch on a bid has no memory). */
  readonly hysteresisUsdPerMwh: number;
  /** Mining MW the interconnect leaves after base load and contracted AI tenants. */
  readonly capacityMw: number;
  // Scratch, reused every step.
  readonly optRevenue: Float64Array;
  readonly target: Float64Array;
  readonly targetOpt: Int32Array;
  readonly cls: Uint8Array;
  readonly granted: Float64Array;
}

/** Each load's state: what it draws, in which option, and for how many steps it has been running (or stopped). */
export interface ExecutionState {
  mw: Float64Array;
  option: Int32Array;
  stepsInState: Int32Array;
}

/** What is known at one step. Reuse one object; arrays are per load in sites-file order. */
export interface ExecutionStep {
  /** The latest known price (NaN: none yet; loads keep what they do). */
  priceUsdPerMwh: number;
  /** The hashprice in force (NaN: unknown; then only full power or off are weighed). */
  hashpriceUsdPerPhDay: number;
  /** Neutral curtail-above threshold per load; NaN when the load is not price-responsive now. */
  thresholdUsdPerMwh: Float64Array;
  /** MW a load must run (override, grid obligation, fail-safe); NaN when free. Wins over the threshold. */
  forcedMw: Float64Array;
  /** Awarded ancillary-service MW to hold running on curtailable loads, most efficient first. */
  holdMw: number;
  /** Mining MW available (defaults to the plan's). */
  capacityMw: number;
}

/** Priority classes for the interconnect: lower is served first. */
const PHYSICS = 0;
const FORCED = 1;
const ECONOMIC = 2;
const LONG = 1 << 30;

export interface ExecutionOptions {
  /** Apply the site's hysteresis band (true for a site that curtails by itself; false for SCED dispatch on a bid). */
  hysteresis?: boolean;
}

export function compileExecution(site: Site, stepMinutes: number, opts: ExecutionOptions = {}): ExecutionPlan {
  const loads = site.loads.filter((l): l is MiningLoad => l.kind === 'mining');
  const L = loads.length;
  const optionFirst = new Int32Array(L);
  const optionCount = new Int32Array(L);
  const mw: number[] = [];
  const factor: number[] = [];
  loads.forEach((l, i) => {
    optionFirst[i] = mw.length;
    optionCount[i] = 1 + l.modes.length;
    mw.push(l.powerMw);
    factor.push(revenuePerMwh(1, l.efficiencyJPerTh, l.poolFeePct));
    for (const m of l.modes) {
      mw.push(m.powerMw);
      factor.push(revenuePerMwh(1, m.efficiencyJPerTh, l.poolFeePct));
    }
  });
  const aiMw = site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0);
  return {
    stepMinutes,
    loads,
    order: efficiencyOrder(loads),
    optionFirst,
    optionCount,
    optMw: Float64Array.from(mw),
    optFactor: Float64Array.from(factor),
    kOn: Int32Array.from(loads, (l) => minSteps(l.minRunMinutes, stepMinutes)),
    kOff: Int32Array.from(loads, (l) => minSteps(l.minOffMinutes, stepMinutes)),
    rampStepMw: Float64Array.from(loads, (l) =>
      l.rampMinutes > stepMinutes ? (l.powerMw * stepMinutes) / l.rampMinutes : Number.POSITIVE_INFINITY,
    ),
    curtailable: Uint8Array.from(loads, (l) => (l.curtailable ? 1 : 0)),
    hysteresisUsdPerMwh: opts.hysteresis === false ? 0 : site.policy.hysteresisUsdPerMwh,
    capacityMw: Math.max(0, site.interconnectMw - site.baseLoadMw - aiMw),
    optRevenue: new Float64Array(mw.length),
    target: new Float64Array(L),
    targetOpt: new Int32Array(L),
    cls: new Uint8Array(L),
    granted: new Float64Array(L),
  };
}

/** Every load running at full power, long enough to stop freely (how every backtest policy starts). */
export function initialExecutionState(plan: ExecutionPlan): ExecutionState {
  const L = plan.loads.length;
  return {
    mw: Float64Array.from(plan.loads, (l) => l.powerMw),
    option: Int32Array.from(plan.optionFirst),
    stepsInState: new Int32Array(L).fill(LONG),
  };
}

/** A step input for a plan, every load free and without a threshold. */
export function newExecutionStep(plan: ExecutionPlan): ExecutionStep {
  const L = plan.loads.length;
  return {
    priceUsdPerMwh: Number.NaN,
    hashpriceUsdPerPhDay: Number.NaN,
    thresholdUsdPerMwh: new Float64Array(L).fill(Number.NaN),
    forcedMw: new Float64Array(L).fill(Number.NaN),
    holdMw: 0,
    capacityMw: plan.capacityMw,
  };
}

/**
 * Carries out one step: updates `state` in place (state in, state out) and returns the MW of
 * curtailable loads left running (what an ancillary-service award is paid on).
 * `state.option` holds a flat option index (see `ExecutionPlan.optionFirst`).
 */
export function executeStep(plan: ExecutionPlan, state: ExecutionState, step: ExecutionStep): number {
  const { loads, optMw, optFactor, optRevenue, optionFirst, optionCount, target, targetOpt, cls, order } = plan;
  const L = loads.length;
  const p = step.priceUsdPerMwh;
  const h = step.hashpriceUsdPerPhDay;
  const hashKnown = Number.isFinite(h);
  const priceKnown = Number.isFinite(p);

  // Forced states and thresholds.
  for (let l = 0; l < L; l++) {
    const first = optionFirst[l]!;
    const count = hashKnown ? optionCount[l]! : 1;
    const running = state.mw[l]! > 0;
    const forced = step.forcedMw[l]!;
    const threshold = step.thresholdUsdPerMwh[l]!;
    cls[l] = ECONOMIC;
    if (!Number.isNaN(forced)) {
      target[l] = Math.max(0, Math.min(forced, optMw[first]!));
      targetOpt[l] = optionWithMw(plan, l, target[l]!);
      cls[l] = FORCED;
    } else if (!Number.isNaN(threshold) && priceKnown) {
      const load = loads[l]!;
      for (let k = first; k < first + count; k++) optRevenue[k] = hashKnown ? h * optFactor[k]! : threshold;
      const adder = optRevenue[first]! - threshold;
      const bandMw = running ? optMw[state.option[l]!]! : optMw[first]!;
      const band = hysteresisBand(load, bandMw, running, plan.hysteresisUsdPerMwh, plan.stepMinutes);
      const o = chooseOption(optMw, optRevenue, first, count, adder, band, p);
      target[l] = o < 0 ? 0 : optMw[o]!;
      targetOpt[l] = o < 0 ? first : o;
    } else {
      target[l] = state.mw[l]!;
      targetOpt[l] = state.option[l]!;
    }
  }

  // Ancillary-service awards: held running on curtailable loads, most efficient first.
  let toHold = step.holdMw;
  for (let r = 0; r < L && toHold > 0; r++) {
    const l = order[r]!;
    if (!plan.curtailable[l] || cls[l] === FORCED) continue;
    const running = state.mw[l]! > 0;
    if (!running && !maySwitch(false, state.stepsInState[l]!, plan.kOn[l]!, plan.kOff[l]!)) continue;
    target[l] = optMw[optionFirst[l]!]!;
    targetOpt[l] = optionFirst[l]!;
    cls[l] = FORCED;
    toHold -= target[l]!;
  }

  // Physics: minimum run and off times, then the ramp.
  for (let l = 0; l < L; l++) {
    const running = state.mw[l]! > 0;
    const free = maySwitch(running, state.stepsInState[l]!, plan.kOn[l]!, plan.kOff[l]!);
    if (!free && running && target[l]! <= 0) {
      // Held on: the option that loses least at this price.
      const o = leastLossOption(plan, l, hashKnown ? h : Number.NaN, p);
      target[l] = optMw[o]!;
      targetOpt[l] = o;
      cls[l] = PHYSICS;
    } else if (!free && !running && target[l]! > 0) {
      target[l] = 0;
      cls[l] = PHYSICS;
    }
    const ramped = rampLimit(state.mw[l]!, target[l]!, plan.rampStepMw[l]!);
    if (ramped !== target[l]) {
      target[l] = ramped;
      cls[l] = PHYSICS;
    }
  }

  // The interconnect: physics first, then forced states, then economics; most efficient first within each.
  // A load inside its minimum run first keeps what it drew (that fitted before): no other load squeezes it off.
  let capacity = step.capacityMw;
  for (let l = 0; l < L; l++) {
    const pinned = state.mw[l]! > 0 && !maySwitch(true, state.stepsInState[l]!, plan.kOn[l]!, plan.kOff[l]!);
    const keep = pinned ? Math.min(target[l]!, state.mw[l]!, Math.max(0, capacity)) : 0;
    capacity -= keep;
    plan.granted[l] = keep;
  }
  let heldMw = 0;
  for (let c = PHYSICS; c <= ECONOMIC; c++) {
    for (let r = 0; r < L; r++) {
      const l = order[r]!;
      if (cls[l] !== c) continue;
      let mw = target[l]!;
      let o = targetOpt[l]!;
      const room = capacity + plan.granted[l]!;
      if (mw > room) {
        const fit = largestOptionWithin(plan, l, room);
        mw = fit >= 0 ? optMw[fit]! : Math.max(0, room);
        o = fit >= 0 ? fit : optionFirst[l]!;
      }
      capacity = room - mw;
      if (plan.curtailable[l]) heldMw += mw;
      const was = state.mw[l]! > 0;
      if (mw > 0 === was) {
        if (state.stepsInState[l]! < LONG) state.stepsInState[l]!++;
      } else state.stepsInState[l] = 1;
      state.mw[l] = mw;
      state.option[l] = o;
    }
  }
  return heldMw;
}

/** The option of load `l` that loses least (or earns most) at a price; the smallest when the hashprice is unknown. */
function leastLossOption(plan: ExecutionPlan, l: number, h: number, p: number): number {
  const first = plan.optionFirst[l]!;
  const end = first + plan.optionCount[l]!;
  let best = first;
  for (let k = first + 1; k < end; k++) {
    const better =
      Number.isFinite(h) && Number.isFinite(p)
        ? (h * plan.optFactor[k]! - p) * plan.optMw[k]! > (h * plan.optFactor[best]! - p) * plan.optMw[best]!
        : plan.optMw[k]! < plan.optMw[best]!;
    if (better) best = k;
  }
  return best;
}

/** The largest option of load `l` within `mw`, or −1. */
function largestOptionWithin(plan: ExecutionPlan, l: number, mw: number): number {
  const first = plan.optionFirst[l]!;
  let best = -1;
  for (let k = first; k < first + plan.optionCount[l]!; k++) {
    if (plan.optMw[k]! <= mw + 1e-9 && (best < 0 || plan.optMw[k]! > plan.optMw[best]!)) best = k;
  }
  return best;
}

/** The option of load `l` drawing exactly `mw`, or full power (a cap between options runs at full-power efficiency). */
function optionWithMw(plan: ExecutionPlan, l: number, mw: number): number {
  const first = plan.optionFirst[l]!;
  for (let k = first; k < first + plan.optionCount[l]!; k++) if (plan.optMw[k] === mw) return k;
  return first;
}

/**
 * The live entry point of the site agent: one `executeStep` at wall-clock instant `nowMs`, for a call that comes
 * whenever a price, a meter reading or a plan arrives rather than once per step. Time in state and the ramp are
 * measured in steps of `plan.stepMinutes` from instants: `sinceMs[l]` is when load l last started or stopped (NaN:
 * unknown, long enough to switch freely) and `lastMs` when the previous call ran (NaN: none), so a ramp allows
 * `rampStepMw` per step of elapsed time however often the agent calls. The rule itself is `executeStep`'s, unchanged.
 */
export function executeLiveStep(
  plan: ExecutionPlan,
  state: ExecutionState,
  step: ExecutionStep,
  clock: { nowMs: number; lastMs: number; sinceMs: Float64Array },
): number {
  const stepMs = plan.stepMinutes * 60_000;
  const L = plan.loads.length;
  const wasRunning = new Uint8Array(L);
  for (let l = 0; l < L; l++) {
    const since = clock.sinceMs[l]!;
    state.stepsInState[l] = Number.isNaN(since) ? LONG : Math.min(LONG, Math.floor(Math.max(0, clock.nowMs - since) / stepMs));
    wasRunning[l] = state.mw[l]! > 0 ? 1 : 0;
  }
  const elapsedSteps = Number.isNaN(clock.lastMs) ? 1 : Math.max(0, clock.nowMs - clock.lastMs) / stepMs;
  const rampStepMw = plan.rampStepMw.map((mw) => (Number.isFinite(mw) ? mw * elapsedSteps : mw));
  const held = executeStep({ ...plan, rampStepMw }, state, step);
  for (let l = 0; l < L; l++) if ((state.mw[l]! > 0 ? 1 : 0) !== wasRunning[l]) clock.sinceMs[l] = clock.nowMs;
  return held;
}
