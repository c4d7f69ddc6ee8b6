import { describe, expect, it } from 'vitest';
import type { Override } from '#domain/grid.ts';
import { type DecisionCore, decide } from '#domain/policy.ts';
import { hashprice, input, price, site, T0 } from '../support/fixtures.ts';
import { event, override } from './policy/helpers.ts';

// At $50/PH/day and a 2% fee: s21 (17.5 J/TH) breaks even at $116.67/MWh, s19 (21.5 J/TH) at $94.96/MWh.
const alloc = (d: DecisionCore, id: string) => d.allocations.find((a) => a.loadId === id)!;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;

describe('economics', () => {
  it('runs every mining load below its breakeven', () => {
    const d = decide(input({ price: price(40) }));
    expect(alloc(d, 's21')).toMatchObject({ action: 'RUN', mw: 100 });
    expect(alloc(d, 's19')).toMatchObject({ action: 'RUN', mw: 60 });
    expect(d.reasons).toContain('ECONOMIC_RUN');
  });

  it('curtails the less efficient fleet first as the price rises', () => {
    const d = decide(input({ price: price(100) }));
    expect(alloc(d, 's21')).toMatchObject({ action: 'RUN', mw: 100 });
    expect(alloc(d, 's19')).toMatchObject({ action: 'CURTAIL', mw: 0, reasons: ['ECONOMIC_CURTAIL'] });
  });

  it('curtails everything above every breakeven, and records the breakevens and thresholds', () => {
    const d = decide(input({ price: price(200) }));
    expect(d.allocations.filter((a) => a.kind === 'mining').every((a) => a.action === 'CURTAIL')).toBe(true);
    expect(d.breakevens!.s21).toBeCloseTo(116.667, 3);
    expect(d.breakevens!.s19).toBeCloseTo(94.961, 3);
    expect(alloc(d, 's21').curtailAboveUsdPerMwh).toBe(116.67);
    expect(alloc(d, 's19').curtailAboveUsdPerMwh).toBe(94.96);
  });

  it('expects the economics at the expected price', () => {
    const d = decide(input({ price: price(40) }));
    // s21: 116.67 × 25 MWh; s19: 94.96 × 15 MWh; cost 40 × 40 MWh.
    expect(d.economics.miningRevenueUsd).toBeCloseTo(116.6667 * 25 + 94.9612 * 15, 1);
    expect(d.economics.energyCostUsd).toBeCloseTo(1600, 6);
    expect(d.economics.aiRevenueUsd).toBeCloseTo(15 * 180 * 0.25, 6);
  });

  it('chooses a reduced power mode when only that one pays', () => {
    const s = site({
      loads: [
        {
          id: 'hydro',
          kind: 'mining',
          powerMw: 100,
          efficiencyJPerTh: 17.5,
          poolFeePct: 2,
          modes: [{ id: 'eco', powerMw: 70, efficiencyJPerTh: 15 }],
        },
      ],
    });
    // eco breaks even at 50 × 0.98 / 0.36 = 136.11
    const d = decide(input({ site: s, price: price(120) }));
    expect(alloc(d, 'hydro')).toMatchObject({ action: 'PARTIAL', mw: 70, modeId: 'eco', reasons: ['ECONOMIC_MODE'] });
  });

  it('keeps a running fleet within the hysteresis band above breakeven, and a stopped one below', () => {
    const s = site({ policy: { hysteresisUsdPerMwh: 5 } });
    const running = decide(
      input({ site: s, price: price(119), previous: { s21: { mw: 100, sinceMs: T0 - 60 * MIN }, s19: { mw: 0, sinceMs: T0 - 60 * MIN } } }),
    );
    expect(alloc(running, 's21')).toMatchObject({ action: 'RUN', curtailAboveUsdPerMwh: 121.67 });
    expect(alloc(running, 's21').reasons).toContain('HYSTERESIS_HOLD');
    const stopped = decide(
      input({ site: s, price: price(114), previous: { s21: { mw: 0, sinceMs: T0 - 60 * MIN }, s19: { mw: 0, sinceMs: T0 - 60 * MIN } } }),
    );
    expect(alloc(stopped, 's21')).toMatchObject({ action: 'CURTAIL' });
    expect(alloc(stopped, 's21').reasons).toContain('HYSTERESIS_HOLD');
  });

  it('restarts a stopped fleet only when the margin covers its restart cost', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2, restartCostUsd: 1000 }] });
    const prev = { m: { mw: 0, sinceMs: T0 - 120 * MIN } };
    // Restart premium: $1000 over 100 MW × 1 h = $10/MWh → restart below 106.67.
    expect(alloc(decide(input({ site: s, price: price(110), previous: prev })), 'm').action).toBe('CURTAIL');
    const d = decide(input({ site: s, price: price(100), previous: prev }));
    expect(alloc(d, 'm').action).toBe('RUN');
    expect(alloc(d, 'm').reasons).toContain('RESTART_COST_COVERED');
  });
});

