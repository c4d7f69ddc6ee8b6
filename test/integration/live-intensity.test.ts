/**
 * The live intensity job of the local runtime against loopback servers speaking the ERCOT fuel-mix dashboard's JSON and
 * WattTime v3, into a real dynalite table; then a run decides with what it stored.
 *
 * Dashboard readings (MW): coal 9,000, gas 30,000, wind 11,000, storage −300 (not generation), every 5 minutes from 19:30Z.
 * Default factors: (9,000 × 2,200 + 30,000 × 920) / 50,000 = 948 lb/MWh; with EMISSION_FACTORS {"Natural Gas": 1000}: 996.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { ValidationError } from '#domain/errors.ts';
import { utcDay } from '#domain/time.ts';
import { emissionFactorsFromEnv, liveIntensityFromEnv } from '#functions/shared/intensity.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { pullLiveIntensity } from '../../local/live-intensity.ts';
import { fastHttp, type Handler, type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable } from '../support/dynamo.ts';
import { dashboardRoutes } from '../support/ercot-dashboard.ts';
import { site } from '../support/fixtures.ts';

const T = Date.parse('2024-07-15T20:00:00Z');
const MIN = 60_000;
const Q = 15 * MIN;
const clock = { nowMs: () => T + MIN };
const servers: Loopback[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** Readings 19:30Z..20:00Z: the quarters 19:30 and 19:45 are full (3 readings), 20:00 has one. */
const dashboard = () => dashboardRoutes(T);

const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');
const meta = { region: 'ERCOT_NORTHCENTRAL', signal_type: 'co2_moer', units: 'lbs_co2_per_mwh', data_point_period_seconds: 300 };
const fivMinute = (fromMs: number, toMs: number, value: (ms: number) => number) => {
  const data = [];
  // Point times on WattTime's 5-minute grid.
  for (let t = Math.ceil(fromMs / (5 * MIN)) * 5 * MIN; t < toMs; t += 5 * MIN) data.push({ point_time: at(t), value: value(t) });
  return data;
};

/** WattTime: measured 1,100 lb/MWh before now, a forecast of 1,200 (and 1,210, 1,220 in each quarter's 5-minute steps). */
function watttime(): Record<string, Handler> {
  const bearer: Handler = () => ({ status: 401, body: { error: 'no token' } });
  const guard =
    (h: Handler): Handler =>
    (req, n) =>
      req.headers.authorization === 'Bearer wt-token' ? h(req, n) : bearer(req, n);
  return {
    '/login': () => ({ body: { token: 'wt-token' } }),
    '/v3/historical': guard((req) => ({
      body: { data: fivMinute(Date.parse(req.query.get('start')!), Date.parse(req.query.get('end')!) + 1_000, () => 1_100), meta },
    })),
    '/v3/forecast': guard((req) => {
      const from = Math.floor((T + MIN) / (5 * MIN)) * 5 * MIN;
      const to = from + Number(req.query.get('horizon_hours')) * 3_600_000;
      return { body: { data: fivMinute(from, to, (t) => 1_200 + ((t / (5 * MIN)) % 3) * 10), meta: { ...meta, generated_at: at(T) } } };
    }),
  };
}

async function serve(routes: Record<string, Handler>): Promise<string> {
  const s = await loopback(routes);
  servers.push(s);
  return s.url;
}

/** Prices and hashprice low enough that every load runs, so each decision's emissions are of the whole site. */
async function market(t: Awaited<ReturnType<typeof freshTable>>) {
  const prices: PricePoint[] = [];
  for (let s = T - 3 * 3_600_000; s < T + 3_600_000; s += Q) {
    prices.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: s, intervalMinutes: 15, priceUsdPerMwh: 20 });
  }
  await t.repos.marketData.putPrices(prices);
  await t.repos.marketData.putHashprices([{ date: utcDay(T - 86_400_000), usdPerPhDay: 50, source: 'test' }]);
}

const ctx = (t: Awaited<ReturnType<typeof freshTable>>) => ({ repos: t.repos, clock, log: silentLogger });

