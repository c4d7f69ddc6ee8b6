/**
 * Perfect foresight: the exact optimum of a site's mining schedule when every interval's price is
 * known, under minimum run and off times, restart costs, power modes and the interconnect, by
 * dynamic programming over the loads' run/off states.
 *
 * A load's state after an interval is "on for k intervals" (k = 1..kOn, kOn meaning "long enough to
 * stop") or "off for k intervals" (k = 1..kOff). A running load may change power mode freely.
 * Loads that fit the interconnect together are independent and solved one by one; otherwise the
 * joint state is searched (a few loads with short constraints).
 *
 * Ramps are taken as done within an interval (`rampMinutes` ≤ the interval, as ERCOT's 15-minute
 * settlement and a 5–10 minute fleet ramp give); a slower ramp is not modelled here.
 */

export interface DpOption {
  mw: number;
  /** Revenue per MWh per unit of hashprice: (1 − fee) / (0.024 × J/TH). */
  revenueFactor: number;
}

export interface DpLoad {
  /** Intervals a load must run once started (≥ 1). */
  kOn: number;
  /** Intervals a load must stay off once stopped (≥ 1). */
  kOff: number;
  restartCostUsd: number;
  /** Full power first, then the reduced modes. */
  options: readonly DpOption[];
}

export interface DpInput {
  loads: readonly DpLoad[];
  /** MW available to the mining loads together. */
  capacityMw: number;
  hours: number;
  /** Hashprice per interval (NaN: the load cannot value running; it stays off). */
  hashprice: Float64Array;
  /** Price per interval, including any per-MWh peak charge. */
  price: Float64Array;
}

export interface DpSchedule {
  /** Chosen option per load and interval: −1 off, else an index into the load's options. `option[l][i]`. */
  option: Int8Array[];
  /** Objective: energy margin less restart costs (and whatever charge is folded into `price`). */
  valueUsd: number;
}

/** Most joint states searched; beyond it the schedule is not computed. */
export const MAX_JOINT_STATES = 512;

export function perfectForesight(input: DpInput): DpSchedule {
  const { loads, capacityMw } = input;
  const total = loads.reduce((s, l) => s + (l.options[0]?.mw ?? 0), 0);
  if (total <= capacityMw + 1e-9) {
    const option: Int8Array[] = [];
    let valueUsd = 0;
    for (const l of loads) {
      const r = solve({ ...input, loads: [l] });
      option.push(r.option[0]!);
      valueUsd += r.valueUsd;
    }
    return { option, valueUsd };
  }
  return solve(input);
}

