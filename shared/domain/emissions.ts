/**
 * Emissions of a decision: the grid intensity it used, the tonnes of CO2 each load's planned grid draw emits, and
 * the tonnes its curtailment avoided. Avoided emissions are priced at the intensity of the interval: a marginal
 * intensity (what one more MWh emits) is the right measure of what not drawing saves, so it is used where one is
 * stored; otherwise the average, and the record says which.
 */
import { tonnesCo2 } from './co2.ts';
import type { Allocation } from './policy/types.ts';
import type { Site } from './sites.ts';

export type IntensityBasis = 'MARGINAL' | 'AVERAGE';

/** The intensity a decision uses for its interval. */
export interface CarbonInput {
  lbCo2PerMwh: number;
  kind: IntensityBasis;
  source: string;
  /** Start of the stored interval the value belongs to. */
  intervalStartMs: number;
}

export interface LoadEmissions {
  /** Planned grid energy in the interval. */
  mwh: number;
  tCo2: number;
  /** Energy not drawn against the load's full power (mining) or contracted MW (AI). */
  curtailedMwh: number;
  avoidedTCo2: number;
}

export interface DecisionEmissions {
  lbCo2PerMwh: number;
  kind: IntensityBasis;
  source: string;
  loads: Record<string, LoadEmissions>;
  /** Σ loads plus the site's base load. */
  plannedMwh: number;
  plannedTCo2: number;
  curtailedMwh: number;
  avoidedTCo2: number;
}

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Emissions of a decision's allocations over `intervalMinutes` at `carbon`'s intensity. */
export function decisionEmissions(
  site: Site,
  allocations: readonly Allocation[],
  intervalMinutes: number,
  carbon: CarbonInput,
): DecisionEmissions {
  const hours = intervalMinutes / 60;
  const lb = carbon.lbCo2PerMwh;
  const capacity = new Map(site.loads.map((l) => [l.id, l.kind === 'mining' ? l.powerMw : l.contractedMw]));
  const loads: Record<string, LoadEmissions> = {};
  let plannedMwh = site.baseLoadMw * hours;
  let curtailedMwh = 0;
  for (const a of allocations) {
    const mwh = a.mw * hours;
    const curtailed = Math.max(0, (capacity.get(a.loadId) ?? a.mw) - a.mw) * hours;
    loads[a.loadId] = {
      mwh: round(mwh),
      tCo2: round(tonnesCo2(mwh, lb)),
      curtailedMwh: round(curtailed),
      avoidedTCo2: round(tonnesCo2(curtailed, lb)),
    };
    plannedMwh += mwh;
    curtailedMwh += curtailed;
  }
  return {
    lbCo2PerMwh: lb,
    kind: carbon.kind,
    source: carbon.source,
    loads,
    plannedMwh: round(plannedMwh),
    plannedTCo2: round(tonnesCo2(plannedMwh, lb)),
    curtailedMwh: round(curtailedMwh),
    avoidedTCo2: round(tonnesCo2(curtailedMwh, lb)),
  };
}

/** What a decision's loads actually drew and emitted, from the site agent's telemetry. */
export interface ActualEmissions {
  /** Load-intervals with telemetry: only these are counted, on both sides. */
  loadIntervals: number;
  /** The plan of those load-intervals, for a like-for-like comparison. */
  plannedMwh: number;
  plannedTCo2: number;
  mwh: number;
  tCo2: number;
}

/**
 * The actual tCO2 of a decision's interval: each load's actual MWh (null where the agent reported nothing) at the intensity
 * the decision used. The site's base load is not metered per load, so it is in neither side. Null without any actual.
 */
export function actualEmissions(e: DecisionEmissions, actualMwh: (loadId: string) => number | null): ActualEmissions | null {
  const lb = e.lbCo2PerMwh;
  let n = 0;
  let planned = 0;
  let mwh = 0;
  for (const [loadId, l] of Object.entries(e.loads)) {
    const a = actualMwh(loadId);
    if (a === null) continue;
    n++;
    planned += l.mwh;
    mwh += a;
  }
  if (n === 0) return null;
  return {
    loadIntervals: n,
    plannedMwh: round(planned),
    plannedTCo2: round(tonnesCo2(planned, lb)),
    mwh: round(mwh),
    tCo2: round(tonnesCo2(mwh, lb)),
  };
}