describe('physics', () => {
  it('never exceeds the interconnect: base load and AI first, then the most efficient fleet', () => {
    const s = site({ interconnectMw: 125, baseLoadMw: 5 });
    const d = decide(input({ site: s, price: price(20) }));
    expect(alloc(d, 'tenant')).toMatchObject({ action: 'SERVE', mw: 15 });
    expect(alloc(d, 's21')).toMatchObject({ action: 'RUN', mw: 100 });
    expect(alloc(d, 's19')).toMatchObject({ action: 'PARTIAL', mw: 5 });
    expect(alloc(d, 's19').reasons).toContain('INTERCONNECT_LIMIT');
    expect(d.economics.gridDrawMw).toBe(125);
  });

  it('keeps a fleet running through its minimum run time', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17.5, minRunMinutes: 60 }] });
    const d = decide(input({ site: s, price: price(500), previous: { m: { mw: 50, sinceMs: T0 - 30 * MIN } } }));
    expect(alloc(d, 'm')).toMatchObject({ action: 'RUN', mw: 50 });
    expect(alloc(d, 'm').reasons).toContain('MIN_RUN_TIME');
    const later = decide(input({ site: s, price: price(500), previous: { m: { mw: 50, sinceMs: T0 - 60 * MIN } } }));
    expect(alloc(later, 'm').action).toBe('CURTAIL');
  });

  it('keeps a fleet off through its minimum off time', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17.5, minOffMinutes: 30 }] });
    const d = decide(input({ site: s, price: price(10), previous: { m: { mw: 0, sinceMs: T0 - 15 * MIN } } }));
    expect(alloc(d, 'm')).toMatchObject({ action: 'CURTAIL', mw: 0 });
    expect(alloc(d, 'm').reasons).toContain('MIN_OFF_TIME');
  });

  it('ramps a slow fleet by at most its ramp rate per interval', () => {
    const s = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, rampMinutes: 60 }] });
    const d = decide(input({ site: s, price: price(10), previous: { m: { mw: 0, sinceMs: T0 - 60 * MIN } } }));
    expect(alloc(d, 'm')).toMatchObject({ action: 'PARTIAL', mw: 25 });
    expect(alloc(d, 'm').reasons).toContain('RAMP_LIMIT');
  });
});

