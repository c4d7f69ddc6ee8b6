/** Invariants of the policy over generated sites, prices, events and overrides. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { overlaps } from '#domain/grid.ts';
import { powerOptions, smallestOption } from '#domain/physics.ts';
import { type DecisionInput, decide } from '#domain/policy.ts';
import { inputArb, MIN, wideInputArb } from './policy/arbitraries.ts';

/** The narrow corpus, and the wide one (power modes, other interval lengths and times, site settings). */
const corpora: [string, fc.Arbitrary<DecisionInput>][] = [
  ['narrow', inputArb],
  ['wide', wideInputArb],
];

/** Inputs with at least one of the site's overrides in force. */
const overriddenArb = wideInputArb.filter((i) =>
  i.overrides.some((o) => o.siteId === i.site.id && overlaps(o.fromMs, o.toMs, i.intervalStartMs, i.intervalMinutes * MIN)),
);

describe.each(corpora)('policy invariants (%s inputs)', (_, inputArb) => {
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

  it('gives every load one non-negative allocation within its size, and the decision a reason', () => {
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

  it('is deterministic', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        expect(decide(input)).toEqual(decide(structuredClone(input)));
      }),
      { numRuns: 200 },
    );
  });
});

describe('overrides and physics', () => {
  it('lets no override break physics: minimum run and off times, ramp limits and the interconnect hold under any override', () => {
    fc.assert(
      fc.property(overriddenArb, (input) => {
        const d = decide(input);
        const draw = input.site.baseLoadMw + d.allocations.reduce((s, a) => s + a.mw, 0);
        expect(draw).toBeLessThanOrEqual(input.site.interconnectMw + 1e-9);
        for (const load of input.site.loads) {
          if (load.kind !== 'mining') continue;
          const prev = input.previous?.[load.id];
          if (!prev) continue;
          const a = d.allocations.find((x) => x.loadId === load.id)!;
          const inStateFor = input.intervalStartMs - prev.sinceMs;
          // Only the interconnect may hold a load below what physics requires of it.
          const cutByInterconnect = a.reasons.includes('INTERCONNECT_LIMIT');
          if (prev.mw === 0 && load.minOffMinutes > 0 && inStateFor < load.minOffMinutes * MIN) expect(a.mw).toBe(0);
          const ramps = load.rampMinutes > input.intervalMinutes;
          const step = ramps ? (load.powerMw * input.intervalMinutes) / load.rampMinutes : Infinity;
          if (prev.mw > 0 && load.minRunMinutes > 0 && inStateFor < load.minRunMinutes * MIN && !cutByInterconnect) {
            // At least its smallest option, or as close to it as the ramp reaches from a lower previous level.
            expect(a.mw).toBeGreaterThanOrEqual(Math.min(smallestOption(powerOptions(load)).mw, prev.mw + step) - 1e-9);
          }
          if (ramps) {
            const minRunHolds = prev.mw > 0 && load.minRunMinutes > 0 && inStateFor < load.minRunMinutes * MIN;
            const minOffHolds = prev.mw === 0 && load.minOffMinutes > 0 && inStateFor < load.minOffMinutes * MIN;
            // The minimum run time may ask for more than the ramp allows (its smallest option), the minimum off time for less.
            if (!minRunHolds) expect(a.mw).toBeLessThanOrEqual(prev.mw + step + 1e-9);
            if (!minOffHolds && !cutByInterconnect) expect(a.mw).toBeGreaterThanOrEqual(prev.mw - step - 1e-9);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  it('follows an applied RUN or CURTAIL override unless physics or the interconnect hold the load', () => {
    fc.assert(
      fc.property(overriddenArb, (input) => {
        const d = decide(input);
        for (const a of d.allocations) {
          const load = input.site.loads.find((l) => l.id === a.loadId)!;
          const applied = a.reasons.find((r) => r === 'OVERRIDE_RUN' || r === 'OVERRIDE_CURTAIL');
          const held = ['MIN_RUN_TIME', 'MIN_OFF_TIME', 'RAMP_LIMIT', 'INTERCONNECT_LIMIT'].some((r) => a.reasons.includes(r));
          // An override physics cannot carry out (e.g. beyond the ramp) leaves the level to the economics or the fail-safe.
          const leftToEngine = a.reasons.some((r) => r.startsWith('ECONOMIC_') || r.startsWith('FAIL_SAFE_'));
          if (!applied || held || leftToEngine) continue;
          const full = load.kind === 'mining' ? load.powerMw : load.contractedMw;
          expect(a.mw).toBe(applied === 'OVERRIDE_RUN' ? full : 0);
        }
      }),
      { numRuns: 400 },
    );
  });
});
