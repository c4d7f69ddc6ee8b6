/** The recorded decision: what the engine decided for one site and interval, with inputs and reasons. */

import { type DecisionEmissions, decisionEmissions } from './emissions.ts';
import { overridesInForce } from './grid.ts';
import type { FxConversion } from './policy/types.ts';
import type { Allocation, DecisionCore, DecisionEconomics, DecisionInput, LoadState } from './policy.ts';
import { ENGINE_VERSION } from './policy.ts';
import { iso, MINUTE_MS } from './time.ts';

export type DecisionSource = 'AUTO' | 'OVERRIDE';

export interface DecisionInputsRecord {
  price: {
    expectedUsdPerMwh: number;
    source: string;
    daUsdPerMwh: number | null;
    lastRtUsdPerMwh: number | null;
    lastRtIntervalStart: string | null;
    ageMinutes: number;
    demo: boolean;
    /** A price published in another currency (EUR), the rate and the USD it became. */
    fx?: FxConversion;
  } | null;
  hashprice: { usdPerPhDay: number; day: string; ageDays: number; source: string; demo: boolean } | null;
  breakevensUsdPerMwh: Record<string, number> | null;
  peakProbability: number;
  gridEventIds: string[];
  /** Overrides that set a load's level (or released it) in this interval. */
  overrideIds: string[];
  /** Every override of the site in force during the interval, applied or outranked. */
  overridesInForce: string[];
  previous: Record<string, { mw: number; since: string }> | null;
}

export interface Decision {
  siteId: string;
  /** UTC ISO instant of the interval start. */
  intervalStart: string;
  intervalMinutes: number;
  revision: number;
  source: DecisionSource;
  reasons: string[];
  flags: string[];
  allocations: Allocation[];
  inputs: DecisionInputsRecord;
  economics: DecisionEconomics;
  /** The intensity used, planned tCO2 of each load and tCO2 avoided by curtailment; absent when no intensity is stored. */
  emissions?: DecisionEmissions;
  engineVersion: string;
  decidedAt: string;
  runId: string;
  /**
   * The revision of the interval before it that this decision was computed from (its state carried
   * over), null when there was none; absent on decisions recorded before it was kept. The chain is
   * consistent when it is the current revision of that interval (shared/app/reconcile.ts).
   */
  previousRevision?: number | null;
  /** Whether its DecisionMade / DecisionRevised event has been sent. */
  published: boolean;
}

export interface DecisionMeta {
  revision: number;
  source: DecisionSource;
  decidedAtMs: number;
  runId: string;
  /** The revision of the interval before whose state the decision starts from; null when none. */
  previousRevision: number | null;
}

/** Builds the record of a decision from the policy's input and output. */
export function toDecision(input: DecisionInput, core: DecisionCore, meta: DecisionMeta): Decision {
  const { price, hashprice, previous } = input;
  let prev: DecisionInputsRecord['previous'] = null;
  if (previous) {
    prev = {};
    for (const [id, s] of Object.entries(previous) as [string, LoadState][]) prev[id] = { mw: s.mw, since: iso(s.sinceMs) };
  }
  return {
    siteId: input.site.id,
    intervalStart: iso(input.intervalStartMs),
    intervalMinutes: input.intervalMinutes,
    revision: meta.revision,
    source: meta.source,
    reasons: core.reasons,
    flags: core.flags,
    allocations: core.allocations,
    inputs: {
      price: price && {
        expectedUsdPerMwh: price.expectedUsdPerMwh,
        source: price.source,
        daUsdPerMwh: price.daUsdPerMwh,
        lastRtUsdPerMwh: price.lastRtUsdPerMwh,
        lastRtIntervalStart: price.lastRtIntervalStartMs === null ? null : iso(price.lastRtIntervalStartMs),
        ageMinutes: price.ageMinutes,
        demo: price.demo,
        ...(price.fx ? { fx: { ...price.fx } } : {}),
      },
      hashprice: hashprice && { ...hashprice },
      breakevensUsdPerMwh: core.breakevens,
      peakProbability: input.peakProbability,
      gridEventIds: core.gridEventIds,
      overrideIds: core.overrideIds,
      overridesInForce: overridesInForce(input.overrides, input.site.id, input.intervalStartMs, input.intervalMinutes * MINUTE_MS),
      previous: prev,
    },
    economics: core.economics,
    ...(input.carbon ? { emissions: decisionEmissions(input.site, core.allocations, input.intervalMinutes, input.carbon) } : {}),
    engineVersion: ENGINE_VERSION,
    decidedAt: iso(meta.decidedAtMs),
    runId: meta.runId,
    previousRevision: meta.previousRevision,
    published: false,
  };
}

/** The state each load is left in by a decision, for the next interval's physics (min run/off, ramp). */
export function stateAfter(decision: Pick<Decision, 'allocations' | 'intervalStart' | 'inputs'>): Record<string, LoadState> {
  const startMs = Date.parse(decision.intervalStart);
  const out: Record<string, LoadState> = {};
  for (const a of decision.allocations) {
    if (a.kind !== 'mining') continue;
    const before = decision.inputs.previous?.[a.loadId];
    const switched = !before || before.mw > 0 !== a.mw > 0;
    out[a.loadId] = { mw: a.mw, sinceMs: switched ? startMs : Date.parse(before.since) };
  }
  return out;
}