describe('grid obligations', () => {
  it('curtails all mining in an EEA and still serves the AI tenant', () => {
    const d = decide(input({ price: price(20), gridEvents: [event({ type: 'EEA', level: 1 })] }));
    expect(alloc(d, 's21')).toMatchObject({ action: 'CURTAIL', curtailAboveUsdPerMwh: null });
    expect(alloc(d, 's21').reasons).toContain('GRID_EMERGENCY_EEA1');
    expect(alloc(d, 'tenant')).toMatchObject({ action: 'SERVE', mw: 15 });
    expect(d.flags).toContain('GRID_EMERGENCY');
    expect(d.gridEventIds).toEqual(['ev-EEA']);
  });

  it('reduces interruptible tenants and moves load to backup generation in EEA3', () => {
    const s = site({
      loads: [
        { id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17.5 },
        { id: 'flex', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 150, interruptible: true, interruptibleMw: 8 },
        { id: 'firm', kind: 'ai', contractedMw: 10, priceUsdPerMwh: 200, backupGenMw: 6 },
      ],
    });
    const d = decide(input({ site: s, gridEvents: [event({ type: 'EEA', level: 3 })] }));
    expect(alloc(d, 'flex')).toMatchObject({ mw: 12 });
    expect(alloc(d, 'flex').reasons).toContain('AI_INTERRUPTED_EMERGENCY');
    expect(alloc(d, 'firm')).toMatchObject({ mw: 4, backupGenMw: 6 });
    expect(d.economics.gridDrawMw).toBe(16);
  });

  it('obeys an SB 6 directive at any EEA level', () => {
    const s = site({
      loads: [
        { id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17.5 },
        { id: 'g', kind: 'ai', contractedMw: 10, priceUsdPerMwh: 200, backupGenMw: 10 },
      ],
    });
    const d = decide(input({ site: s, gridEvents: [event({ type: 'SB6_DIRECTIVE' })] }));
    expect(alloc(d, 'm').reasons).toContain('SB6_DIRECTIVE');
    expect(alloc(d, 'g')).toMatchObject({ mw: 0, backupGenMw: 10 });
  });

  it('curtails on a conservation appeal unless the site opts out', () => {
    const appeal = [event({ type: 'CONSERVATION_APPEAL' })];
    expect(alloc(decide(input({ gridEvents: appeal })), 's21').action).toBe('CURTAIL');
    const optOut = site({ policy: { emergency: { curtailOnConservationAppeal: false } } });
    expect(alloc(decide(input({ site: optOut, gridEvents: appeal })), 's21').action).toBe('RUN');
  });

  it('curtails the least efficient fleets first for a demand-response deployment', () => {
    const d = decide(input({ price: price(20), gridEvents: [event({ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 50 })] }));
    expect(alloc(d, 's19')).toMatchObject({ action: 'CURTAIL', reasons: ['DR_DEPLOYMENT'] });
    expect(alloc(d, 's21')).toMatchObject({ action: 'RUN' });
  });

  it('flags a deployment the site cannot meet', () => {
    const d = decide(input({ gridEvents: [event({ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 500 })] }));
    expect(d.flags).toContain('OBLIGATION_SHORTFALL');
  });

  it('keeps awarded curtailable load running while the award is not deployed, and curtails it when it is', () => {
    const award = event({ id: 'award', type: 'AS_AWARD', siteId: 'rockdale', mw: 80, product: 'ECRS' });
    const held = decide(input({ price: price(300), gridEvents: [award] }));
    expect(alloc(held, 's21')).toMatchObject({ action: 'RUN', reasons: ['AS_AWARD_RESERVED'] });
    expect(alloc(held, 's19').action).toBe('CURTAIL');
    const deployed = decide(
      input({
        price: price(300),
        gridEvents: [award, event({ id: 'dep', type: 'AS_DEPLOYMENT', siteId: 'rockdale', mw: 80, product: 'ECRS' })],
      }),
    );
    expect(alloc(deployed, 's21').action).toBe('CURTAIL');
    expect(alloc(deployed, 's21').reasons).toContain('AS_DEPLOYMENT');
  });

  it('ignores events outside the interval, for other sites, or for other markets', () => {
    const d = decide(
      input({
        price: price(20),
        gridEvents: [
          event({ type: 'EEA', level: 3, startMs: T0 + 15 * MIN }),
          event({ type: 'DR_DEPLOYMENT', siteId: 'elsewhere', mw: 100 }),
          event({ type: 'EEA', level: 2, market: 'PJM' }),
        ],
      }),
    );
    expect(d.allocations.every((a) => a.action === 'RUN' || a.action === 'SERVE')).toBe(true);
    expect(d.gridEventIds).toEqual([]);
  });
});

