/**
 * Grid carbon intensity from a fuel mix: per interval, intensity = Σ generation × factor / Σ generation,
 * in lb CO2 per MWh generated. This is an *average* (location-based) intensity; marginal intensity
 * (what one more MWh emits) comes from a provider such as WattTime and is not derived here.
 *
 * The per-fuel factors are settings. The defaults are **combustion** (direct, stack) factors, not
 * lifecycle ones, because the figure we check against and that Scope 2 location-based reporting
 * uses, EPA eGRID's "CO2 total output emission rate", counts only what the plants' stacks emit:
 * wind, solar, nuclear and hydro are zero there, and biomass CO2 is treated as carbon-neutral (eGRID
 * reports biomass-adjusted CO2). Lifecycle factors (IPCC AR5 WG3 Annex III medians: coal 820, gas CC
 * 490, wind 11–12, solar 41–48, nuclear 12 g CO2e/kWh) answer a different question and would overshoot
 * eGRID by the upstream share.
 *
 * Each default is an EIA CO2 emission coefficient (EIA "Carbon Dioxide Emissions Coefficients":
 * natural gas ≈ 117 lb/MMBtu, subbituminous coal ≈ 214, lignite ≈ 215) times a typical operating heat
 * rate, round figures within the range of the EIA Electric Power Annual's reported heat rates: coal
 * ≈ 10.3 MMBtu/MWh, gas combined cycle ≈ 7.3, gas steam turbines and combustion turbines ≈ 10.7.
 * They are typical fleet figures, not ERCOT-specific ones. ERCOT's `Gas` fuel is its non-combined-cycle
 * gas fleet (steam units and peakers), so it takes the steam/CT rate. With these, ERCOT's 2023 fuel
 * mix gives ≈ 721 lb/MWh over the year, 1.8% below eGRID2023's ERCT rate of 733.9 lb/MWh (the rest is
 * mostly plant-by-plant heat-rate spread).
 */
import * as z from 'zod';
import { ValidationError } from './errors.ts';

export { LB_PER_TONNE, tonnesCo2 } from './co2.ts';

/**
 * lb CO2 per MWh generated, by fuel name as the source spells it. `null` marks a "fuel" that is not
 * generation (storage charging): it is left out of both sums, so that the energy is not counted
 * twice when the storage discharges.
 */
export type EmissionFactors = Readonly<Record<string, number | null>>;

/** Settings schema for emission factors: 0 .. 5,000 lb/MWh (above any fossil unit), or null. */
export const emissionFactorsSchema = z.record(z.string().min(1), z.number().min(0).max(5_000).nullable());

/** Defaults for ERCOT's Fuel Mix Report fuels (see the header for the sources). */
export const ERCOT_DEFAULT_EMISSION_FACTORS: EmissionFactors = Object.freeze({
  /** 214 lb/MMBtu × 10.3 MMBtu/MWh (ERCOT's coal is subbituminous and lignite). */
  Coal: 2_200,
  /** 117 lb/MMBtu × 7.3 MMBtu/MWh. */
  'Gas-CC': 850,
  /** 117 lb/MMBtu × 10.7 MMBtu/MWh: steam units and combustion turbines. */
  Gas: 1_250,
  /** Biogenic CO2 counts as zero, as in eGRID's biomass-adjusted emissions. */
  Biomass: 0,
  Hydro: 0,
  Nuclear: 0,
  Solar: 0,
  Wind: 0,
  /**
   * ERCOT's `Other` is mostly storage discharge (plus a little petroleum coke and landfill gas, under
   * 0.2% of generation): zero, since the charging energy's emissions are already counted where it
   * was generated.
   */
  Other: 0,
  /** Wholesale storage load (charging, negative in the report): not generation. */
  WSL: null,
});

/**
 * Defaults for the fuels of ERCOT's live fuel-mix dashboard, which does not split gas: `Natural Gas`
 * takes the two gas factors above weighted by the 2023 workbook's split (164.0 TWh combined cycle,
 * 36.4 TWh other gas: (164.0 × 850 + 36.4 × 1,250) / 200.4 ≈ 920). `Power Storage` is signed net
 * output; like the workbook's storage charging it is left out.
 */
export const ERCOT_LIVE_DEFAULT_EMISSION_FACTORS: EmissionFactors = Object.freeze({
  'Coal and Lignite': 2_200,
  'Natural Gas': 920,
  Nuclear: 0,
  Hydro: 0,
  Solar: 0,
  Wind: 0,
  Other: 0,
  'Power Storage': null,
});

/** What intensity needs of a generation point; the feed's own points carry more and fit as they are. */
export interface GenerationSample {
  intervalStartMs: number;
  fuel: string;
  mwh: number;
}

export interface IntervalIntensity {
  intervalStartMs: number;
  /** Σ generation of the fuels that count (factor not null). */
  generationMwh: number;
  /** Σ generation × factor. */
  co2Lb: number;
  /** co2Lb / generationMwh; null when nothing (or a net negative) was generated. */
  lbCo2PerMwh: number | null;
}

/** The factor of a fuel; a fuel without one is noted in `missing` (reported once, after the loop). */
function factorOf(factors: EmissionFactors, fuel: string, missing: Set<string>): number | null | undefined {
  const f = factors[fuel];
  if (f === undefined) missing.add(fuel);
  return f;
}

/**
 * Intensity per interval, ascending by interval start. Every fuel in `samples` must have a factor
 * (a fuel ERCOT adds later must be given one rather than silently counted as zero).
 */
export function intensityByInterval(
  samples: Iterable<GenerationSample>,
  factors: EmissionFactors = ERCOT_DEFAULT_EMISSION_FACTORS,
): IntervalIntensity[] {
  const byStart = new Map<number, { gen: number; co2: number }>();
  const missing = new Set<string>();
  for (const s of samples) {
    const f = factorOf(factors, s.fuel, missing);
    if (f === null || f === undefined) continue;
    let acc = byStart.get(s.intervalStartMs);
    if (!acc) byStart.set(s.intervalStartMs, (acc = { gen: 0, co2: 0 }));
    acc.gen += s.mwh;
    acc.co2 += s.mwh * f;
  }
  if (missing.size > 0) {
    const issues = [...missing].map((fuel) => ({ path: fuel, message: 'no emission factor for this fuel' }));
    throw new ValidationError('emission factors', issues);
  }
  return [...byStart]
    .sort((a, b) => a[0] - b[0])
    .map(([intervalStartMs, { gen, co2 }]) => ({
      intervalStartMs,
      generationMwh: gen,
      co2Lb: co2,
      lbCo2PerMwh: gen > 0 ? co2 / gen : null,
    }));
}

/**
 * The generation-weighted mean intensity of a set of intervals, Σ CO2 / Σ generation — what eGRID's
 * annual output emission rate is. Null when nothing was generated.
 */
export function weightedMeanIntensity(intervals: Iterable<Pick<IntervalIntensity, 'generationMwh' | 'co2Lb'>>): number | null {
  let gen = 0;
  let co2 = 0;
  for (const i of intervals) {
    gen += i.generationMwh;
    co2 += i.co2Lb;
  }
  return gen > 0 ? co2 / gen : null;
}
