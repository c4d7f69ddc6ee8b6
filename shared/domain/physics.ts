/**
 * The physics of mining fleets, shared by the decision policy and by anything that carries a decision out:
 * power modes, the order fleets get scarce capacity in, ramp limits, minimum run and off times, the
 * hysteresis band around breakeven, the choice of power mode, and fitting a level into the interconnect.
 * Small pure functions; the revenue formula itself lives in economics.ts.
 */
import { revenuePerMwh } from './economics.ts';
import type { MiningLoad, Site } from './sites.ts';
import { MINUTE_MS } from './time.ts';

/** One level a mining load can run at: full power (`modeId` undefined) or one of its reduced power modes. */
export interface PowerOption {
  modeId: string | undefined;
  mw: number;
  efficiency: number;
}

/** A load's power options, highest MW first (full power leads unless a mode is at least as large). */
export function powerOptions(load: MiningLoad): PowerOption[] {
  const opts: PowerOption[] = [{ modeId: undefined, mw: load.powerMw, efficiency: load.efficiencyJPerTh }];
  for (const m of load.modes) opts.push({ modeId: m.id, mw: m.powerMw, efficiency: m.efficiencyJPerTh });
  opts.sort((a, b) => b.mw - a.mw);
  return opts;
}

/** The lowest-MW option: what a load held on by its minimum run time runs at, at least. */
export function smallestOption(opts: readonly PowerOption[]): PowerOption {
  return opts[opts.length - 1]!;
}

/** The highest option that fits within `mw` (with a little float tolerance), if any. */
export function largestOptionWithin(opts: readonly PowerOption[], mw: number): PowerOption | undefined {
  for (const o of opts) if (o.mw <= mw + 1e-9) return o;
  return undefined;
}

/**
 * Revenue per MWh of a load run at an option of efficiency `efficiencyJPerTh`; `fullPowerRevenue` is its revenue
 * per MWh at full power, reused when the efficiency is the same.
 */
export function optionRevenuePerMwh(
  load: MiningLoad,
  efficiencyJPerTh: number,
  hashpriceUsdPerPhDay: number,
  fullPowerRevenue: number,
): number {
  return efficiencyJPerTh === load.efficiencyJPerTh
    ? fullPowerRevenue
    : revenuePerMwh(hashpriceUsdPerPhDay, efficiencyJPerTh, load.poolFeePct);
}

/** Most efficient fleet first (lowest J/TH), then by id: the order in which fleets get scarce capacity. */
export function compareEfficiency(a: MiningLoad, b: MiningLoad): number {
  return a.efficiencyJPerTh - b.efficiencyJPerTh || (a.id < b.id ? -1 : 1);
}

/** The MW a site's loads may draw between them: the interconnect less the base load. */
export function interconnectHeadroomMw(site: Site): number {
  return Math.max(0, site.interconnectMw - site.baseLoadMw);
}

/** A load's level at the end of the previous interval, and since when it has been running or stopped. */
export interface PriorLevel {
  mw: number;
  sinceMs: number;
}

/** The band of levels physics allows a load in an interval. */
export interface LevelBounds {
  minMw: number;
  maxMw: number;
  /** The minimum run time holds the load on (at least its smallest option). */
  minRun: boolean;
  /** The minimum off time holds the load off. */
  minOff: boolean;
}

/**
 * Bounds on a load's level in the interval starting at `t`: held on through its minimum run time, held off
 * through its minimum off time, and within one interval's ramp of its previous level when it ramps slower
 * than an interval. No previous level: anything from 0 to full power.
 */