describe('trader overrides', () => {
  it('curtails every mining load with a site-wide CURTAIL and leaves the AI tenant alone', () => {
    const d = decide(input({ price: price(20), overrides: [override({ action: 'CURTAIL' })] }));
    expect(alloc(d, 's21')).toMatchObject({ action: 'CURTAIL', curtailAboveUsdPerMwh: null });
    expect(alloc(d, 's21').reasons).toEqual(['OVERRIDE_CURTAIL', 'OVERRIDE:ov-CURTAIL']);
    expect(alloc(d, 'tenant')).toMatchObject({ action: 'SERVE', mw: 15 });
    expect(d.overrideIds).toEqual(['ov-CURTAIL']);
  });

  it('runs a fleet the economics would curtail, and caps one at a MW figure', () => {
    const d = decide(
      input({
        price: price(300),
        overrides: [override({ id: 'a', action: 'RUN', loadId: 's19' }), override({ id: 'b', action: 'CAP', loadId: 's21', capMw: 40 })],
      }),
    );
    expect(alloc(d, 's19')).toMatchObject({ action: 'RUN', mw: 60 });
    // Capped at 40 MW: the override sets the level, so the engine does not curtail it either.
    expect(alloc(d, 's21')).toMatchObject({ action: 'PARTIAL', mw: 40 });
  });

  it('prefers a load-specific override over a site-wide one, and the newest among equals', () => {
    const d = decide(
      input({
        price: price(20),
        overrides: [
          override({ id: 'site-wide', action: 'CURTAIL', createdAtMs: T0 }),
          override({ id: 'old', action: 'CURTAIL', loadId: 's21', createdAtMs: T0 - 50 * MIN }),
          override({ id: 'new', action: 'CAP', capMw: 30, loadId: 's21', createdAtMs: T0 - 5 * MIN }),
        ],
      }),
    );
    expect(alloc(d, 's21')).toMatchObject({ mw: 30 });
    expect(alloc(d, 's19')).toMatchObject({ action: 'CURTAIL' });
  });

  it('hands control back to the engine with RELEASE', () => {
    const d = decide(
      input({
        price: price(20),
        overrides: [
          override({ id: 'c', action: 'CURTAIL', createdAtMs: T0 - 20 * MIN }),
          override({ id: 'r', action: 'RELEASE', loadId: 's21' }),
        ],
      }),
    );
    expect(alloc(d, 's21').action).toBe('RUN');
    expect(alloc(d, 's21').reasons).toContain('OVERRIDE_RELEASE');
  });

  it('cannot break a grid obligation without an acknowledgement', () => {
    const eea = [event({ type: 'EEA', level: 1 })];
    const blocked = decide(input({ price: price(20), gridEvents: eea, overrides: [override({ action: 'RUN', loadId: 's21' })] }));
    expect(alloc(blocked, 's21').action).toBe('CURTAIL');
    expect(alloc(blocked, 's21').reasons).toContain('OVERRIDE_BLOCKED_BY_OBLIGATION');
    const acked = decide(
      input({ price: price(20), gridEvents: eea, overrides: [override({ action: 'RUN', loadId: 's21', acknowledgeObligation: true })] }),
    );
    expect(alloc(acked, 's21').action).toBe('RUN');
    expect(acked.flags).toContain('OBLIGATION_OVERRIDDEN');
  });

  it('cannot break physics: the interconnect and minimum off time still hold', () => {
    const s = site({
      interconnectMw: 100,
      loads: [
        { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, minOffMinutes: 60 },
        { id: 'tenant', kind: 'ai', contractedMw: 15, priceUsdPerMwh: 180 },
      ],
    });
    const run = override({ action: 'RUN', loadId: 's21' });
    const capped = decide(input({ site: s, overrides: [run] }));
    expect(alloc(capped, 's21').mw).toBe(85);
    expect(capped.flags).toContain('OVERRIDE_LIMITED_BY_INTERCONNECT');
    const off = decide(input({ site: s, overrides: [run], previous: { s21: { mw: 0, sinceMs: T0 - 10 * MIN } } }));
    expect(alloc(off, 's21').mw).toBe(0);
    expect(off.flags).toContain('OVERRIDE_LIMITED_BY_PHYSICS');
  });

  it('changes an AI tenant only through an override that names it', () => {
    expect(alloc(decide(input({ overrides: [override({ action: 'CURTAIL' })] })), 'tenant').mw).toBe(15);
    const d = decide(input({ overrides: [override({ action: 'CAP', loadId: 'tenant', capMw: 5 })] }));
    expect(alloc(d, 'tenant')).toMatchObject({ action: 'SERVE', mw: 5 });
  });

  it('ignores overrides of other sites or outside their window', () => {
    const d = decide(
      input({
        price: price(20),
        overrides: [override({ action: 'CURTAIL', siteId: 'other' }), override({ id: 'later', action: 'CURTAIL', fromMs: T0 + 15 * MIN })],
      }),
    );
    expect(alloc(d, 's21').action).toBe('RUN');
  });
});

