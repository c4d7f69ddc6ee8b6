import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DpLoad, perfectForesight } from '#app/backtest/dp.ts';

const HOURS = 0.25;

/**
 * Brute force: every on/off sequence of every load (2^(n·L)), checked against the constraints with
 * the loads starting "running for long", each running load in its best mode, the set of running
 * loads within the interconnect in its best feasible mode combination.
 */
function bruteForce(loads: DpLoad[], capacityMw: number, hashprice: number[], price: number[]): number {
  const n = price.length;
  const L = loads.length;
  let best = Number.NEGATIVE_INFINITY;
  for (let bits = 0; bits < 2 ** (n * L); bits++) {
    const on = (l: number, i: number) => ((bits >> (l * n + i)) & 1) === 1;
    let value = 0;
    let feasible = true;
    for (let l = 0; l < L && feasible; l++) {
      const { kOn, kOff } = loads[l]!;
      let state = true;
      let age = Number.POSITIVE_INFINITY;
      for (let i = 0; i < n; i++) {
        const next = on(l, i);
        if (next !== state) {
          if (age < (state ? kOn : kOff)) {
            feasible = false;
            break;
          }
          if (next) value -= loads[l]!.restartCostUsd;
          state = next;
          age = 1;
        } else age++;
      }
    }
    if (!feasible) continue;
    for (let i = 0; i < n && feasible; i++) {
      // Best combination of modes for the running loads at this interval.
      let bestI = Number.NEGATIVE_INFINITY;
      const running = loads.map((_, l) => on(l, i));
      const combos = (l: number, mw: number, v: number): void => {
        if (l === L) {
          if (mw <= capacityMw + 1e-9 && v > bestI) bestI = v;
          return;
        }
        if (!running[l]) {
          combos(l + 1, mw, v);
          return;
        }
        for (const o of loads[l]!.options) combos(l + 1, mw + o.mw, v + (hashprice[i]! * o.revenueFactor - price[i]!) * o.mw * HOURS);
      };
      combos(0, 0, 0);
      if (bestI === Number.NEGATIVE_INFINITY) feasible = false;
      else value += bestI;
    }
    if (feasible && value > best) best = value;
  }
  return best;
}

function scheduleValue(loads: DpLoad[], option: Int8Array[], hashprice: number[], price: number[]): number {
  let v = 0;
  loads.forEach((load, l) => {
    let prevOn = true;
    for (let i = 0; i < price.length; i++) {
      const o = option[l]![i]!;
      if (o >= 0) {
        const opt = load.options[o]!;
        v += (hashprice[i]! * opt.revenueFactor - price[i]!) * opt.mw * HOURS;
        if (!prevOn) v -= load.restartCostUsd;
      }
      prevOn = o >= 0;
    }
  });
  return v;
}

const fleet = (over: Partial<DpLoad> = {}): DpLoad => ({
  kOn: 1,
  kOff: 1,
  restartCostUsd: 0,
  options: [{ mw: 10, revenueFactor: 1 }],
  ...over,
});

function run(loads: DpLoad[], capacityMw: number, hashprice: number[], price: number[]) {
  return perfectForesight({ loads, capacityMw, hours: HOURS, hashprice: Float64Array.from(hashprice), price: Float64Array.from(price) });
}

