/**
 * Day-block bootstrap of a capture-ratio difference. Prices are correlated within a day (a spike lasts
 * intervals, an evening ramp hours) and far less across days, so whole local days are resampled: each
 * resample draws as many days as there are, with replacement, and recomputes
 *
 *   Δ = capture(x) − capture(base) = Σ (gain_x − gain_base) / Σ gain_perfect,
 *
 * gains being each day's energy net over always-on's. Seeded: the same inputs and seed give the same
 * interval.
 */

export interface DeltaInterval {
  /** Capture of x minus capture of the base over all days. */
  delta: number;
  /** Percentile interval of the resampled Δ, widened to contain `delta` when a skewed resample misses it. */
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Coverage of the interval (0.95: the 2.5th to 97.5th percentile). */
  level?: number;
  seed?: number;
}

export const BOOTSTRAP_DEFAULTS = { resamples: 1000, level: 0.95, seed: 20240101 } as const;

/** mulberry32: a small seeded generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Per local day: energy net of the policy, of the base it is compared with, of always-on and of perfect foresight. */
export interface DailyNets {
  x: ArrayLike<number>;
  base: ArrayLike<number>;
  alwaysOn: ArrayLike<number>;
  perfect: ArrayLike<number>;
}

export function captureDeltaInterval(d: DailyNets, opts: BootstrapOptions = {}): DeltaInterval {
  const { resamples, level, seed } = { ...BOOTSTRAP_DEFAULTS, ...opts };
  const n = d.x.length;
  const diff = new Float64Array(n);
  const span = new Float64Array(n);
  let num = 0;
  let den = 0;
  for (let k = 0; k < n; k++) {
    diff[k] = d.x[k]! - d.base[k]!;
    span[k] = d.perfect[k]! - d.alwaysOn[k]!;
    num += diff[k]!;
    den += span[k]!;
  }
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
  const delta = ratio(num, den);
  if (n === 0 || resamples <= 0) return { delta, low: delta, high: delta };
  const rand = seededRandom(seed);
  const draws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let a = 0;
    let b = 0;
    for (let k = 0; k < n; k++) {
      const j = Math.floor(rand() * n);
      a += diff[j]!;
      b += span[j]!;
    }
    draws[r] = ratio(a, b);
  }
  draws.sort();
  const q = (p: number) => {
    const at = p * (resamples - 1);
    const lo = Math.floor(at);
    const hi = Math.min(resamples - 1, lo + 1);
    const w = at - lo;
    return w === 0 ? draws[lo]! : (1 - w) * draws[lo]! + w * draws[hi]!;
  };
  const tail = (1 - level) / 2;
  return { delta, low: Math.min(delta, q(tail)), high: Math.max(delta, q(1 - tail)) };
}