describe('coincident peaks (4CP)', () => {
  const fourCp = site({ fourCp: { enabled: true, rateUsdPerKwYear: 60, months: [6, 7, 8, 9] } });

  it('curtails in a likely peak interval of a 4CP month even when energy is cheap', () => {
    // 0.05 × 1000 kW/MW × $60 / (4 peaks × 0.25 h) = $3,000/MWh premium.
    const d = decide(input({ site: fourCp, price: price(40), peakProbability: 0.05 }));
    expect(alloc(d, 's21').action).toBe('CURTAIL');
    expect(alloc(d, 's21').reasons).toContain('FOURCP_PEAK_RISK');
    expect(alloc(d, 's21').curtailAboveUsdPerMwh).toBeCloseTo(116.67 - 3000, 2);
  });

  it('ignores peak risk outside the configured months and below the minimum probability', () => {
    const october = Date.parse('2024-10-15T20:00:00Z');
    expect(alloc(decide(input({ site: fourCp, intervalStartMs: october, peakProbability: 0.5 })), 's21').action).toBe('RUN');
    expect(alloc(decide(input({ site: fourCp, peakProbability: 0.01 })), 's21').action).toBe('RUN');
    expect(alloc(decide(input({ peakProbability: 0.5 })), 's21').action).toBe('RUN');
  });
});

describe('fail-safe on stale or missing inputs', () => {
  const prev = { s21: { mw: 100, sinceMs: T0 - 60 * MIN }, s19: { mw: 0, sinceMs: T0 - 60 * MIN } };
  const offPeak = Date.parse('2024-07-15T08:00:00Z'); // 03:00 in Texas

  it('curtails in the configured peak hours when the price is missing', () => {
    const d = decide(input({ price: null, previous: prev }));
    expect(d.flags).toEqual(expect.arrayContaining(['MISSING_PRICE', 'FAIL_SAFE']));
    expect(alloc(d, 's21')).toMatchObject({ action: 'CURTAIL', reasons: ['FAIL_SAFE_PEAK_CURTAIL'] });
  });

  it('treats an unknown coincident-peak risk as a missing input: the fail-safe curtails a 4CP-risk afternoon', () => {
    const fourCpSite = site({ fourCp: { enabled: true, rateUsdPerKwYear: 60 } });
    const d = decide(input({ site: fourCpSite, price: price(20), previous: prev, peakRiskUnknown: true }));
    expect(d.flags).toEqual(expect.arrayContaining(['MISSING_SYSTEM_LOAD', 'FAIL_SAFE']));
    expect(alloc(d, 's21')).toMatchObject({ action: 'CURTAIL', reasons: ['FAIL_SAFE_PEAK_CURTAIL'] });
    const known = decide(input({ site: fourCpSite, price: price(20), previous: prev, peakProbability: 0 }));
    expect(known.flags).not.toContain('MISSING_SYSTEM_LOAD');
    expect(alloc(known, 's21')).toMatchObject({ action: 'RUN' });
  });

  it('keeps the last decision outside peak hours', () => {
    const d = decide(input({ intervalStartMs: offPeak, price: price(20, { ageMinutes: 600 }), previous: prev }));
    expect(d.flags).toContain('STALE_PRICE');
    expect(alloc(d, 's21')).toMatchObject({ action: 'RUN', reasons: ['FAIL_SAFE_HOLD'] });
    expect(alloc(d, 's19')).toMatchObject({ action: 'CURTAIL' });
  });

  it('treats an old or missing hashprice the same way, and still serves AI tenants', () => {
    const stale = decide(input({ intervalStartMs: offPeak, hashprice: hashprice(50, { ageDays: 9 }), previous: prev }));
    expect(stale.flags).toEqual(expect.arrayContaining(['STALE_HASHPRICE', 'FAIL_SAFE']));
    const missing = decide(input({ hashprice: null }));
    expect(missing.flags).toContain('MISSING_HASHPRICE');
    expect(missing.breakevens).toBeNull();
    expect(alloc(missing, 'tenant').mw).toBe(15);
  });

  it('runs or curtails outside peak hours when the site says so', () => {
    const runSite = site({ policy: { failSafe: { otherwise: 'RUN' } } });
    expect(alloc(decide(input({ site: runSite, intervalStartMs: offPeak, price: null })), 's19').action).toBe('RUN');
    const curtailSite = site({ policy: { failSafe: { otherwise: 'CURTAIL' } } });
    expect(alloc(decide(input({ site: curtailSite, intervalStartMs: offPeak, price: null, previous: prev })), 's21').action).toBe(
      'CURTAIL',
    );
  });

  it('flags demo inputs', () => {
    expect(decide(input({ price: price(20, { demo: true }) })).flags).toContain('DEMO_INPUTS');
  });
});

