/**
 * The site agent's side of the API: the agent role limited to its site, the dispatch plan with its
 * conditional GET, telemetry (bad input named, replays idempotent, events once), the actuals and
 * deployment performance read back, and the P&L's actual columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ActualsPageSchema, DispatchPlanSchema, PerformanceListSchema, TelemetryResultSchema } from '#adapters/http/schemas.ts';
import { mintToken } from '#adapters/jwt.ts';
import { type Api, conforms, DAY0, H, iso, MIN, PROBLEM_TYPE, Q, SECRET, seedMarket, startApi } from './support.ts';

let api: Api;
let agent: string;
const T = DAY0 + 20 * H;

beforeAll(async () => {
  api = await startApi({ clockMs: T + 5 * MIN });
  await seedMarket(api.repos, DAY0 - 2 * H, DAY0 + 26 * H, () => 30);
  await api.decideHours(T, T + 2 * H);
  api.clock.now = T + 5 * MIN;
  agent = await mintToken(SECRET, 'agent-rockdale', ['agent'], 3600, Date.now(), ['rockdale']);
}, 60_000);
afterAll(() => api.close());

const dispatch = (token: string, headers: Record<string, string> = {}) => api.call('GET', '/sites/rockdale/dispatch', { token, headers });

describe('the agent role', () => {
  it('reads its own site plan', async () => {
    expect((await dispatch(agent)).status).toBe(200);
  });

  it('is refused (403) on another site', async () => {
    const res = await api.call('GET', '/sites/tydal/dispatch', { token: agent });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect(res.body.errors).toEqual([{ path: 'siteId', message: 'is not a site of this token' }]);
  });

  it.each([
    ['GET', '/sites'],
    ['GET', `/sites/rockdale/decisions?from=${iso(T)}&to=${iso(T + H)}`],
    ['GET', `/sites/rockdale/actuals?from=${iso(T)}&to=${iso(T + H)}`],
    ['GET', '/overrides'],
    ['POST', '/runs'],
  ])('is refused (403) on a route that is not an agent route: %s %s', async (method, path) => {
    expect((await api.call(method, path, { token: agent, ...(method === 'POST' ? { body: {} } : {}) })).status).toBe(403);
  });

  it('without a sites claim may act for no site', async () => {
    const bare = await mintToken(SECRET, 'agent-x', ['agent']);
    expect((await dispatch(bare)).status).toBe(403);
  });

  it('is the only role that reads the dispatch plan or posts telemetry', async () => {
    for (const role of ['trader', 'finance', 'admin', 'operator'] as const) {
      const token = await api.token(role);
      expect((await dispatch(token)).status, role).toBe(403);
      expect((await api.call('POST', '/sites/rockdale/telemetry', { token, body: { samples: [] } })).status, role).toBe(403);
    }
  });
});

describe('GET /sites/{siteId}/dispatch', () => {
  it('gives the current and next decided intervals with thresholds, the site limits and an ETag', async () => {
    const res = await dispatch(agent);
    const plan = conforms(DispatchPlanSchema, res.body);
    expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/);
    expect(plan).toMatchObject({
      siteId: 'rockdale',
      execution: 'scheduled',
      interconnectMw: 200,
      aiContractedMw: 15,
      failSafe: { otherwise: 'HOLD' },
    });
    expect(plan.intervals.map((i) => i.intervalStart)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((k) => iso(T + k * Q)));
    expect(plan.validUntil).toBe(iso(T + 2 * H));
    const s21 = plan.intervals[0]!.loads.find((l) => l.loadId === 's21')!;
    expect(s21.forced).toBeNull();
    // No hysteresis configured: the neutral threshold is the decided one.
    expect(s21.thresholdUsdPerMwh).toBe(s21.curtailAboveUsdPerMwh);
    expect(s21.thresholdUsdPerMwh).toBeGreaterThan(30);
  });

  it('answers 304 with the same ETag to If-None-Match while the plan is unchanged', async () => {
    const etag = (await dispatch(agent)).headers.get('etag')!;
    const res = await dispatch(agent, { 'if-none-match': `W/${etag}` });
    expect(res.status).toBe(304);
    expect(res.text).toBe('');
    expect(res.headers.get('etag')).toBe(etag);
  });

  it('changes its ETag when an override re-decides, and names the override as the cause of the forced state', async () => {
    const before = (await dispatch(agent)).headers.get('etag')!;
    const o = await api.call('POST', '/sites/rockdale/overrides', {
      token: await api.token('trader'),
      body: { action: 'CURTAIL', loadId: 's19', from: iso(T + H), to: iso(T + 2 * H), reason: 'agent test' },
    });
    expect(o.status).toBe(201);

    const res = await dispatch(agent, { 'if-none-match': before });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).not.toBe(before);
    const later = res.body.intervals.find((i: { intervalStart: string }) => i.intervalStart === iso(T + H));
    expect(later.loads.find((l: { loadId: string }) => l.loadId === 's19').forced).toEqual({
      mw: 0,
      cause: 'OVERRIDE',
      code: 'OVERRIDE_CURTAIL',
      overrideId: o.body.id,
    });
  });

  it('has no valid-until when the interval containing now is not decided', async () => {
    api.clock.now = T + 3 * H;
    try {
      const plan = (await dispatch(agent)).body;
      expect(plan.validUntil).toBeNull();
      expect(plan.intervals).toEqual([]);
    } finally {
      api.clock.now = T + 5 * MIN;
    }
  });
});

const sample = (loadId: string, atMs: number, actualMw: number, extra: object = {}) => ({ loadId, at: iso(atMs), actualMw, ...extra });
const change = (loadId: string, atMs: number, extra: object = {}) => ({
  loadId,
  at: iso(atMs),
  change: 'CURTAILED',
  fromMw: 100,
  toMw: 0,
  trigger: { kind: 'PRICE', priceUsdPerMwh: 180, thresholdUsdPerMwh: 95 },
  fleetSeconds: 7.5,
  ...extra,
});

describe('POST /sites/{siteId}/telemetry', () => {
  const post = (body: unknown, token = agent) => api.call('POST', '/sites/rockdale/telemetry', { token, body });

  it('records a batch once: a replay stores nothing new and publishes LoadCurtailed once', async () => {
    const batch = {
      samples: [sample('s21', T + MIN, 99.5, { hashrateThs: 5_600_000, miners: { running: 28000, asleep: 0, unreachable: 12 } })],
      stateChanges: [change('s21', T + 2 * MIN)],
    };
    const first = await post(batch);
    expect(first.status).toBe(200);
    expect(conforms(TelemetryResultSchema, first.body)).toEqual({
      samples: 1,
      stateChanges: { recorded: 1, replayed: 0 },
      eventsUnsent: 0,
    });

    const again = await post(batch);
    expect(again.body).toEqual({ samples: 1, stateChanges: { recorded: 0, replayed: 1 }, eventsUnsent: 0 });

    const events = api.publisher.events.filter((e) => e.detailType === 'LoadCurtailed');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({
      siteId: 'rockdale',
      loadId: 's21',
      at: iso(T + 2 * MIN),
      fleetSeconds: 7.5,
      trigger: { kind: 'PRICE', priceUsdPerMwh: 180 },
    });
  });

  it.each([
    [{ samples: [sample('nope', T, 1)] }, 'samples[0].loadId'],
    [{ samples: [sample('s21', T, -1)] }, 'samples[0].actualMw'],
    [{ samples: [{ ...sample('s21', T, 1), at: 'yesterday' }] }, 'samples[0].at'],
    [{ stateChanges: [change('s21', T, { trigger: { kind: 'PRICE' } })] }, 'stateChanges[0].trigger.priceUsdPerMwh'],
    [{ stateChanges: [change('s21', T, { trigger: { kind: 'OVERRIDE' } })] }, 'stateChanges[0].trigger.overrideId'],
    [{ stateChanges: [change('s21', T, { change: 'EXPLODED' })] }, 'stateChanges[0].change'],
    [{ samples: [], extra: 1 }, 'extra'],
  ])('refuses bad input with a problem naming the field (%#)', async (body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });

  it('refuses an agent of another site (403) before reading the body', async () => {
    const other = await mintToken(SECRET, 'agent-tydal', ['agent'], 3600, Date.now(), ['tydal']);
    expect((await post({ samples: [sample('s21', T, 1)] }, other)).status).toBe(403);
  });
});

describe('GET /sites/{siteId}/actuals and /performance', () => {
  beforeAll(async () => {
    // A DR deployment of 60 MW at T + 30 min; the fleet sheds s19 (60 MW) 40 s later.
    await api.repos.marketData.putGridEvent({
      id: 'dr-1',
      type: 'DR_DEPLOYMENT',
      market: 'ERCOT',
      siteId: 'rockdale',
      mw: 60,
      startMs: T + 30 * MIN,
      endMs: T + 45 * MIN,
    });
    const samples = [];
    for (let t = T + 20 * MIN; t < T + 45 * MIN; t += 20_000) {
      samples.push(sample('s21', t, 100), sample('s19', t, t >= T + 30 * MIN + 40_000 ? 0 : 60));
    }
    const res = await api.call('POST', '/sites/rockdale/telemetry', { token: agent, body: { samples } });
    expect(res.status).toBe(200);
  });

  it('pages the samples in order, with the state changes on the first page', async () => {
    const finance = await api.token('finance');
    const first = await api.call('GET', `/sites/rockdale/actuals?from=${iso(T)}&to=${iso(T + H)}&limit=50`, { token: finance });
    expect(first.status).toBe(200);
    const page = conforms(ActualsPageSchema, first.body);
    expect(page.items).toHaveLength(50);
    expect(page.items[0]).toEqual({
      siteId: 'rockdale',
      loadId: 's21',
      at: iso(T + MIN),
      actualMw: 99.5,
      hashrateThs: 5_600_000,
      miners: { running: 28000, asleep: 0, unreachable: 12 },
    });
    expect(page.stateChanges).toEqual([expect.objectContaining({ loadId: 's21', at: iso(T + 2 * MIN), fleetSeconds: 7.5 })]);
    const next = await api.call('GET', `/sites/rockdale/actuals?from=${iso(T)}&to=${iso(T + H)}&limit=50&nextToken=${page.nextToken}`, {
      token: finance,
    });
    expect(next.body.stateChanges).toBeUndefined();
    expect(Date.parse(next.body.items[0].at)).toBeGreaterThanOrEqual(Date.parse(page.items[49]!.at));
  });

  it('exports every sample as CSV', async () => {
    const res = await api.call('GET', `/sites/rockdale/actuals?from=${iso(T)}&to=${iso(T + H)}&format=csv`, {
      token: await api.token('trader'),
    });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = res.text.trim().split('\r\n');
    expect(lines[0]).toBe('site_id,load_id,at_utc,actual_mw,hashrate_ths,miners_running,miners_asleep,miners_unreachable');
    expect(lines[1]).toBe(`rockdale,s21,${iso(T + MIN)},99.5,5600000,28000,0,12`);
    expect(lines).toHaveLength(1 + 1 + 2 * 75);
  });

  it('refuses a range that is empty, naming to', async () => {
    const res = await api.call('GET', `/sites/rockdale/actuals?from=${iso(T)}&to=${iso(T)}`, { token: await api.token('trader') });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'to', message: 'must be after from' }]);
  });

  it('records MW asked, MW achieved and the time to achieve for a deployment', async () => {
    const res = await api.call('GET', `/sites/rockdale/performance?from=${iso(T)}&to=${iso(T + H)}`, {
      token: await api.token('operator'),
    });
    expect(res.status).toBe(200);
    expect(conforms(PerformanceListSchema, res.body).items).toEqual([
      {
        eventId: 'dr-1',
        type: 'DR_DEPLOYMENT',
        start: iso(T + 30 * MIN),
        end: iso(T + 45 * MIN),
        askedMw: 60,
        baselineMw: 160,
        achievedMw: 60,
        secondsToAchieve: 40,
        met: true,
        samples: 45,
      },
    ]);
  });

  it('shows planned against actual MWh in the P&L where telemetry exists', async () => {
    const res = await api.call('GET', `/reports/pnl?siteId=rockdale&from=${iso(T)}&to=${iso(T + H)}`, {
      token: await api.token('finance'),
    });
    expect(res.status).toBe(200);
    const actual = res.body.items[0].actual;
    // s21 has samples in the first interval (one) and the second and third; s19 in the second and third.
    expect(actual.loadIntervals).toBe(5);
    expect(actual.mwh).toBeGreaterThan(0);
    expect(actual.plannedMwh).toBeGreaterThan(actual.mwh);
    expect(actual.netMarginUsd).toBeCloseTo(actual.miningRevenueUsd - actual.energyCostUsd, 2);
  });
});
