/**
 * GET /reports/emissions on a fixture small enough to check by hand: one hour of one ERCOT site decided by the real run
 * at a stored average intensity of 1,000 lb/MWh, everything running at $20.
 *
 *   planned per 15-minute interval: (100 + 60 + 15 MW loads + 2 MW base) × ¼ h = 44.25 MWh; the hour 177 MWh
 *   tCO2 of the hour: 177 × 1,000 / 2,204.6226218 = 80.286
 *   actuals: s21 drew 90 MW in the first interval (22.5 MWh against 25 planned) → 22.5 × 1,000 / 2,204.62 = 10.206 t
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmissionsReportSchema } from '#adapters/http/routes/emissions-schemas.ts';
import { LB_PER_TONNE } from '#domain/co2.ts';
import type { IntensityPoint } from '#ports/market-data.ts';
import { type Api, conforms, DAY, DAY0, H, MIN, PROBLEM_TYPE, Q, seedMarket, startApi } from './support.ts';

const T = DAY0 + 10 * H;
let api: Api;
let finance: string;

beforeAll(async () => {
  api = await startApi({ clockMs: T + MIN });
  await seedMarket(api.repos, T - DAY, T + H, () => 20);
  const points: IntensityPoint[] = [];
  for (let t = T - H; t < T + H; t += Q) {
    points.push({
      market: 'ERCOT',
      kind: 'AVERAGE',
      intervalStartMs: t,
      intervalMinutes: 15,
      lbCo2PerMwh: 1_000,
      generationMwh: 10_000,
      settlementType: 'FINAL',
      source: 'test',
    });
  }
  await api.repos.marketData.putIntensity(points);
  await api.decideHours(T, T + H);
  await api.repos.telemetry.putSamples([{ siteId: 'rockdale', loadId: 's21', atMs: T + MIN, actualMw: 90 }]);
  finance = await api.token('finance');
}, 60_000);
afterAll(() => api.close());

const url = (query: string) => `/reports/emissions?siteId=rockdale&from=2024-07-15&to=2024-07-16&${query}`;

describe('GET /reports/emissions', () => {
  it('sums the decisions of the day into a bucket, with actual MWh and tCO2 where the site agent reported', async () => {
    const res = await api.call('GET', url('granularity=day'), { token: finance });
    expect(res.status).toBe(200);
    const report = conforms(EmissionsReportSchema, res.body);
    const tCo2 = Math.round((177 * 1_000 * 1_000) / LB_PER_TONNE) / 1_000;
    const actual = {
      loadIntervals: 1,
      plannedMwh: 25,
      plannedTCo2: Math.round((25 * 1_000 * 1_000) / LB_PER_TONNE) / 1_000,
      mwh: 22.5,
      tCo2: Math.round((22.5 * 1_000 * 1_000) / LB_PER_TONNE) / 1_000,
    };
    expect(report.buckets).toEqual([{ start: '2024-07-15T00:00:00.000Z', mwh: 177, tCo2, lbCo2PerMwh: 1_000, avoidedTCo2: 0, actual }]);
    expect(report).toMatchObject({ siteId: 'rockdale', granularity: 'day', actualsRead: true });
    expect(report.totals).toMatchObject({ mwh: 177, tCo2, actual, intervalsWithoutIntensity: 0, topDecileShare: 1 });
  });

  it('gives one row per interval with granularity=interval', async () => {
    const res = await api.call('GET', url('granularity=interval'), { token: finance });
    const report = conforms(EmissionsReportSchema, res.body);
    expect(report.buckets.map((b) => [b.start, b.mwh, b.actual?.mwh ?? null])).toEqual([
      [new Date(T).toISOString(), 44.25, 22.5],
      [new Date(T + Q).toISOString(), 44.25, null],
      [new Date(T + 2 * Q).toISOString(), 44.25, null],
      [new Date(T + 3 * Q).toISOString(), 44.25, null],
    ]);
  });

  it('answers CSV with format=csv, and with Accept: text/csv when no format is given', async () => {
    const byFormat = await api.call('GET', url('granularity=hour&format=csv'), { token: finance });
    const byAccept = await api.call('GET', url('granularity=hour'), { token: finance, headers: { accept: 'text/csv' } });
    for (const res of [byFormat, byAccept]) {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="emissions-rockdale-hour-2024-07-15-2024-07-16.csv"');
      const lines = res.text.split('\r\n');
      expect(lines[0]).toBe(
        'start,mwh,tCo2,lbCo2PerMwh,avoidedTCo2,actual.loadIntervals,actual.plannedMwh,actual.plannedTCo2,actual.mwh,actual.tCo2',
      );
      expect(lines[1]).toBe(`${new Date(T).toISOString()},177,80.286,1000,0,1,25,11.34,22.5,10.206`);
      expect(lines.slice(2)).toEqual(['']);
    }
    const json = await api.call('GET', url('granularity=hour'), { token: finance, headers: { accept: 'application/json, text/csv' } });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it.each([
    ['finance', 200],
    ['trader', 200],
    ['admin', 200],
    ['operator', 403],
  ] as const)('answers the %s role with %i', async (role, status) => {
    const res = await api.call('GET', url('granularity=day'), { token: await api.token(role) });
    expect(res.status).toBe(status);
  });

  it('answers a caller without a token with 401', async () => {
    expect((await api.call('GET', url('granularity=day'))).status).toBe(401);
  });

  it.each([
    ['no siteId', 'from=2024-07-01&to=2024-07-15', 'siteId'],
    ['from after to', 'siteId=rockdale&from=2024-07-16&to=2024-07-15', 'to'],
    ['a range over a year', 'siteId=rockdale&from=2023-01-01&to=2024-07-15', 'to'],
    ['interval rows over 92 days', 'siteId=rockdale&from=2024-01-01&to=2024-07-15&granularity=interval', 'to'],
    ['a date that is not one', 'siteId=rockdale&from=2024-13-45&to=2024-07-15', 'from'],
    ['an unknown granularity', 'siteId=rockdale&from=2024-07-01&to=2024-07-15&granularity=week', 'granularity'],
    ['an unknown format', 'siteId=rockdale&from=2024-07-01&to=2024-07-15&format=xml', 'format'],
  ])('refuses %s with a problem+json 400 naming the parameter', async (_what, query, field) => {
    const res = await api.call('GET', `/reports/emissions?${query}`, { token: finance });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it('answers an unknown site with 404 naming siteId', async () => {
    const res = await api.call('GET', '/reports/emissions?siteId=atlantis&from=2024-07-01&to=2024-07-15', { token: finance });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errors: [{ path: 'siteId' }] });
  });

  it('is in the OpenAPI document with its JSON and CSV responses', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, unknown> }> } }>;
    };
    const op = doc.paths['/reports/emissions']?.get;
    expect(Object.keys(op?.responses['200']?.content ?? {})).toEqual(['application/json', 'text/csv']);
  });
});