describe('determinism', () => {
  it('gives the same decision for the same input', () => {
    const i = input({ price: price(105), overrides: [override({ action: 'CAP', loadId: 's21', capMw: 70 })] });
    expect(decide(i)).toEqual(decide(structuredClone(i)));
  });
});

describe('a site-wide CAP', () => {
  const cap = (capMw: number, extra: Partial<Override> = {}) => override({ id: 'cap-site', action: 'CAP', capMw, ...extra });

  it('caps the sum of the mining loads, not each load, shared most efficient first', () => {
    const d = decide(input({ price: price(40), overrides: [cap(59)] }));
    const mining = d.allocations.filter((a) => a.kind === 'mining');
    expect(mining.reduce((s, a) => s + a.mw, 0)).toBe(59);
    expect(alloc(d, 's21')).toMatchObject({ action: 'PARTIAL', mw: 59, curtailAboveUsdPerMwh: null });
    expect(alloc(d, 's19')).toMatchObject({ action: 'CURTAIL', mw: 0, curtailAboveUsdPerMwh: null });
    expect(alloc(d, 's19').reasons).toEqual(expect.arrayContaining(['OVERRIDE_CAP', 'OVERRIDE:cap-site', 'SITE_CAP_LIMIT']));
  });

  it('leaves levels the economics set below the cap as they are', () => {
    // At $100 only s21 runs (100 MW); a 150 MW cap does not bind.
    const d = decide(input({ price: price(100), overrides: [cap(150)] }));
    expect(alloc(d, 's21')).toMatchObject({ mw: 100 });
    expect(alloc(d, 's19')).toMatchObject({ mw: 0 });
    expect(alloc(d, 's21').reasons).not.toContain('SITE_CAP_LIMIT');
  });

  it('gives way to an override that names a load, which is then outside the cap', () => {
    const named = override({ id: 'run-s19', action: 'RUN', loadId: 's19', createdAtMs: T0 - 5 * MIN });
    const d = decide(input({ price: price(40), overrides: [cap(59), named] }));
    expect(alloc(d, 's19')).toMatchObject({ action: 'RUN', mw: 60 });
    expect(alloc(d, 's21')).toMatchObject({ mw: 59 });
  });

  it('does not break a minimum run time', () => {
    const previous = { s21: { mw: 100, sinceMs: T0 - 10 * MIN }, s19: { mw: 60, sinceMs: T0 - DAY } };
    const s = site({
      loads: [
        { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2, minRunMinutes: 60 },
        { id: 's19', kind: 'mining', powerMw: 60, efficiencyJPerTh: 21.5, poolFeePct: 2 },
      ],
    });
    const d = decide(input({ site: s, price: price(40), previous, overrides: [cap(30)] }));
    expect(alloc(d, 's21').mw).toBe(100);
    expect(alloc(d, 's19').mw).toBe(0);
  });

  it('does not break a ramp when the cap lies between two power options: the load holds at its ramp bound', () => {
    // 73 MW ramping over 60 minutes may shed 73 × 5/60 MW in a 5-minute interval; its one mode (18 MW) is below that.
    const s = site({
      loads: [
        {
          id: 'm0',
          kind: 'mining',
          powerMw: 73,
          efficiencyJPerTh: 28,
          rampMinutes: 60,
          modes: [{ id: 'low', powerMw: 18, efficiencyJPerTh: 30 }],
        },
      ],
    });
    const previous = { m0: { mw: 73, sinceMs: T0 - DAY } };
    const d = decide(input({ site: s, intervalMinutes: 5, price: price(40), previous, overrides: [cap(0)] }));
    expect(alloc(d, 'm0').mw).toBeCloseTo(73 - (73 * 5) / 60, 6);
    expect(alloc(d, 'm0').reasons).toContain('RAMP_LIMIT');
    expect(d.flags).toContain('OVERRIDE_LIMITED_BY_PHYSICS');
  });
});
