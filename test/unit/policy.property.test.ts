/** Invariants of the policy over generated sites, prices, events and overrides. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GridEvent, Override } from '#domain/grid.ts';
import { decide, type DecisionInput } from '#domain/policy.ts';
import { SiteSchema, type Site } from '#domain/sites.ts';
import { T0 } from '../support/fixtures.ts';

const MIN = 60_000;

const miningLoad = (i: number) =>
  fc.record({
    id: fc.constant(`m${i}`),
    kind: fc.constant('mining' as const),
    powerMw: fc.integer({ min: 1, max: 150 }),
    efficiencyJPerTh: fc.double({ min: 12, max: 35, noNaN: true }),
    poolFeePct: fc.double({ min: 0, max: 4, noNaN: true }),
    minRunMinutes: fc.constantFrom(0, 30, 60),
    minOffMinutes: fc.constantFrom(0, 30, 60),
    rampMinutes: fc.constantFrom(0, 5, 30, 60),
    restartCostUsd: fc.constantFrom(0, 200, 2000),
  });

const aiLoad = (i: number) =>
  fc.record({
    id: fc.constant(`ai${i}`),
    kind: fc.constant('ai' as const),
    contractedMw: fc.integer({ min: 1, max: 30 }),
    priceUsdPerMwh: fc.integer({ min: 50, max: 300 }),
    interruptible: fc.boolean(),
    backupGenMw: fc.integer({ min: 0, max: 10 }),
  });

const siteArb: fc.Arbitrary<Site> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }))
  .chain(([nm, na]) =>
    fc.record({
      mining: fc.tuple(...Array.from({ length: nm }, (_, i) => miningLoad(i))),
      ai: na === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: na }, (_, i) => aiLoad(i))),
      baseLoadMw: fc.integer({ min: 0, max: 5 }),
      spare: fc.integer({ min: 0, max: 300 }),
      hysteresis: fc.constantFrom(0, 2, 5),
    }),
  )
  .map(({ mining, ai, baseLoadMw, spare, hysteresis }) => {
    const aiMw = (ai as { contractedMw: number }[]).reduce((s, l) => s + l.contractedMw, 0);
    return SiteSchema.parse({
      id: 'gen',
      name: 'generated',
      market: 'ERCOT',
      settlementPoint: 'HB_HUBAVG',
      timezone: 'America/Chicago',
      interconnectMw: baseLoadMw + aiMw + spare + 1,
      baseLoadMw,
      loads: [...mining, ...ai],
      fourCp: { enabled: true, rateUsdPerKwYear: 60 },
      policy: { hysteresisUsdPerMwh: hysteresis },
    });
  });

const inputArb: fc.Arbitrary<DecisionInput> = siteArb.chain((site) => {
  const ids = site.loads.map((l) => l.id);
  const overrideArb: fc.Arbitrary<Override> = fc.record({
    id: fc.uuid(),
    siteId: fc.constant(site.id),
    loadId: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    action: fc.constantFrom('RUN', 'CURTAIL', 'CAP', 'RELEASE'),
    capMw: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
    fromMs: fc.constant(T0 - 30 * MIN),
    toMs: fc.constant(T0 + 30 * MIN),
    reason: fc.constant('test'),
    author: fc.constant('prop'),
    acknowledgeObligation: fc.boolean(),
    createdAtMs: fc.integer({ min: T0 - 1000 * MIN, max: T0 }),
  });
  const eventArb: fc.Arbitrary<GridEvent> = fc.record({
    id: fc.uuid(),
    type: fc.constantFrom('EEA', 'CONSERVATION_APPEAL', 'DR_DEPLOYMENT', 'AS_AWARD', 'AS_DEPLOYMENT', 'SB6_DIRECTIVE'),
    market: fc.constant('ERCOT'),
    siteId: fc.constant(site.id),
    level: fc.integer({ min: 1, max: 3 }),
    mw: fc.integer({ min: 1, max: 200 }),
    product: fc.constantFrom('RRS', 'ECRS'),
    startMs: fc.constant(T0 - 15 * MIN),
    endMs: fc.constant(T0 + 15 * MIN),
  });
  const prevArb = fc.option(
    fc.record(Object.fromEntries(site.loads.filter((l) => l.kind === 'mining').map((l) => [l.id, fc.record({ mw: fc.constantFrom(0, l.powerMw), sinceMs: fc.integer({ min: T0 - 200 * MIN, max: T0 - MIN }) })]))),
    { nil: null },
  );
  return fc.record({
    site: fc.constant(site),
    intervalStartMs: fc.constant(T0),
    intervalMinutes: fc.constant(15),
    price: fc.option(
      fc.record({
        expectedUsdPerMwh: fc.double({ min: -50, max: 5000, noNaN: true }),
        source: fc.constant('P'),
        daUsdPerMwh: fc.constant(null),
        lastRtUsdPerMwh: fc.constant(null),
        lastRtIntervalStartMs: fc.constant(null),
        ageMinutes: fc.integer({ min: 0, max: 300 }),
        demo: fc.constant(false),
      }),
      { nil: null },
    ),
    hashprice: fc.option(fc.record({ usdPerPhDay: fc.double({ min: 20, max: 200, noNaN: true }), day: fc.constant('2024-07-14'), ageDays: fc.integer({ min: 1, max: 5 }), source: fc.constant('H'), demo: fc.constant(false) }), { nil: null }),
    peakProbability: fc.double({ min: 0, max: 1, noNaN: true }),
    gridEvents: fc.array(eventArb, { maxLength: 3 }),
    overrides: fc.array(overrideArb, { maxLength: 4 }),
    previous: prevArb as fc.Arbitrary<DecisionInput['previous']>,
  });
});

describe('policy invariants', () => {
  it('never draws more than the interconnect', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        const draw = input.site.baseLoadMw + d.allocations.reduce((s, a) => s + a.mw, 0);
        expect(draw).toBeLessThanOrEqual(input.site.interconnectMw + 1e-9);
        expect(d.economics.gridDrawMw).toBeCloseTo(draw, 9);
      }),
      { numRuns: 400 },
    );
  });

  it('gives every load a non-negative allocation within its size, and one per load', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        expect(d.allocations.map((a) => a.loadId).sort()).toEqual(input.site.loads.map((l) => l.id).sort());
        for (const a of d.allocations) {
          const load = input.site.loads.find((l) => l.id === a.loadId)!;
          const max = load.kind === 'mining' ? load.powerMw : load.contractedMw;
          expect(a.mw).toBeGreaterThanOrEqual(0);
          expect(a.mw).toBeLessThanOrEqual(max + 1e-9);
        }
        expect(d.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('serves AI tenants their contracted load first, whatever the miners would earn', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        const emergency = d.gridEventIds.length > 0 || input.overrides.some((o) => o.loadId?.startsWith('ai'));
        if (emergency) return;
        // The sites schema guarantees the interconnect carries base load + contracted AI load.
        for (const a of d.allocations.filter((x) => x.kind === 'ai')) {
          const load = input.site.loads.find((l) => l.id === a.loadId)!;
          expect(a).toMatchObject({ action: 'SERVE', mw: load.kind === 'ai' ? load.contractedMw : -1 });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('lets no override break physics: minimum off time and the interconnect hold under any override', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const d = decide(input);
        for (const load of input.site.loads) {
          if (load.kind !== 'mining') continue;
          const prev = input.previous?.[load.id];
          const a = d.allocations.find((x) => x.loadId === load.id)!;
          if (prev && prev.mw === 0 && load.minOffMinutes > 0 && input.intervalStartMs - prev.sinceMs < load.minOffMinutes * MIN) {
            expect(a.mw).toBe(0);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(decide(input)).toEqual(decide(structuredClone(input)));
      }),
      { numRuns: 200 },
    );
  });
});