function solve(input: DpInput): DpSchedule {
  const { loads, capacityMw, hours, hashprice, price } = input;
  const L = loads.length;
  const n = price.length;
  const radix = loads.map((l) => l.kOn + l.kOff);
  let S = 1;
  for (const r of radix) S *= r;
  if (S > MAX_JOINT_STATES) {
    throw new Error(`perfect foresight: ${S} joint states for ${L} loads sharing the interconnect (at most ${MAX_JOINT_STATES})`);
  }
  const stride: number[] = [];
  let acc = 1;
  for (let l = 0; l < L; l++) {
    stride.push(acc);
    acc *= radix[l]!;
  }

  // Successor moves of each joint state: the next joint state and which loads run / restart.
  const moves: { to: number; mask: number; restartUsd: number }[][] = [];
  for (let s = 0; s < S; s++) {
    let options: { to: number; mask: number; restartUsd: number }[] = [{ to: 0, mask: 0, restartUsd: 0 }];
    for (let l = 0; l < L; l++) {
      const { kOn, kOff, restartCostUsd } = loads[l]!;
      const st = Math.floor(s / stride[l]!) % radix[l]!;
      const next: { ns: number; on: boolean; restart: boolean }[] = [];
      if (st < kOn) {
        // on for st + 1 intervals
        if (st < kOn - 1) next.push({ ns: st + 1, on: true, restart: false });
        else next.push({ ns: kOn - 1, on: true, restart: false }, { ns: kOn, on: false, restart: false });
      } else {
        const off = st - kOn; // off for off + 1 intervals
        if (off < kOff - 1) next.push({ ns: st + 1, on: false, restart: false });
        else next.push({ ns: kOn + kOff - 1, on: false, restart: false }, { ns: 0, on: true, restart: true });
      }
      const grown: typeof options = [];
      for (const o of options) {
        for (const x of next) {
          grown.push({
            to: o.to + x.ns * stride[l]!,
            mask: o.mask | (x.on ? 1 << l : 0),
            restartUsd: o.restartUsd + (x.restart ? restartCostUsd : 0),
          });
        }
      }
      options = grown;
    }
    moves.push(options);
  }

  // Feasible option combinations of each set of running loads (within the interconnect).
  const masks = 1 << L;
  const combos: Int8Array[][] = [];
  for (let m = 0; m < masks; m++) {
    let list: number[][] = [[]];
    for (let l = 0; l < L; l++) {
      const grown: number[][] = [];
      for (const c of list) {
        if (m & (1 << l)) loads[l]!.options.forEach((_, o) => grown.push([...c, o]));
        else grown.push([...c, -1]);
      }
      list = grown;
    }
    combos.push(
      list
        .filter((c) => c.reduce((s, o, l) => s + (o >= 0 ? loads[l]!.options[o]!.mw : 0), 0) <= capacityMw + 1e-9)
        .map((c) => Int8Array.from(c)),
    );
  }

  let value = new Float64Array(S).fill(Number.NEGATIVE_INFINITY);
  let next = new Float64Array(S);
  let start = 0;
  for (let l = 0; l < L; l++) start += (loads[l]!.kOn - 1) * stride[l]!; // running long enough to stop
  value[start] = 0;
  const back = S <= 256 ? new Uint8Array(n * S) : new Uint16Array(n * S);
  const maskValue = new Float64Array(masks);
  const optValue = loads.map((l) => new Float64Array(l.options.length));

  for (let i = 0; i < n; i++) {
    const h = Number.isFinite(hashprice[i]!) ? hashprice[i]! : 0;
    const p = price[i]!;
    for (let l = 0; l < L; l++) {
      const opts = loads[l]!.options;
      const ov = optValue[l]!;
      for (let o = 0; o < opts.length; o++) ov[o] = (h * opts[o]!.revenueFactor - p) * opts[o]!.mw * hours;
    }
    for (let m = 0; m < masks; m++) maskValue[m] = bestCombo(combos[m]!, optValue).value;
    next.fill(Number.NEGATIVE_INFINITY);
    for (let s = 0; s < S; s++) {
      const v = value[s]!;
      if (v === Number.NEGATIVE_INFINITY) continue;
      for (const mv of moves[s]!) {
        const w = v + maskValue[mv.mask]! - mv.restartUsd;
        if (w > next[mv.to]!) {
          next[mv.to] = w;
          back[i * S + mv.to] = s;
        }
      }
    }
    const tmp = value;
    value = next;
    next = tmp;
  }

  let best = 0;
  for (let s = 1; s < S; s++) if (value[s]! > value[best]!) best = s;
  const option = loads.map(() => new Int8Array(n));
  let s = best;
  for (let i = n - 1; i >= 0; i--) {
    let mask = 0;
    for (let l = 0; l < L; l++) if (Math.floor(s / stride[l]!) % radix[l]! < loads[l]!.kOn) mask |= 1 << l;
    const h = Number.isFinite(hashprice[i]!) ? hashprice[i]! : 0;
    const p = price[i]!;
    for (let l = 0; l < L; l++) {
      const opts = loads[l]!.options;
      for (let o = 0; o < opts.length; o++) optValue[l]![o] = (h * opts[o]!.revenueFactor - p) * opts[o]!.mw * hours;
    }
    const combo = bestCombo(combos[mask]!, optValue).combo;
    for (let l = 0; l < L; l++) option[l]![i] = combo ? combo[l]! : -1;
    s = back[i * S + s]!;
  }
  return { option, valueUsd: value[best]! };
}

function bestCombo(list: Int8Array[], optValue: Float64Array[]): { value: number; combo: Int8Array | null } {
  let value = Number.NEGATIVE_INFINITY;
  let combo: Int8Array | null = null;
  for (const c of list) {
    let v = 0;
    for (let l = 0; l < c.length; l++) if (c[l]! >= 0) v += optValue[l]![c[l]!]!;
    if (v > value) {
      value = v;
      combo = c;
    }
  }
  return { value, combo };
}
