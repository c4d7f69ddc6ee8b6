/**
 * Generated decision inputs for the policy's property tests.
 * `inputArb` is the narrow corpus (one interval, fixed time, no power modes); `wideInputArb` also varies what
 * the narrow one holds fixed: power modes, non-curtailable loads, the interval's start and length, the site's
 * fail-safe and emergency settings, partial previous levels, and events and overrides that do not apply.
 */
import fc from 'fast-check';
import type { GridEvent, Override } from '#domain/grid.ts';
import type { DecisionInput } from '#domain/policy.ts';
import { type Site, SiteSchema } from '#domain/sites.ts';
import { T0 } from '../../support/fixtures.ts';

export const MIN = 60_000;

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

/** A mining load that may also have reduced power modes and may not be curtailable. */
const wideMiningLoad = (i: number) =>
  miningLoad(i).chain((load) =>
    fc
      .record({
        load: fc.constant(load),
        modes: fc.array(
          fc.record({
            share: fc.double({ min: 0.2, max: 0.95, noNaN: true }),
            efficiencyJPerTh: fc.double({ min: 10, max: 36, noNaN: true }),
          }),
          { maxLength: 2 },
        ),
        curtailable: fc.constantFrom(true, true, true, false),
      })
      .map(({ load: l, modes, curtailable }) => ({
        ...l,
        curtailable,
        modes: modes
          .map((m, j) => ({
            id: `m${i}-mode${j}`,
            powerMw: Math.round(l.powerMw * m.share * 100) / 100,
            efficiencyJPerTh: m.efficiencyJPerTh,
          }))
          .filter((m) => m.powerMw > 0 && m.powerMw < l.powerMw),
      })),
  );

const aiLoad = (i: number) =>
  fc.record({
    id: fc.constant(`ai${i}`),
    kind: fc.constant('ai' as const),
    contractedMw: fc.integer({ min: 1, max: 30 }),
    priceUsdPerMwh: fc.integer({ min: 50, max: 300 }),
    interruptible: fc.boolean(),
    backupGenMw: fc.integer({ min: 0, max: 10 }),
  });

const wideAiLoad = (i: number) =>
  aiLoad(i).chain((l) =>
    fc
      .option(fc.integer({ min: 0, max: l.contractedMw }), { nil: undefined })
      .map((interruptibleMw) => (interruptibleMw === undefined ? l : { ...l, interruptibleMw })),
  );

interface SiteShape {
  wide: boolean;
  /** Usable prices and hashprice near breakeven, so that the economics decide rather than the fail-safe. */
  priced?: boolean;
}

function siteArbitrary({ wide, priced = false }: SiteShape): fc.Arbitrary<Site> {
  const sitePolicy = wide
    ? fc.record({
        hysteresisUsdPerMwh: fc.constantFrom(0, 2, 5),
        maxPriceAgeMinutes: fc.constantFrom(30, 120),
        failSafe: fc.record({ otherwise: fc.constantFrom('HOLD', 'CURTAIL', 'RUN') }),
        emergency: fc.record({
          curtailMiningAtEeaLevel: fc.integer({ min: 1, max: 3 }),
          curtailOnConservationAppeal: fc.boolean(),
          interruptAiAtEeaLevel: fc.integer({ min: 1, max: 3 }),
        }),
      })
    : fc.constantFrom(0, 2, 5).map((hysteresisUsdPerMwh) => ({ hysteresisUsdPerMwh }));
  const fourCp = wide
    ? fc.record({
        enabled: fc.boolean(),
        rateUsdPerKwYear: priced ? fc.constantFrom(0, 0.5, 2) : fc.constantFrom(0, 60),
        months: fc.constantFrom([6, 7, 8, 9], [1, 7], [12]),
      })
    : fc.constant({ enabled: true, rateUsdPerKwYear: 60 });
  return fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 2 }))
    .chain(([nm, na]) =>
      fc.record({
        mining: fc.tuple(...Array.from({ length: nm }, (_, i) => (wide ? wideMiningLoad(i) : miningLoad(i)))),
        ai: na === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: na }, (_, i) => (wide ? wideAiLoad(i) : aiLoad(i)))),
        baseLoadMw: fc.integer({ min: 0, max: 5 }),
        spare: fc.integer({ min: 0, max: 300 }),
        policy: sitePolicy,
        fourCp,
      }),
    )
    .map(({ mining, ai, baseLoadMw, spare, policy, fourCp: fcp }) => {
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
        fourCp: fcp,
        policy,
      });
    });
}

export const siteArb = siteArbitrary({ wide: false });

