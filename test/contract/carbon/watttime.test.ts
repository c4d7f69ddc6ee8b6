/** The WattTime v3 client against a loopback server speaking WattTime's wire format. */
import { afterEach, describe, expect, it } from 'vitest';
import { FeedError } from '#adapters/feeds/http.ts';
import { WattTimeClient } from '#adapters/feeds/watttime.ts';
import type { Clock } from '#ports/clock.ts';
import { fastHttp, type Handler, type Loopback, loopback, type Recorded } from '../loopback.ts';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const CREDS = { username: 'switchyard', password: 's3cret:with-colon' };
const T0 = Date.parse('2024-07-01T15:00:00Z');
const at = (ms: number) => new Date(ms).toISOString().replace('.000Z', '+00:00');

const meta = (over: Record<string, unknown> = {}) => ({
  region: 'ERCOT_NORTHCENTRAL',
  signal_type: 'co2_moer',
  units: 'lbs_co2_per_mwh',
  data_point_period_seconds: 300,
  model: { date: '2024-03-01' },
  warnings: [],
  ...over,
});

const points = (fromMs: number, n: number, value: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ point_time: at(fromMs + i * 300_000), value: value(i) }));

const basicOf = (req: Recorded) => Buffer.from(String(req.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8');

/** A WattTime that issues token-1, token-2, … on each login and accepts only the latest. */
function watttime(routes: Record<string, Handler>): Record<string, Handler> {
  let issued = 0;
  const guard =
    (inner: Handler): Handler =>
    (req, n) =>
      req.headers.authorization === `Bearer token-${issued}` ? inner(req, n) : { status: 401, body: { error: 'token expired' } };
  return {
    '/login': (req) => {
      if (basicOf(req) !== `${CREDS.username}:${CREDS.password}`) return { status: 403, body: { error: 'invalid credentials' } };
      issued++;
      return { body: { token: `token-${issued}` } };
    },
    ...Object.fromEntries(Object.entries(routes).map(([path, h]) => [path, guard(h)])),
  };
}

const forecastRoute: Handler = (req) => ({
  body: {
    data: points(T0, Number(req.query.get('horizon_hours')) * 12, (i) => 900 + i),
    meta: meta({ generated_at: at(T0), generated_at_period_seconds: 300 }),
  },
});

describe('WattTime v3 client', () => {
  it('logs in with HTTP Basic, then asks for the forecast with the bearer token', async () => {
    server = await loopback(watttime({ '/v3/forecast': forecastRoute }));
    const wt = new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http });
    const f = await wt.forecast('ERCOT_NORTHCENTRAL', { horizonHours: 2 });
    expect(basicOf(server.to('/login')[0]!)).toBe('switchyard:s3cret:with-colon');
    const q = server.to('/v3/forecast')[0]!.query;
    expect([q.get('region'), q.get('signal_type'), q.get('horizon_hours')]).toEqual(['ERCOT_NORTHCENTRAL', 'co2_moer', '2']);
    expect(f.points).toHaveLength(24);
    expect(f.points[0]).toEqual({ pointTimeMs: T0, value: 900 });
    expect(f).toMatchObject({ units: 'lbs_co2_per_mwh', periodSeconds: 300, generatedAtMs: T0, modelDate: '2024-03-01', warnings: [] });
  });

  it('reuses its token for 29 minutes and logs in again after', async () => {
    server = await loopback(watttime({ '/v3/forecast': forecastRoute }));
    let now = T0;
    const clock: Clock = { nowMs: () => now };
    const wt = new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http, clock });
    await wt.forecast('ERCOT_NORTHCENTRAL', { horizonHours: 0 });
    now += 28 * 60_000;
    await wt.forecast('ERCOT_NORTHCENTRAL', { horizonHours: 0 });
    expect(server.to('/login')).toHaveLength(1);
    now += 2 * 60_000;
    await wt.forecast('ERCOT_NORTHCENTRAL', { horizonHours: 0 });
    expect(server.to('/login')).toHaveLength(2);
  });

  it('logs in again once when a call is refused with 401, and repeats it', async () => {
    let rejectNext = true;
    server = await loopback(
      watttime({
        '/v3/signal-index': () => {
          if (rejectNext) {
            rejectNext = false;
            return { status: 401, body: { error: 'token expired' } };
          }
          return { body: { data: [{ point_time: at(T0), value: 87 }], meta: meta({ units: 'percentile' }) } };
        },
      }),
    );
    const idx = await new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http }).signalIndex('ERCOT_NORTHCENTRAL');
    expect([idx.units, idx.points]).toEqual(['percentile', [{ pointTimeMs: T0, value: 87 }]]);
    expect([server.to('/login').length, server.to('/v3/signal-index').length]).toEqual([2, 2]);
  });

  it('gives up on a second 401 with a FeedError carrying the status', async () => {
    server = await loopback({ '/login': () => ({ body: { token: 'never-accepted' } }), '/v3/forecast': () => ({ status: 401, body: {} }) });
    const err = await new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http }).forecast('X').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect([(err as FeedError).status, server.to('/login').length]).toEqual([401, 2]);
  });

  it('reports refused credentials without echoing them', async () => {
    server = await loopback(watttime({}));
    const wt = new WattTimeClient({ username: 'switchyard', password: 'wrong-password' }, { baseUrl: server.url, http: fastHttp().http });
    const err = (await wt.forecast('ERCOT_NORTHCENTRAL').catch((e: unknown) => e)) as FeedError;
    expect(err).toBeInstanceOf(FeedError);
    expect(err.status).toBe(403);
    expect(err.message).not.toContain('wrong-password');
    expect(err.message).toMatch(/^WattTime GET http:\/\/127\.0\.0\.1:\d+\/login: HTTP 403/);
  });

  it('asks for a long history in 30-day chunks whose inclusive ends do not overlap, and merges them', async () => {
    const from = Date.parse('2024-01-01T00:00:00Z');
    const to = Date.parse('2024-02-15T00:00:00Z');
    server = await loopback(
      watttime({
        '/v3/historical': (req) => {
          const start = Date.parse(req.query.get('start')!);
          const end = Date.parse(req.query.get('end')!);
          // Only the first and last hour of each chunk, enough to see the edges.
          const data = [...points(start, 12, () => 1_000), ...points(Math.floor(end / 300_000) * 300_000 - 11 * 300_000, 12, () => 1_100)];
          return { body: { data, meta: meta() } };
        },
      }),
    );
    const h = await new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http }).historical('ERCOT_NORTHCENTRAL', from, to);
    const asked = server.to('/v3/historical').map((r) => [r.query.get('start'), r.query.get('end'), r.query.get('signal_type')]);
    expect(asked).toEqual([
      ['2024-01-01T00:00:00.000Z', '2024-01-30T23:59:59.000Z', 'co2_moer'],
      ['2024-01-31T00:00:00.000Z', '2024-02-14T23:59:59.000Z', 'co2_moer'],
    ]);
    expect(h.points).toHaveLength(48);
    expect(new Date(h.points.at(-1)!.pointTimeMs).toISOString()).toBe('2024-02-14T23:55:00.000Z');
    expect(h.points.every((p, i) => i === 0 || p.pointTimeMs > h.points[i - 1]!.pointTimeMs)).toBe(true);
  });

  it('refuses a body that is not WattTime’s format, naming the field', async () => {
    server = await loopback(watttime({ '/v3/forecast': () => ({ body: { data: [{ point_time: 'now', value: 1 }], meta: meta() } }) }));
    await expect(new WattTimeClient(CREDS, { baseUrl: server.url, http: fastHttp().http }).forecast('X')).rejects.toThrow(
      /unexpected response shape: data\[0\]\.point_time: /,
    );
  });

  it('refuses a forecast horizon beyond 72 hours before calling', async () => {
    const wt = new WattTimeClient(CREDS, { baseUrl: 'http://127.0.0.1:9', http: fastHttp().http });
    await expect(wt.forecast('X', { horizonHours: 73 })).rejects.toThrow(RangeError);
  });
});