describe('perfect foresight (dynamic programming)', () => {
  it('runs exactly the intervals priced below breakeven when nothing constrains it', () => {
    const price = [10, 120, 90, 101, 99, -5];
    const r = run(
      [fleet()],
      100,
      price.map(() => 100),
      price,
    );
    expect(Array.from(r.option[0]!)).toEqual([0, -1, 0, -1, 0, 0]);
  });

  it('rides through a one-interval spike when the minimum off time makes stopping worse', () => {
    // Running through the $150 interval loses (150 − 100) × 10 MW × 0.25 h = $125; stopping for it
    // forces two more intervals off at $50, losing 2 × (100 − 50) × 10 × 0.25 = $250.
    const price = [50, 150, 50, 50, 50];
    const r = run(
      [fleet({ kOff: 3 })],
      100,
      price.map(() => 100),
      price,
    );
    expect(Array.from(r.option[0]!)).toEqual([0, 0, 0, 0, 0]);
    expect(r.valueUsd).toBeCloseTo(
      bruteForce(
        [fleet({ kOff: 3 })],
        100,
        price.map(() => 100),
        price,
      ),
      9,
    );
  });

  it('keeps a fleet off through a short dip when the restart cost exceeds what the dip earns', () => {
    const price = [50, 500, 80, 500, 50];
    const load = fleet({ restartCostUsd: 100 });
    const r = run(
      [load],
      100,
      price.map(() => 100),
      price,
    );
    // Restarting for the $80 interval earns (100 − 80) × 10 × 0.25 = $50 < $100.
    expect(Array.from(r.option[0]!)).toEqual([0, -1, -1, -1, 0]);
  });

  it('honours a minimum run time after a restart', () => {
    const price = [500, 50, 500, 500, 500];
    const r = run(
      [fleet({ kOn: 3 })],
      100,
      price.map(() => 100),
      price,
    );
    const brute = bruteForce(
      [fleet({ kOn: 3 })],
      100,
      price.map(() => 100),
      price,
    );
    expect(r.valueUsd).toBeCloseTo(brute, 9);
    expect(
      scheduleValue(
        [fleet({ kOn: 3 })],
        r.option,
        price.map(() => 100),
        price,
      ),
    ).toBeCloseTo(r.valueUsd, 9);
  });

  it('chooses an underclocked mode where it beats both full power and off', () => {
    const load = fleet({
      options: [
        { mw: 10, revenueFactor: 1 },
        { mw: 6, revenueFactor: 1.2 },
      ],
    });
    // At $110: full (100 − 110) × 10 < 0, mode (120 − 110) × 6 > 0.
    const r = run([load], 100, [100], [110]);
    expect(Array.from(r.option[0]!)).toEqual([1]);
  });

  it('gives a shared interconnect to the most valuable fleet', () => {
    const loads = [fleet({ options: [{ mw: 10, revenueFactor: 1 }] }), fleet({ options: [{ mw: 10, revenueFactor: 1.5 }] })];
    const r = run(loads, 10, [100, 100], [20, 20]);
    expect(Array.from(r.option[0]!)).toEqual([-1, -1]);
    expect(Array.from(r.option[1]!)).toEqual([0, 0]);
  });

  it('matches brute force on random prices, constraints, restart costs and a shared interconnect', () => {
    const loadArb = fc.record({
      kOn: fc.integer({ min: 1, max: 3 }),
      kOff: fc.integer({ min: 1, max: 3 }),
      restartCostUsd: fc.constantFrom(0, 20, 150),
      options: fc.constantFrom(
        [{ mw: 10, revenueFactor: 1 }],
        [
          { mw: 10, revenueFactor: 1 },
          { mw: 5, revenueFactor: 1.15 },
        ],
        [{ mw: 8, revenueFactor: 0.8 }],
      ),
    });
    fc.assert(
      fc.property(
        fc.array(loadArb, { minLength: 1, maxLength: 2 }),
        fc.array(fc.integer({ min: -50, max: 400 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(10, 15, 100),
        (loads, price, capacity) => {
          if (loads.length * price.length > 12) price = price.slice(0, 6);
          const hashprice = price.map((_, i) => 90 + 5 * i);
          const r = run(loads, capacity, hashprice, price);
          const brute = bruteForce(loads, capacity, hashprice, price);
          expect(r.valueUsd).toBeCloseTo(brute, 6);
          expect(scheduleValue(loads, r.option, hashprice, price)).toBeCloseTo(r.valueUsd, 6);
        },
      ),
      { numRuns: 300, seed: 20240701 },
    );
  });
});
