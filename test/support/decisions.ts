/** A recorded decision of `siteId` for the i-th quarter-hour from 2024-07-15T00:00Z (the repository tests' fixture). */
import type { Decision } from '#domain/decision.ts';

export const DECISIONS_T0 = Date.parse('2024-07-15T00:00:00Z');
const T = DECISIONS_T0;
const Q = 15 * 60_000;

export function storedDecision(siteId: string, i: number, revision = 1, extra: Partial<Decision> = {}): Decision {
  return {
    siteId,
    intervalStart: new Date(T + i * Q).toISOString(),
    intervalMinutes: 15,
    revision,
    source: revision === 1 ? 'AUTO' : 'OVERRIDE',
    reasons: ['ECONOMIC_RUN'],
    flags: [],
    allocations: [{ loadId: 's21', kind: 'mining', action: 'RUN', mw: 100, curtailAboveUsdPerMwh: 116.67, reasons: ['ECONOMIC_RUN'] }],
    inputs: {
      price: null,
      hashprice: null,
      breakevensUsdPerMwh: null,
      peakProbability: 0,
      gridEventIds: [],
      overrideIds: [],
      overridesInForce: [],
      previous: null,
    },
    economics: {
      expectedPriceUsdPerMwh: 30,
      miningRevenueUsd: 1,
      energyCostUsd: 1,
      miningNetUsd: 0,
      runningMw: 100,
      curtailedMw: 0,
      aiServedMw: 0,
      aiRevenueUsd: 0,
      gridDrawMw: 100,
    },
    engineVersion: '1.0.0',
    decidedAt: new Date(T + i * Q).toISOString(),
    runId: `run-${revision}`,
    published: false,
    ...extra,
  };
}