describe('the live intensity job', () => {
  it('stores the dashboard quarters, carries the latest full one forward as a FORECAST, and a run decides with them', async () => {
    const t = await freshTable();
    const env = { ERCOT_DASHBOARD_BASE_URL: await serve(dashboard()) };
    const out = await pullLiveIntensity(ctx(t), liveIntensityFromEnv(env, fastHttp().http));
    expect(out.errors).toEqual([]);
    expect(out.average).toEqual({ points: 3, written: 10, forecast: 7, latest: '2024-07-15T19:45:00.000Z' });
    expect(out.marginal).toBeNull();
    const stored = await t.repos.marketData.getIntensity('ERCOT', 'AVERAGE', T - 3_600_000, T + 3 * 3_600_000);
    expect(stored.map((p) => [new Date(p.intervalStartMs).toISOString().slice(11, 16), p.settlementType])).toEqual([
      ['19:30', 'LIVE'],
      ['19:45', 'LIVE'],
      ['20:00', 'PARTIAL'],
      ...['20:15', '20:30', '20:45', '21:00', '21:15', '21:30', '21:45'].map((h) => [h, 'FORECAST']),
    ]);
    expect(stored.every((p) => p.lbCo2PerMwh === 948 && p.source === 'ercot-fuel-mix-live')).toBe(true);

    await market(t);
    const deps = runDeps({ sites: [site()], repos: t.repos, publisher: new MemoryEventPublisher(), clock, log: silentLogger });
    await runInterval(deps, { atMs: T, trigger: 'test' });
    for (const start of [T, T + 3 * Q]) {
      const d = (await t.repos.decisions.current('rockdale', new Date(start).toISOString()))!;
      expect(d.emissions).toMatchObject({ lbCo2PerMwh: 948, kind: 'AVERAGE', source: 'ercot-fuel-mix-live', plannedMwh: 43.75 });
    }
  });

  it('takes the per-fuel factors from EMISSION_FACTORS, and names the variable and fuel of a bad one', async () => {
    const t = await freshTable();
    const env = { ERCOT_DASHBOARD_BASE_URL: await serve(dashboard()), EMISSION_FACTORS: '{"Natural Gas": 1000}' };
    await pullLiveIntensity(ctx(t), liveIntensityFromEnv(env, fastHttp().http));
    const [p] = await t.repos.marketData.getIntensity('ERCOT', 'AVERAGE', T - 30 * MIN, T - 15 * MIN);
    expect(p!.lbCo2PerMwh).toBe(996);
    // A workbook fuel's default is kept beside the override.
    expect(emissionFactorsFromEnv(env)).toMatchObject({ 'Natural Gas': 1_000, 'Gas-CC': 850, Coal: 2_200, WSL: null });
    const bad = (() => {
      try {
        return emissionFactorsFromEnv({ EMISSION_FACTORS: '{"Coal": -5}' });
      } catch (e) {
        return e;
      }
    })();
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).issues.map((i) => i.path)).toEqual(['EMISSION_FACTORS.Coal']);
    expect(() => emissionFactorsFromEnv({ EMISSION_FACTORS: 'coal=5' })).toThrow(/EMISSION_FACTORS/);
  });

  it('with WattTime configured, stores its marginal quarter hours, and the run decides at the marginal intensity', async () => {
    const t = await freshTable();
    const env = {
      ERCOT_DASHBOARD_BASE_URL: await serve(dashboard()),
      WATTTIME_BASE_URL: await serve(watttime()),
      WATTTIME_USERNAME: 'desk',
      WATTTIME_PASSWORD: 'secret',
      WATTTIME_REGION: 'ERCOT_NORTHCENTRAL',
    };
    const out = await pullLiveIntensity(ctx(t), liveIntensityFromEnv(env, fastHttp().http));
    expect(out.errors).toEqual([]);
    const marginal = await t.repos.marketData.getIntensity('ERCOT', 'MARGINAL', T - 2 * 3_600_000, T + 3 * 3_600_000);
    const byStart = new Map(marginal.map((p) => [p.intervalStartMs, p]));
    // Measured before now (HISTORICAL), forecast after: the quarter of 20:00 has the measured value, its mean of 5-minute points.
    expect(byStart.get(T - Q)).toMatchObject({ lbCo2PerMwh: 1_100, settlementType: 'HISTORICAL', source: 'watttime' });
    expect(byStart.get(T + Q)).toMatchObject({ lbCo2PerMwh: 1_210, settlementType: 'FORECAST', intervalMinutes: 15 });
    expect(byStart.get(T)!.settlementType).toBe('HISTORICAL');

    await market(t);
    const deps = runDeps({ sites: [site()], repos: t.repos, publisher: new MemoryEventPublisher(), clock, log: silentLogger });
    await runInterval(deps, { atMs: T, trigger: 'test' });
    const d = (await t.repos.decisions.current('rockdale', new Date(T + Q).toISOString()))!;
    expect(d.emissions).toMatchObject({ lbCo2PerMwh: 1_210, kind: 'MARGINAL', source: 'watttime' });
  });

  it('reports a failing dashboard and still stores the marginal source; a partial WattTime setting is refused', async () => {
    const t = await freshTable();
    const env = {
      ERCOT_DASHBOARD_BASE_URL: await serve({}),
      WATTTIME_BASE_URL: await serve(watttime()),
      WATTTIME_USERNAME: 'desk',
      WATTTIME_PASSWORD: 'secret',
      WATTTIME_REGION: 'ERCOT_NORTHCENTRAL',
    };
    const out = await pullLiveIntensity(ctx(t), liveIntensityFromEnv(env, fastHttp({ maxAttempts: 1 }).http));
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatch(/^ercot-fuel-mix-live: /);
    expect(out.marginal!.written).toBeGreaterThan(0);
    expect(() => liveIntensityFromEnv({ WATTTIME_USERNAME: 'desk' })).toThrow(/WATTTIME_USERNAME, WATTTIME_PASSWORD and WATTTIME_REGION/);
  });
});