function inputArbitrary({ wide, priced = false }: SiteShape): fc.Arbitrary<DecisionInput> {
  return siteArbitrary({ wide, priced }).chain((site) => {
    const ids = site.loads.map((l) => l.id);
    const window = (half: number) =>
      wide
        ? fc.constantFrom<[number, number]>(
            [T0 - half, T0 + half],
            [T0 - half, T0 + half],
            [T0 - 4 * half, T0 - 2 * half],
            [T0 + 15 * MIN, T0 + 90 * MIN],
          )
        : fc.constant<[number, number]>([T0 - half, T0 + half]);
    const overrideArb: fc.Arbitrary<Override> = fc
      .record({
        id: fc.uuid(),
        siteId: wide ? fc.constantFrom(site.id, site.id, site.id, 'other') : fc.constant(site.id),
        loadId: fc.option(fc.constantFrom(...ids), { nil: undefined }),
        action: fc.constantFrom('RUN', 'CURTAIL', 'CAP', 'RELEASE'),
        capMw: fc.option(fc.integer({ min: 0, max: 200 }), { nil: undefined }),
        window: window(30 * MIN),
        reason: fc.constant('test'),
        author: fc.constant('prop'),
        acknowledgeObligation: fc.boolean(),
        createdAtMs: wide ? fc.integer({ min: T0 - 5 * MIN, max: T0 }) : fc.integer({ min: T0 - 1000 * MIN, max: T0 }),
      })
      .map(({ window: [fromMs, toMs], ...o }) => ({ ...o, fromMs, toMs }));
    const eventArb: fc.Arbitrary<GridEvent> = fc
      .record({
        id: fc.uuid(),
        type: fc.constantFrom('EEA', 'CONSERVATION_APPEAL', 'DR_DEPLOYMENT', 'AS_AWARD', 'AS_DEPLOYMENT', 'SB6_DIRECTIVE'),
        market: wide ? fc.constantFrom('ERCOT', 'ERCOT', 'PJM') : fc.constant('ERCOT'),
        siteId: wide ? fc.constantFrom<string | undefined>(site.id, site.id, undefined, 'other') : fc.constant(site.id),
        level: fc.integer({ min: 1, max: 3 }),
        mw: fc.integer({ min: 1, max: 200 }),
        product: fc.constantFrom('RRS', 'ECRS'),
        window: window(15 * MIN),
      })
      .map(({ window: [startMs, endMs], ...e }) => ({ ...e, startMs, endMs }) as GridEvent);
    const mining = site.loads.filter((l) => l.kind === 'mining');
    const prevArb = fc.option(
      fc.record(
        Object.fromEntries(
          mining.map((l) => [
            l.id,
            fc.record({
              mw: wide ? fc.constantFrom(0, l.powerMw, l.powerMw / 2, ...l.modes.map((m) => m.powerMw)) : fc.constantFrom(0, l.powerMw),
              sinceMs: fc.integer({ min: T0 - 200 * MIN, max: T0 - MIN }),
            }),
          ]),
        ),
        wide ? { requiredKeys: [] } : undefined,
      ),
      { nil: null },
    );
    const num = (min: number, max: number) =>
      wide
        ? fc.oneof(
            { weight: 20, arbitrary: fc.double({ min, max, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(NaN, Infinity) },
          )
        : fc.double({ min, max, noNaN: true });
    return fc.record({
      site: fc.constant(site),
      // Wide: 15:00 CDT in July (a peak hour), 03:00 CDT in July, 15:00 CST in January.
      intervalStartMs: wide ? fc.constantFrom(T0, T0 - 12 * 60 * MIN, Date.parse('2024-01-15T21:00:00Z')) : fc.constant(T0),
      intervalMinutes: wide ? fc.constantFrom(5, 15, 15, 60) : fc.constant(15),
      price: fc.option(
        fc.record({
          expectedUsdPerMwh: priced ? fc.double({ min: -50, max: 300, noNaN: true }) : num(-50, 5000),
          source: fc.constant('P'),
          daUsdPerMwh: fc.constant(null),
          lastRtUsdPerMwh: fc.constant(null),
          lastRtIntervalStartMs: fc.constant(null),
          ageMinutes: priced ? fc.integer({ min: 0, max: 30 }) : fc.integer({ min: 0, max: 300 }),
          demo: wide ? fc.boolean() : fc.constant(false),
        }),
        priced ? { nil: null, freq: 50 } : { nil: null },
      ),
      hashprice: fc.option(
        fc.record({
          usdPerPhDay: priced ? fc.double({ min: 20, max: 200, noNaN: true }) : num(20, 200),
          day: fc.constant('2024-07-14'),
          ageDays: priced ? fc.integer({ min: 1, max: 3 }) : fc.integer({ min: 1, max: 5 }),
          source: fc.constant('H'),
          demo: wide ? fc.boolean() : fc.constant(false),
        }),
        priced ? { nil: null, freq: 50 } : { nil: null },
      ),
      peakProbability: priced ? fc.double({ min: 0, max: 0.1, noNaN: true }) : fc.double({ min: 0, max: 1, noNaN: true }),
      gridEvents: fc.array(eventArb, { maxLength: priced ? 1 : 3 }),
      overrides: fc.array(overrideArb, { maxLength: priced ? 2 : 4 }),
      previous: prevArb as fc.Arbitrary<DecisionInput['previous']>,
    });
  });
}

/** The narrow corpus: every input at T0, 15-minute intervals, loads without power modes. */
export const inputArb = inputArbitrary({ wide: false });

/** The wide corpus: power modes, other times and lengths, site settings, and events and overrides that do not apply. */
export const wideInputArb = inputArbitrary({ wide: true });

/** Wide, with usable inputs near breakeven: the economics step (modes, hysteresis, restart costs, 4CP) decides. */
export const pricedInputArb = inputArbitrary({ wide: true, priced: true });