export function levelBounds(
  load: MiningLoad,
  options: readonly PowerOption[],
  prev: PriorLevel | undefined,
  t: number,
  intervalMinutes: number,
): LevelBounds {
  let minMw = 0;
  let maxMw = load.powerMw;
  let minRun = false;
  let minOff = false;
  if (prev) {
    const inStateFor = t - prev.sinceMs;
    if (prev.mw > 0 && load.minRunMinutes > 0 && inStateFor < load.minRunMinutes * MINUTE_MS) {
      minMw = smallestOption(options).mw;
      minRun = true;
    }
    if (prev.mw === 0 && load.minOffMinutes > 0 && inStateFor < load.minOffMinutes * MINUTE_MS) {
      maxMw = 0;
      minOff = true;
    }
    if (load.rampMinutes > intervalMinutes) {
      const step = (load.powerMw * intervalMinutes) / load.rampMinutes;
      if (prev.mw - step > minMw) minMw = prev.mw - step;
      if (prev.mw + step < maxMw) maxMw = prev.mw + step;
    }
  }
  return { minMw, maxMw, minRun, minOff };
}

/** Do the bounds constrain the load (it must run, or must stay off)? */
export function boundsBind(b: { minMw: number; maxMw: number }): boolean {
  return b.minMw > 0 || b.maxMw === 0;
}

/** Is `mw` within the bounds? */
export function withinBounds(mw: number, b: { minMw: number; maxMw: number }): boolean {
  return mw >= b.minMw && mw <= b.maxMw;
}

/**
 * Dead band in $/MWh added to a load's breakeven: running loads keep running up to breakeven + h;
 * stopped loads restart only below breakeven − h − the restart cost spread over the minimum run
 * (or an hour, or the interval if longer) at `mw`. Unknown previous state: no band.
 */
export function hysteresisBand(load: MiningLoad, mw: number, wasRunning: boolean | null, h: number, intervalMinutes: number): number {
  if (wasRunning === null) return 0;
  if (wasRunning) return h;
  const runHours = Math.max(load.minRunMinutes, 60, intervalMinutes) / 60;
  return -h - load.restartCostUsd / (mw * runHours);
}

/** The power option that pays most, with its hysteresis band; none when no option pays. */
export interface PowerModeChoice {
  option: PowerOption | undefined;
  band: number;
}

/**
 * The power option of greatest value `(revenue per MWh + band − effective price) × MW`, if any is positive;
 * ties go to the higher MW. `band` is the chosen option's band, or the full-power band when none pays.
 */
export function choosePowerMode(
  load: MiningLoad,
  options: readonly PowerOption[],
  hashpriceUsdPerPhDay: number,
  fullPowerRevenue: number,
  effectivePriceUsdPerMwh: number,
  wasRunning: boolean | null,
  hysteresisUsdPerMwh: number,
  intervalMinutes: number,
): PowerModeChoice {
  let best: PowerOption | undefined;
  let bestValue = 0;
  let bestBand = 0;
  for (const opt of options) {
    const rev = optionRevenuePerMwh(load, opt.efficiency, hashpriceUsdPerPhDay, fullPowerRevenue);
    const band = hysteresisBand(load, opt.mw, wasRunning, hysteresisUsdPerMwh, intervalMinutes);
    const value = (rev + band - effectivePriceUsdPerMwh) * opt.mw;
    if (value > bestValue) {
      best = opt;
      bestValue = value;
      bestBand = band;
    }
  }
  if (best) return { option: best, band: bestBand };
  return { option: undefined, band: hysteresisBand(load, load.powerMw, wasRunning, hysteresisUsdPerMwh, intervalMinutes) };
}

/** A level fitted into what is left of the interconnect. */
export interface FittedLevel {
  mw: number;
  modeId: string | undefined;
  /** The interconnect cut the level. */
  limited: boolean;
}

/**
 * Fits a wanted level into `capacityMw`: unchanged when it fits, else the largest power option that fits,
 * else whatever capacity is left (never below 0).
 */
export function fitInterconnect(options: readonly PowerOption[], mw: number, modeId: string | undefined, capacityMw: number): FittedLevel {
  if (mw <= capacityMw) return { mw, modeId, limited: false };
  const fit = largestOptionWithin(options, capacityMw);
  return { mw: fit ? fit.mw : Math.max(0, capacityMw), modeId: fit?.modeId, limited: true };
}
