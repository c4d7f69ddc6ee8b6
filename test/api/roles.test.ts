/**
 * The role matrix of DESIGN §5: every route × every role × no token. Allowed callers get the
 * route's success status; others 403 (a token without the role) or 401 (no or a bad token). The
 * role check comes before any validation of the request.
 */

import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BidsListSchema, PnlReportSchema, RunListSchema, RunSummarySchema } from '#adapters/http/schemas.ts';
import { AUDIENCE, ISSUER, mintToken, type Role } from '#adapters/jwt.ts';
import { hourBid, siteBids } from '#domain/bids.ts';
import { type Api, conforms, DAY, DAY0, H, iso, PROBLEM_TYPE, SECRET, seedMarket, startApi, testSite } from './support.ts';

const ROLES: Role[] = ['trader', 'finance', 'admin', 'operator'];
const ALL = ROLES;

interface RouteCase {
  route: string;
  allowed: readonly Role[] | 'anyone';
  success: number;
  /** A valid request; built per call (some routes change state). */
  request(): Promise<{ method: string; path: string; body?: unknown; headers?: Record<string, string> }>;
}

let api: Api;
let overrideId: string;

async function newOverride(): Promise<string> {
  const res = await api.call('POST', '/sites/rockdale/overrides', {
    token: await api.token('trader'),
    body: { action: 'CURTAIL', loadId: 's19', from: iso(DAY0 + 23 * H), to: iso(DAY0 + 24 * H), reason: 'role matrix' },
  });
  expect(res.status).toBe(201);
  return (res.body as { id: string }).id;
}

const day = '2024-07-15';
const CASES: RouteCase[] = [
  { route: 'GET /health', allowed: 'anyone', success: 200, request: async () => ({ method: 'GET', path: '/health' }) },
  { route: 'GET /openapi.json', allowed: 'anyone', success: 200, request: async () => ({ method: 'GET', path: '/openapi.json' }) },
  { route: 'GET /sites', allowed: ALL, success: 200, request: async () => ({ method: 'GET', path: '/sites' }) },
  {
    route: 'GET /sites/{siteId}/decisions',
    allowed: ALL,
    success: 200,
    request: async () => ({ method: 'GET', path: `/sites/rockdale/decisions?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}` }),
  },
  {
    route: 'GET /sites/{siteId}/decisions (csv)',
    allowed: ALL,
    success: 200,
    request: async () => ({ method: 'GET', path: `/sites/rockdale/decisions?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}&format=csv` }),
  },
  {
    route: 'GET /sites/{siteId}/decisions/{intervalStart}/revisions',
    allowed: ALL,
    success: 200,
    request: async () => ({ method: 'GET', path: `/sites/rockdale/decisions/${iso(DAY0 + 20 * H)}/revisions` }),
  },
  { route: 'GET /decisions', allowed: ALL, success: 200, request: async () => ({ method: 'GET', path: `/decisions?date=${day}` }) },
  {
    route: 'POST /sites/{siteId}/overrides',
    allowed: ['trader'],
    success: 201,
    request: async () => ({
      method: 'POST',
      path: '/sites/rockdale/overrides',
      body: { action: 'CAP', capMw: 50, loadId: 's21', from: iso(DAY0 + 22 * H), to: iso(DAY0 + 23 * H), reason: 'role matrix' },
    }),
  },
  {
    route: 'GET /overrides',
    allowed: ALL,
    success: 200,
    request: async () => ({ method: 'GET', path: '/overrides?siteId=rockdale&active=true' }),
  },
  { route: 'GET /overrides/{id}', allowed: ALL, success: 200, request: async () => ({ method: 'GET', path: `/overrides/${overrideId}` }) },
  {
    route: 'POST /overrides/{id}/cancel',
    allowed: ['trader'],
    success: 200,
    request: async () => ({
      method: 'POST',
      path: `/overrides/${await newOverride()}/cancel`,
      body: { reason: 'role matrix' },
      headers: { 'if-match': '"1"' },
    }),
  },
  {
    route: 'GET /audit',
    allowed: ['finance', 'admin'],
    success: 200,
    request: async () => ({ method: 'GET', path: `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}` }),
  },
  {
    route: 'GET /reports/pnl',
    allowed: ['finance'],
    success: 200,
    request: async () => ({ method: 'GET', path: `/reports/pnl?siteId=rockdale&from=${day}&to=2024-07-16&granularity=day` }),
  },
  {
    route: 'GET /bids',
    allowed: ['trader', 'finance'],
    success: 200,
    request: async () => ({ method: 'GET', path: `/bids?siteId=rockdale&date=${day}` }),
  },
  { route: 'GET /runs', allowed: ['operator', 'admin'], success: 200, request: async () => ({ method: 'GET', path: '/runs?limit=5' }) },
  {
    route: 'POST /runs',
    allowed: ['operator'],
    success: 200,
    request: async () => ({ method: 'POST', path: '/runs', body: { at: iso(DAY0 + 5 * H) } }),
  },
];

