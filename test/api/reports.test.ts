/**
 * GET /reports/pnl on a fixture small enough to check by hand: one hour of one ERCOT site (four
 * 15-minute intervals) and one fixed-price site, decided by the real run, one interval overridden.
 *
 * Hashprice H = 50 $/PH/day, no pool fee:
 *   s21 (100 MW, 17.5 J/TH): rev = 50 / (0.024 × 17.5) = 119.047619 $/MWh
 *   s19 ( 60 MW, 25 J/TH):   rev = 50 / (0.024 × 25)   =  83.333333 $/MWh
 * Settlement (RT) prices of the hour: 20, 40, 60, and none for the last interval.
 * Every load runs (the engine saw $20), except s19 in the third interval (a trader CURTAIL).
 *
 *   mining revenue  (i0, i1: (11904.7619 + 5000) × 0.25; i2: 11904.7619 × 0.25) = 11428.57
 *   energy cost     (20 × 160 + 40 × 160 + 60 × 100) × 0.25                      =  3900.00
 *   net margin                                                                     =  7528.57
 *   always-on net   Σ (rev − p) × MW × 0.25 over i0..i2 for both loads             =  7878.57
 *   curtailment value = 7528.57 − 7878.57 = −350.00  (= −(83.33 − 60) × 60 × 0.25)
 *   mining MWh      40 + 40 + 25 + 40 = 145;  curtailed MWh 60 × 0.25 = 15
 *   AI revenue      10 MW × $100 × 0.25 × 4 = 1000;  AI energy 10 × 0.25 × (20 + 40 + 60) = 300
 *   grid programme  RRS award 50 MW × $10 × 1 h = 500
 *   site net        7528.57 + 1000 − 300 + 500 = 8728.57
 * Fixed-price site (49 MW, 23 J/TH, $38, one 60-minute interval):
 *   revenue 50 / 0.552 × 49 = 4438.41, energy 38 × 49 = 1862.00, net 2576.41, always-on the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PnlReportSchema } from '#adapters/http/schemas.ts';
import { SiteSchema } from '#domain/sites.ts';
import { type Api, conforms, DAY, DAY0, H, iso, MIN, Q, seedMarket, startApi } from './support.ts';

const T = DAY0 + 10 * H;
const rt = [20, 40, 60];

let api: Api;
let finance: string;

beforeAll(async () => {
  const pnl = SiteSchema.parse({
    id: 'pnl',
    name: 'P&L fixture',
    market: 'ERCOT',
    settlementPoint: 'HB_PNL',
    timezone: 'America/Chicago',
    interconnectMw: 200,
    loads: [
      { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 },
      { id: 's19', kind: 'mining', powerMw: 60, efficiencyJPerTh: 25 },
      { id: 'tenant-a', kind: 'ai', contractedMw: 10, priceUsdPerMwh: 100 },
    ],
    policy: { hysteresisUsdPerMwh: 0 },
  });
  const fixed = SiteSchema.parse({
    id: 'fixed',
    name: 'Fixed fixture',
    market: 'FIXED',
    fixedPriceUsdPerMwh: 38,
    timezone: 'Europe/Oslo',
    interconnectMw: 50,
    loads: [{ id: 's19k', kind: 'mining', powerMw: 49, efficiencyJPerTh: 23 }],
  });
  api = await startApi({ sites: [pnl, fixed], clockMs: T + MIN });
  await seedMarket(
    api.repos,
    T - DAY,
    T + H,
    (t) => (t < T ? 20 : (rt[(t - T) / Q] ?? null)),
    () => 20,
    'HB_PNL',
  );
  await api.repos.marketData.putGridEvent({
    id: 'rrs-1',
    type: 'AS_AWARD',
    market: 'ERCOT',
    siteId: 'pnl',
    product: 'RRS',
    mw: 50,
    priceUsdPerMwh: 10,
    startMs: T,
    endMs: T + H,
  });
  await api.decideHours(T, T + H);
  const trader = await api.token('trader');
  const o = await api.call('POST', '/sites/pnl/overrides', {
    token: trader,
    body: { action: 'CURTAIL', loadId: 's19', from: iso(T + 30 * MIN), to: iso(T + 45 * MIN), reason: 'P&L fixture' },
  });
  expect(o.status).toBe(201);
  finance = await api.token('finance');
}, 60_000);
afterAll(() => api.close());

const expectedPnl = {
  siteId: 'pnl',
  intervals: 4,
  unpricedIntervals: 1,
  demoIntervals: 0,
  noHashpriceIntervals: 0,
  miningRevenueUsd: 11428.57,
  energyCostUsd: 3900,
  netMarginUsd: 7528.57,
  miningMwh: 145,
  curtailedMwh: 15,
  alwaysOnNetUsd: 7878.57,
  curtailmentValueUsd: -350,
  // The tenant's revenue of the unpriced interval (250) is left out with its energy cost.
  aiRevenueUsd: 750,
  aiEnergyCostUsd: 300,
  gridProgrammeRevenueUsd: 500,
  siteNetUsd: 8478.57,
  actual: null,
};

describe('GET /reports/pnl', () => {
  it('computes a day row from the recorded decisions and stored settlement prices, by the DESIGN formulas', async () => {
    const res = await api.call('GET', '/reports/pnl?siteId=pnl&from=2024-07-15&to=2024-07-16&granularity=day', { token: finance });
    expect(res.status).toBe(200);
    const report = conforms(PnlReportSchema, res.body);
    expect(report).toMatchObject({ granularity: 'day', currency: 'USD' });
    expect(report.items).toEqual([{ ...expectedPnl, period: '2024-07-15', from: iso(DAY0), to: iso(DAY0 + DAY) }]);
  });

  it('sums the same numbers into a month row, clipped to the range asked for', async () => {
    const res = await api.call(
      'GET',
      `/reports/pnl?siteId=pnl&from=2024-07-10&to=${encodeURIComponent('2024-07-20T00:00:00Z')}&granularity=month`,
      { token: finance },
    );
    expect(conforms(PnlReportSchema, res.body).items).toEqual([
      { ...expectedPnl, period: '2024-07', from: iso(Date.parse('2024-07-10T00:00:00Z')), to: iso(Date.parse('2024-07-20T00:00:00Z')) },
    ]);
  });

  it('gives every period of the range a row, and every site without siteId', async () => {
    const res = await api.call('GET', '/reports/pnl?from=2024-07-14&to=2024-07-16', { token: finance });
    const items = conforms(PnlReportSchema, res.body).items;
    expect(items.map((r) => [r.siteId, r.period, r.intervals])).toEqual([
      ['pnl', '2024-07-14', 0],
      ['pnl', '2024-07-15', 4],
      ['fixed', '2024-07-14', 0],
      ['fixed', '2024-07-15', 1],
    ]);
    expect(items[3]).toMatchObject({
      miningRevenueUsd: 4438.41,
      energyCostUsd: 1862,
      netMarginUsd: 2576.41,
      alwaysOnNetUsd: 2576.41,
      curtailmentValueUsd: 0,
      unpricedIntervals: 0,
    });
  });

  it.each([
    ['from after to', 'from=2024-07-16&to=2024-07-15', 'to'],
    ['a range over a year', 'from=2023-01-01&to=2024-07-15', 'to'],
    ['a date that is not one', 'from=2024-13-45&to=2024-07-15', 'from'],
    ['an unknown granularity', 'from=2024-07-01&to=2024-07-15&granularity=week', 'granularity'],
    ['no to', 'from=2024-07-01', 'to'],
  ])('refuses %s with a 400 naming the parameter', async (_what, query, field) => {
    const res = await api.call('GET', `/reports/pnl?${query}`, { token: finance });
    expect(res.status).toBe(400);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it('answers an unknown site with 404 naming siteId', async () => {
    const res = await api.call('GET', '/reports/pnl?siteId=atlantis&from=2024-07-01&to=2024-07-15', { token: finance });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errors: [{ path: 'siteId' }] });
  });
});
