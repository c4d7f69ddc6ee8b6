/** HTTP behaviour around the routes: CORS, unknown routes, throttling, and finishing an interrupted create. */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import type { AuditRecord } from '#ports/audit.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import type { DomainEvent, EventPublisher } from '#ports/events.ts';
import { type Api, DAY, DAY0, H, iso, MIN, PROBLEM_TYPE, seedMarket, startApi } from './support.ts';

const ORIGIN = 'https://dashboard.switchyard.test';

describe('CORS for the dashboard origin', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ deps: { corsOrigin: ORIGIN } });
  });
  afterAll(() => api.close());

  it('answers a preflight from the dashboard with the methods and headers it may use', async () => {
    const res = await api.call('OPTIONS', '/overrides/ovr-1/cancel', {
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, if-match',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('if-match');
  });

  it('exposes ETag to the dashboard and does not answer other origins', async () => {
    const ok = await api.call('GET', '/health', { headers: { origin: ORIGIN } });
    expect(ok.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(ok.headers.get('access-control-expose-headers')).toContain('ETag');
    const other = await api.call('GET', '/health', { headers: { origin: 'https://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('routes and methods that do not exist', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi();
  });
  afterAll(() => api.close());

  it('answers a path it does not serve with a 404 problem', async () => {
    const res = await api.call('GET', '/nothing-here', { token: await api.token('admin') });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
  });

  it.each([
    ['DELETE', '/sites', 'GET'],
    ['DELETE', '/overrides/ovr-1', 'GET'],
    ['PUT', '/sites/rockdale/decisions', 'GET'],
    ['GET', '/sites/rockdale/overrides', 'POST'],
  ])('answers %s %s, a path it serves, with 405 and the methods it takes', async (method, path, allow) => {
    const res = await api.call(method, path, { token: await api.token('admin') });
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    expect(res.headers.get('allow')).toBe(allow);
  });
});

describe('throttling', () => {
  let api: Api;
  beforeAll(async () => {
    const throttled = new Proxy({} as DecisionRepository, {
      get: () => async () => {
        throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
          name: 'ProvisionedThroughputExceededException',
        });
      },
    });
    api = await startApi({ deps: { decisions: throttled } });
  });
  afterAll(() => api.close());

  it('answers a throttled DynamoDB with 429 and Retry-After, not 500', async () => {
    const res = await api.call('GET', `/sites/rockdale/decisions?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, {
      token: await api.token('finance'),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
  });
});

describe('an interrupted create with an Idempotency-Key', () => {
  let api: Api;
  const memory = new MemoryEventPublisher();
  let failNext = false;
  const flaky: EventPublisher = {
    async publish(events: readonly DomainEvent[]) {
      if (failNext) {
        failNext = false;
        throw new Error('the process stopped here');
      }
      return memory.publish(events);
    },
  };
  beforeAll(async () => {
    api = await startApi({ clockMs: DAY0 + 20 * H, deps: { publisher: flaky } });
    await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, () => 25);
    await api.decideHours(DAY0 + 20 * H, DAY0 + 22 * H);
  }, 60_000);
  afterAll(() => api.close());
  afterEach(() => {
    failNext = false;
  });

  it('is held while it may still be running (409), then finished by a retry with the same id', async () => {
    const request = {
      token: await api.token('trader'),
      body: { action: 'CURTAIL', loadId: 's21', from: iso(DAY0 + 21 * H), to: iso(DAY0 + 22 * H), reason: 'interrupted' },
      headers: { 'idempotency-key': 'resume-1' },
    };
    failNext = true;
    const first = await api.call('POST', '/sites/rockdale/overrides', request);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ detail: 'internal error; it has been logged' });

    const tooSoon = await api.call('POST', '/sites/rockdale/overrides', request);
    expect(tooSoon.status).toBe(409);
    expect(tooSoon.body).toMatchObject({ errors: [{ path: 'Idempotency-Key' }] });

    api.clock.now += MIN;
    const retry = await api.call('POST', '/sites/rockdale/overrides', request);
    expect(retry.status).toBe(201);
    const id = (retry.body as { id: string }).id;
    expect(memory.events.filter((e) => e.detailType === 'OverrideCreated').map((e) => e.detail.overrideId)).toEqual([id]);
    const listed = (await api.call('GET', '/overrides?siteId=rockdale', { token: request.token })).body as {
      items: { id: string; reason: string }[];
    };
    expect(listed.items.filter((o) => o.reason === 'interrupted').map((o) => o.id)).toEqual([id]);

    const replay = await api.call('POST', '/sites/rockdale/overrides', request);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect((replay.body as { id: string }).id).toBe(id);
  });
});

describe('a change whose audit write was interrupted', () => {
  let api: Api;
  let failCancelAudit = true;
  beforeAll(async () => {
    api = await startApi({
      clockMs: DAY0 + 20 * H,
      deps: (repos) => ({
        audit: {
          list: (...args) => repos.audit.list(...args),
          async append(record: AuditRecord) {
            if (record.action === 'OVERRIDE_CANCELLED' && failCancelAudit) {
              failCancelAudit = false;
              throw new Error('the process stopped here');
            }
            return repos.audit.append(record);
          },
        },
      }),
    });
  });
  afterAll(() => api.close());

  it('gets its record from the next request that touches the override', async () => {
    const trader = await api.token('trader', 'desk-1');
    const o = (
      await api.call('POST', '/sites/rockdale/overrides', {
        token: trader,
        body: { action: 'CURTAIL', from: iso(DAY0 + 21 * H), to: iso(DAY0 + 22 * H), reason: 'audit heal' },
      })
    ).body as { id: string };
    const interrupted = await api.call('POST', `/overrides/${o.id}/cancel`, {
      token: await api.token('trader', 'desk-2'),
      body: { reason: 'first try' },
      headers: { 'if-match': '"1"' },
    });
    expect(interrupted.status).toBe(500);
    const audit = async () =>
      (
        (await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: await api.token('finance') })).body as {
          items: { action: string; actor: string; reason: string }[];
        }
      ).items;
    expect((await audit()).map((r) => r.action)).toEqual(['OVERRIDE_CREATED']);

    const retry = await api.call('POST', `/overrides/${o.id}/cancel`, {
      token: trader,
      body: { reason: 'second try' },
      headers: { 'if-match': '"1"' },
    });
    expect(retry.status).toBe(412);
    expect((await audit()).map((r) => [r.action, r.actor, r.reason])).toEqual([
      ['OVERRIDE_CREATED', 'desk-1', 'audit heal'],
      ['OVERRIDE_CANCELLED', 'desk-2', 'first try'],
    ]);
  });
});