beforeAll(async () => {
  api = await startApi({ clockMs: DAY0 + 20 * H + 5 * 60_000 });
  await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, () => 25);
  await api.decideHours(DAY0 + 20 * H, DAY0 + 24 * H);
  overrideId = await newOverride();
  const site = testSite();
  const bids = siteBids(
    site,
    day,
    [
      {
        hourStartMs: DAY0 + 5 * H,
        hashprice: { usdPerPhDay: 50, day: '2024-07-14', ageDays: 1, source: 'test', demo: false },
        daUsdPerMwh: 30,
        peakProbability: 0,
      },
    ],
    DAY0,
  );
  expect(bids.hours[0]).toEqual(
    hourBid(site, {
      hourStartMs: DAY0 + 5 * H,
      hashprice: { usdPerPhDay: 50, day: '2024-07-14', ageDays: 1, source: 'test', demo: false },
      daUsdPerMwh: 30,
      peakProbability: 0,
    }),
  );
  await api.repos.bids.put(bids);
}, 60_000);
afterAll(() => api.close());

describe.each(CASES)('$route', (rc) => {
  it.each(ROLES)('as %s', async (role) => {
    const req = await rc.request();
    const res = await api.call(req.method, req.path, {
      token: await api.token(role),
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.headers ? { headers: req.headers } : {}),
    });
    if (rc.allowed === 'anyone' || rc.allowed.includes(role)) {
      expect(res.status, res.text).toBe(rc.success);
    } else {
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
      expect(res.body).toMatchObject({ status: 403, detail: expect.stringContaining(role) });
    }
  });

  it('without a token', async () => {
    const req = await rc.request();
    const res = await api.call(req.method, req.path, {
      ...(req.body !== undefined ? { body: req.body } : {}),
      ...(req.headers ? { headers: req.headers } : {}),
    });
    if (rc.allowed === 'anyone') {
      expect(res.status).toBe(rc.success);
    } else {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    }
  });
});

describe('tokens', () => {
  const other = new TextEncoder().encode('some-other-secret-0123456789abcdef');
  it.each([
    ['a token signed with another secret', async () => mintToken(other, 'mallory', ['trader'])],
    ['an expired token', async () => mintToken(SECRET, 'desk-1', ['trader'], 60, Date.now() - 3600_000)],
    [
      'a token for another audience',
      async () =>
        new SignJWT({ 'cognito:groups': ['trader'], username: 'x' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(ISSUER)
          .setAudience('other')
          .setExpirationTime('1h')
          .sign(SECRET),
    ],
    [
      'an unsigned token',
      async () =>
        `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ 'cognito:groups': ['trader'], username: 'x', iss: ISSUER, aud: AUDIENCE })).toString('base64url')}.`,
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s with 401', async (_what, make) => {
    const res = await api.call('GET', '/sites', { token: await make() });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
  });

  it('refuses a non-bearer Authorization header with 401', async () => {
    const res = await api.call('GET', '/sites', { headers: { authorization: 'Basic ZGVzazpwYXNz' } });
    expect(res.status).toBe(401);
  });

  it('refuses a valid token without any known role with 403', async () => {
    const res = await api.call('GET', '/sites', { token: await mintToken(SECRET, 'visitor', []) });
    expect(res.status).toBe(403);
  });

  it('checks the role before the body: a finance POST with a broken body is 403, not 400', async () => {
    const res = await api.call('POST', '/sites/rockdale/overrides', {
      token: await api.token('finance'),
      rawBody: '{oops',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(403);
  });
});

describe('responses of the routes outside the decision and override suites match their schemas', () => {
  it('GET /bids returns the stored bids of the day', async () => {
    const res = await api.call('GET', `/bids?date=${day}`, { token: await api.token('trader') });
    const body = conforms(BidsListSchema, res.body);
    expect(body.items.map((b) => [b.siteId, b.operatingDay])).toEqual([['rockdale', day]]);
    expect((await api.call('GET', '/bids?siteId=rockdale&date=2024-07-16', { token: await api.token('trader') })).body).toEqual({
      items: [],
    });
    expect((await api.call('GET', `/bids?siteId=atlantis&date=${day}`, { token: await api.token('trader') })).status).toBe(404);
    expect((await api.call('GET', '/bids?date=tomorrow', { token: await api.token('trader') })).status).toBe(400);
  });

  it('POST /runs decides an hour; GET /runs lists it', async () => {
    const run = await api.call('POST', '/runs', {
      token: await api.token('operator', 'ops-1'),
      body: { at: iso(DAY0 + 6 * H + 30 * 60_000) },
    });
    expect(run.status).toBe(200);
    const summary = conforms(RunSummarySchema, run.body);
    expect(summary.runs).toMatchObject([{ hourStart: iso(DAY0 + 6 * H), trigger: 'api:ops-1', status: 'SUCCEEDED' }]);
    const runs = conforms(RunListSchema, (await api.call('GET', '/runs', { token: await api.token('admin') })).body);
    expect(runs.items.map((r) => r.runId)).toContain(summary.runs[0]!.runId);
    const bad = await api.call('POST', '/runs', { token: await api.token('operator'), body: { at: 'noon' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: 'at' }] });
    for (const at of ['2100-01-01T00:00:00Z', '1970-01-01T00:00:00Z']) {
      const out = await api.call('POST', '/runs', { token: await api.token('operator'), body: { at } });
      expect(out.status, at).toBe(400);
      expect(out.body, at).toMatchObject({ errors: [{ path: 'at', message: expect.stringMatching(/^must be an instant from 2010/) }] });
    }
  });

  it('GET /reports/pnl answers a report', async () => {
    const res = await api.call('GET', `/reports/pnl?from=${day}&to=2024-07-16`, { token: await api.token('finance') });
    const body = conforms(PnlReportSchema, res.body);
    expect(body.items.map((r) => r.siteId)).toEqual(['rockdale', 'tydal']);
  });
});
