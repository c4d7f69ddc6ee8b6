/** Small, hand-written inputs for unit tests. */
import type { DecisionInput, HashpriceInput, PriceInput } from '#domain/policy.ts';
import { type Site, type SiteInput, SiteSchema } from '#domain/sites.ts';

export function site(overrides: Partial<SiteInput> = {}): Site {
  return SiteSchema.parse({
    id: 'rockdale',
    name: 'Rockdale, TX',
    market: 'ERCOT',
    settlementPoint: 'HB_HUBAVG',
    timezone: 'America/Chicago',
    interconnectMw: 200,
    baseLoadMw: 0,
    loads: [
      { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 },
      { id: 's19', kind: 'mining', powerMw: 60, efficiencyJPerTh: 21.5, poolFeePct: 2 },
      { id: 'tenant', kind: 'ai', contractedMw: 15, priceUsdPerMwh: 180 },
    ],
    policy: { hysteresisUsdPerMwh: 0 },
    ...overrides,
  });
}

export function price(expectedUsdPerMwh: number, extra: Partial<PriceInput> = {}): PriceInput {
  return {
    expectedUsdPerMwh,
    source: 'TEST',
    daUsdPerMwh: null,
    lastRtUsdPerMwh: expectedUsdPerMwh,
    lastRtIntervalStartMs: null,
    ageMinutes: 0,
    demo: false,
    ...extra,
  };
}

export function hashprice(usdPerPhDay = 50, extra: Partial<HashpriceInput> = {}): HashpriceInput {
  return { usdPerPhDay, day: '2024-07-14', ageDays: 1, source: 'TEST', demo: false, ...extra };
}

/** 2024-07-15 20:00 UTC = 15:00 in Texas (CDT). */
export const T0 = Date.parse('2024-07-15T20:00:00Z');

export function input(extra: Partial<DecisionInput> = {}): DecisionInput {
  return {
    site: site(),
    intervalStartMs: T0,
    intervalMinutes: 15,
    price: price(40),
    hashprice: hashprice(50),
    peakProbability: 0,
    gridEvents: [],
    overrides: [],
    previous: null,
    ...extra,
  };
}
