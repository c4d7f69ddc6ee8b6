/**
 * Overrides over HTTP: the lifecycle (create → re-decision → cancel → re-decision) with its events
 * and audit records, optimistic concurrency, idempotent creates, and the validation of bodies.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import {
  AuditPageSchema,
  DecisionListSchema,
  DecisionPageSchema,
  OverrideChangeSchema,
  OverrideListSchema,
  OverrideSchema,
  ProblemSchema,
} from '#adapters/http/schemas.ts';
import type { DomainEvent } from '#ports/events.ts';
import { type Api, conforms, DAY, DAY0, H, iso, MIN, PROBLEM_TYPE, Q, seedMarket, startApi } from './support.ts';

let api: Api;
let trader: string;
let trader2: string;
let finance: string;
/** 20:20 UTC on the fixture day: the 20:00 interval has ended at 20:15, 20:15 is in progress. */
const NOW = DAY0 + 20 * H + 20 * MIN;

beforeAll(async () => {
  api = await startApi();
  await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, () => 25);
  await api.decideHours(DAY0 + 18 * H, DAY0 + 24 * H);
  trader = await api.token('trader', 'desk-1');
  trader2 = await api.token('trader', 'desk-2');
  finance = await api.token('finance', 'fin-1');
}, 60_000);
afterAll(() => api.close());
beforeEach(() => {
  api.clock.now = NOW;
});

const body = (extra: Record<string, unknown> = {}) => ({
  action: 'CURTAIL',
  loadId: 's21',
  from: iso(DAY0 + 19 * H),
  to: iso(DAY0 + 21 * H),
  reason: 'grid stress',
  ...extra,
});

function eventsOf(overrideId: string): DomainEvent[] {
  return api.publisher.events.filter(
    (e) =>
      e.detail.overrideId === overrideId ||
      (e.detailType === 'DecisionRevised' && String(e.detail.runId).startsWith(`override-${overrideId}-`)),
  );
}

async function current(intervalStart: number) {
  const res = await api.call('GET', `/sites/rockdale/decisions?from=${iso(intervalStart)}&to=${iso(intervalStart + Q)}`, {
    token: finance,
  });
  return conforms(DecisionPageSchema, res.body).items[0]!;
}

describe('the override lifecycle', () => {
  it('creates, re-decides the open intervals of the window, cancels, re-decides again — with events and audit records', async () => {
    const events0 = api.publisher.events.length;

    // Create: 19:00–21:00, now 20:20 → the intervals 20:15, 20:30, 20:45 are decided and not over.
    const created = await api.call('POST', '/sites/rockdale/overrides', { token: trader, body: body() });
    expect(created.status).toBe(201);
    const o = conforms(OverrideChangeSchema, created.body);
    expect(o).toMatchObject({
      siteId: 'rockdale',
      loadId: 's21',
      action: 'CURTAIL',
      version: 1,
      status: 'ACTIVE',
      active: true,
      author: 'desk-1',
      from: iso(DAY0 + 19 * H),
      to: iso(DAY0 + 21 * H),
      expiresAt: iso(DAY0 + 21 * H),
      eventsUnsent: 0,
    });
    expect(created.headers.get('etag')).toBe('"1"');
    expect(created.headers.get('location')).toBe(`/overrides/${o.id}`);
    const open = [20 * H + 15 * MIN, 20 * H + 30 * MIN, 20 * H + 45 * MIN].map((t) => iso(DAY0 + t));
    // And the decided intervals after the window (up to 23:45), which start from the state the window now leaves.
    const later = Array.from({ length: 12 }, (_, i) => iso(DAY0 + 21 * H + i * Q));
    expect(o.revisions).toEqual([...open, ...later].map((intervalStart) => ({ siteId: 'rockdale', intervalStart, revision: 2 })));

    const revised = await current(DAY0 + 20 * H + 30 * MIN);
    expect(revised).toMatchObject({ revision: 2, source: 'OVERRIDE', runId: `override-${o.id}-created` });
    expect(revised.allocations.find((a) => a.loadId === 's21')).toMatchObject({ action: 'CURTAIL', mw: 0 });
    expect(revised.allocations.find((a) => a.loadId === 'tenant-a')).toMatchObject({ action: 'SERVE', mw: 15 });
    expect(revised.reasons).toEqual(expect.arrayContaining(['OVERRIDE_CURTAIL', `OVERRIDE:${o.id}`, `OVERRIDE_CREATED:${o.id}`]));
    expect(revised.inputs.overrideIds).toEqual([o.id]);
    // Ended intervals keep their decision.
    expect(await current(DAY0 + 20 * H)).toMatchObject({ revision: 1, source: 'AUTO' });
    expect(await current(DAY0 + 19 * H)).toMatchObject({ revision: 1, source: 'AUTO' });

    const afterCreate = api.publisher.events.slice(events0);
    expect(afterCreate.map((e) => e.detailType)).toEqual(['OverrideCreated', ...o.revisions.map(() => 'DecisionRevised')]);
    // 21:00 is decided again on 20:45's new revision: s21 restarts there.
    const chained = await current(DAY0 + 21 * H);
    expect(chained).toMatchObject({ revision: 2, previousRevision: 2 });
    expect(chained.reasons).toContain('PREVIOUS_REVISED');
    expect(chained.inputs.previous!.s21).toEqual({ mw: 0, since: open[0] });
    expect(afterCreate[0]!.detail).toMatchObject({
      overrideId: o.id,
      siteId: 'rockdale',
      loadId: 's21',
      action: 'CURTAIL',
      author: 'desk-1',
      revisions: o.revisions,
    });
    expect(afterCreate[1]!.detail).toMatchObject({ siteId: 'rockdale', intervalStart: open[0], revision: 2, source: 'OVERRIDE' });

    // Listed, and readable with its version.
    const listed = conforms(OverrideListSchema, (await api.call('GET', '/overrides?siteId=rockdale&active=true', { token: finance })).body);
    expect(listed.items.map((x) => x.id)).toContain(o.id);
    const one = await api.call('GET', `/overrides/${o.id}`, { token: finance });
    expect(one.headers.get('etag')).toBe('"1"');
    conforms(OverrideSchema, one.body);

    // Cancel: without If-Match → 428; with a stale version → 412; with the current one → 200.
    const cancelBody = { reason: 'stress over' };
    const noIfMatch = await api.call('POST', `/overrides/${o.id}/cancel`, { token: trader2, body: cancelBody });
    expect(noIfMatch.status).toBe(428);
    expect(noIfMatch.body).toMatchObject({ errors: [{ path: 'If-Match' }] });
    const stale = await api.call('POST', `/overrides/${o.id}/cancel`, { token: trader2, body: cancelBody, headers: { 'if-match': '"7"' } });
    expect(stale.status).toBe(412);
    expect(stale.headers.get('etag')).toBe('"1"');

    api.clock.now = NOW + 20 * MIN; // 20:40: only 20:30 and 20:45 are still open
    const events1 = api.publisher.events.length;
    const cancelled = await api.call('POST', `/overrides/${o.id}/cancel`, {
      token: trader2,
      body: cancelBody,
      headers: { 'if-match': '"1"' },
    });
    expect(cancelled.status).toBe(200);
    const c = conforms(OverrideChangeSchema, cancelled.body);
    expect(c).toMatchObject({
      id: o.id,
      version: 2,
      status: 'CANCELLED',
      active: false,
      cancelledBy: 'desk-2',
      cancelReason: 'stress over',
    });
    expect(cancelled.headers.get('etag')).toBe('"2"');
    expect(c.revisions).toEqual([...open.slice(1), ...later].map((intervalStart) => ({ siteId: 'rockdale', intervalStart, revision: 3 })));
    const restored = await current(DAY0 + 20 * H + 30 * MIN);
    expect(restored).toMatchObject({ revision: 3, source: 'OVERRIDE' });
    expect(restored.allocations.find((a) => a.loadId === 's21')).toMatchObject({ action: 'RUN', mw: 100 });
    expect(restored.reasons).toContain(`OVERRIDE_CANCELLED:${o.id}`);
    expect(restored.inputs.overrideIds).toEqual([]);
    expect(await current(DAY0 + 20 * H + 15 * MIN)).toMatchObject({ revision: 2 });
    expect(api.publisher.events.slice(events1).map((e) => e.detailType)).toEqual([
      'OverrideCancelled',
      ...c.revisions.map(() => 'DecisionRevised'),
    ]);

    // Every revision of the interval, oldest first.
    const revs = conforms(
      DecisionListSchema,
      (await api.call('GET', `/sites/rockdale/decisions/${open[1]}/revisions`, { token: finance })).body,
    );
    expect(revs.items.map((d) => [d.revision, d.source])).toEqual([
      [1, 'AUTO'],
      [2, 'OVERRIDE'],
      [3, 'OVERRIDE'],
    ]);

    // Cancelling again: already cancelled → 409.
    const again = await api.call('POST', `/overrides/${o.id}/cancel`, { token: trader2, body: cancelBody, headers: { 'if-match': '"2"' } });
    expect(again.status).toBe(409);

    // The audit trail holds both changes: who, when, what, why, before and after.
    const audit = await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}&siteId=rockdale`, { token: finance });
    expect(audit.status).toBe(200);
    const records = conforms(AuditPageSchema, audit.body).items.filter((r) => r.entity.id === o.id);
    expect(records).toEqual([
      {
        id: `override:${o.id}:v000001:OVERRIDE_CREATED`,
        at: iso(NOW),
        actor: 'desk-1',
        action: 'OVERRIDE_CREATED',
        entity: { type: 'override', id: o.id },
        siteId: 'rockdale',
        before: null,
        after: expect.objectContaining({ id: o.id, status: 'ACTIVE', version: 1, action: 'CURTAIL', loadId: 's21' }),
        reason: 'grid stress',
      },
      {
        id: `override:${o.id}:v000002:OVERRIDE_CANCELLED`,
        at: iso(NOW + 20 * MIN),
        actor: 'desk-2',
        action: 'OVERRIDE_CANCELLED',
        entity: { type: 'override', id: o.id },
        siteId: 'rockdale',
        before: expect.objectContaining({ status: 'ACTIVE', version: 1 }),
        after: expect.objectContaining({ status: 'CANCELLED', version: 2, cancelledBy: 'desk-2' }),
        reason: 'stress over',
      },
    ]);
  });

  it('applies a site-wide override to every mining load and leaves the AI tenant served', async () => {
    const res = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ loadId: undefined, from: iso(DAY0 + 23 * H), to: iso(DAY0 + 23 * H + 30 * MIN) }),
    });
    expect(res.status).toBe(201);
    const d = await current(DAY0 + 23 * H);
    expect(d.allocations.map((a) => [a.loadId, a.action, a.mw])).toEqual([
      ['tenant-a', 'SERVE', 15],
      ['s21', 'CURTAIL', 0],
      ['s19', 'CURTAIL', 0],
    ]);
  });

  it('caps one load at capMw', async () => {
    const res = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ action: 'CAP', capMw: 30, loadId: 's19', from: iso(DAY0 + 23 * H + 30 * MIN), to: iso(DAY0 + 24 * H) }),
    });
    expect(res.status).toBe(201);
    expect((await current(DAY0 + 23 * H + 45 * MIN)).allocations.find((a) => a.loadId === 's19')).toMatchObject({
      action: 'PARTIAL',
      mw: 30,
    });
  });

  it('needs acknowledgeObligation to override a grid obligation, and flags the decision when it does', async () => {
    await api.repos.marketData.putGridEvent({
      id: 'dr-1',
      type: 'DR_DEPLOYMENT',
      market: 'ERCOT',
      siteId: 'rockdale',
      mw: 50,
      startMs: DAY0 + 22 * H,
      endMs: DAY0 + 22 * H + 30 * MIN,
    });
    const blocked = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ action: 'RUN', loadId: 's19', from: iso(DAY0 + 22 * H), to: iso(DAY0 + 22 * H + 15 * MIN) }),
    });
    expect(blocked.status).toBe(201);
    const d1 = await current(DAY0 + 22 * H);
    expect(d1.allocations.find((a) => a.loadId === 's19')).toMatchObject({
      action: 'CURTAIL',
      reasons: expect.arrayContaining(['DR_DEPLOYMENT', 'OVERRIDE_BLOCKED_BY_OBLIGATION']),
    });

    const acked = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({
        action: 'RUN',
        loadId: 's19',
        from: iso(DAY0 + 22 * H + 15 * MIN),
        to: iso(DAY0 + 22 * H + 30 * MIN),
        acknowledgeObligation: true,
      }),
    });
    expect(acked.status).toBe(201);
    const d2 = await current(DAY0 + 22 * H + 15 * MIN);
    expect(d2.allocations.find((a) => a.loadId === 's19')).toMatchObject({ action: 'RUN', mw: 60 });
    expect(d2.flags).toContain('OBLIGATION_OVERRIDDEN');
  });

  it('lists overrides across every configured site when no siteId is given, and filters inactive ones', async () => {
    const all = conforms(OverrideListSchema, (await api.call('GET', '/overrides', { token: finance })).body).items;
    const active = conforms(OverrideListSchema, (await api.call('GET', '/overrides?active=true', { token: finance })).body).items;
    const inactive = conforms(OverrideListSchema, (await api.call('GET', '/overrides?active=false', { token: finance })).body).items;
    expect(all.length).toBeGreaterThan(0);
    expect(active.every((o) => o.active)).toBe(true);
    expect(inactive.every((o) => !o.active)).toBe(true);
    expect(active.length + inactive.length).toBe(all.length);
    expect((await api.call('GET', '/overrides?siteId=atlantis', { token: finance })).status).toBe(404);
  });
});

describe('concurrency', () => {
  it('lets exactly one of two concurrent cancels with the same version win; the other gets 412', async () => {
    const audit = async () =>
      conforms(AuditPageSchema, (await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: finance })).body).items;
    for (let round = 0; round < 5; round++) {
      const o = (
        await api.call('POST', '/sites/rockdale/overrides', {
          token: trader,
          body: body({ loadId: 's19', from: iso(DAY0 + 21 * H), to: iso(DAY0 + 21 * H + 30 * MIN) }),
        })
      ).body as { id: string };
      const cancel = (who: string) =>
        api.call('POST', `/overrides/${o.id}/cancel`, { token: who, body: { reason: 'race' }, headers: { 'if-match': '"1"' } });
      const results = await Promise.all([cancel(trader), cancel(trader2)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
      expect(results.find((r) => r.status === 412)!.headers.get('content-type')).toBe(PROBLEM_TYPE);
      expect(eventsOf(o.id).filter((e) => e.detailType === 'OverrideCancelled')).toHaveLength(1);
      expect((await audit()).filter((r) => r.entity.id === o.id).map((r) => r.action)).toEqual(['OVERRIDE_CREATED', 'OVERRIDE_CANCELLED']);
    }
  });

  it('stacks two overrides created at once on the same intervals: revisions without gaps, the last one seeing both', async () => {
    // Each change writes a revision unless the other's revision was already decided with it in view.
    const from = iso(DAY0 + 21 * H + 30 * MIN);
    const to = iso(DAY0 + 22 * H);
    const revisionsOf = async (t: number) =>
      conforms(DecisionListSchema, (await api.call('GET', `/sites/rockdale/decisions/${iso(t)}/revisions`, { token: finance })).body).items;
    const before = await Promise.all([DAY0 + 21 * H + 30 * MIN, DAY0 + 21 * H + 45 * MIN].map(revisionsOf));
    const [a, b] = await Promise.all([
      api.call('POST', '/sites/rockdale/overrides', { token: trader, body: body({ loadId: 's21', from, to }) }),
      api.call('POST', '/sites/rockdale/overrides', { token: trader2, body: body({ action: 'CAP', capMw: 20, loadId: 's19', from, to }) }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const ids = [(a.body as { id: string }).id, (b.body as { id: string }).id];
    for (const [k, t] of [DAY0 + 21 * H + 30 * MIN, DAY0 + 21 * H + 45 * MIN].entries()) {
      const revs = await revisionsOf(t);
      // One re-decision served both, or one each (earlier tests' changes chained into these intervals too).
      expect([1, 2]).toContain(revs.length - before[k]!.length);
      expect(revs.map((d) => d.revision)).toEqual(revs.map((_, i) => i + 1));
      const last = revs[revs.length - 1]!;
      expect([...last.inputs.overridesInForce].sort()).toEqual([...ids].sort());
      expect([...last.inputs.overrideIds].sort()).toEqual([...ids].sort());
      expect(last.allocations.filter((x) => x.kind === 'mining').map((x) => [x.loadId, x.mw])).toEqual([
        ['s21', 0],
        ['s19', 20],
      ]);
    }
  });
});

describe('many overrides at once', () => {
  it('answers every one with 201 (or 409 to retry), never 500, and the current decision sees every override created', async () => {
    const from = iso(DAY0 + 22 * H + 15 * MIN);
    const to = iso(DAY0 + 22 * H + 30 * MIN);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        api.call('POST', '/sites/rockdale/overrides', {
          token: i % 2 ? trader : trader2,
          body: body({ action: 'CAP', capMw: 10 + i, loadId: i % 2 ? 's21' : 's19', from, to, reason: `burst ${i}` }),
        }),
      ),
    );
    expect(results.map((r) => [r.status, JSON.stringify(r.body).slice(0, 200)]).filter(([s]) => s !== 201 && s !== 409)).toEqual([]);
    const created = results.filter((r) => r.status === 201).map((r) => (r.body as { id: string }).id);
    expect(created.length).toBeGreaterThan(0);
    const revs = conforms(
      DecisionListSchema,
      (await api.call('GET', `/sites/rockdale/decisions/${from}/revisions`, { token: finance })).body,
    ).items;
    expect(revs.map((d) => d.revision)).toEqual(revs.map((_, i) => i + 1));
    const current = revs[revs.length - 1]!;
    for (const id of created) expect(current.inputs.overridesInForce).toContain(id);
  });
});

describe('Idempotency-Key', () => {
  const window = { from: iso(DAY0 + 23 * H), to: iso(DAY0 + 23 * H + 15 * MIN) };

  it('replays the same key and body as the same override, without a second change', async () => {
    const req = { token: trader, body: body({ ...window, loadId: 's19', reason: 'idempotent' }), headers: { 'idempotency-key': 'key-1' } };
    const first = await api.call('POST', '/sites/rockdale/overrides', req);
    expect(first.status).toBe(201);
    const id = (first.body as { id: string }).id;
    const events = eventsOf(id).length;
    // Same fields, another spelling of the same instants, another key order.
    const replay = await api.call('POST', '/sites/rockdale/overrides', {
      ...req,
      body: { reason: 'idempotent', to: window.to.replace('.000Z', 'Z'), from: window.from, loadId: 's19', action: 'CURTAIL' },
    });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(eventsOf(id)).toHaveLength(events);
    const listed = conforms(OverrideListSchema, (await api.call('GET', '/overrides?siteId=rockdale', { token: trader })).body).items;
    expect(listed.filter((o) => o.reason === 'idempotent')).toHaveLength(1);
  });

  it('refuses the same key with a different body (422 naming the key)', async () => {
    await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ ...window, reason: 'first use' }),
      headers: { 'idempotency-key': 'key-2' },
    });
    const res = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ ...window, reason: 'second use' }),
      headers: { 'idempotency-key': 'key-2' },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ errors: [{ path: 'Idempotency-Key' }] });
  });

  it('creates one override for two concurrent requests with one key', async () => {
    const req = () =>
      api.call('POST', '/sites/rockdale/overrides', {
        token: trader,
        body: body({ ...window, reason: 'concurrent key' }),
        headers: { 'idempotency-key': 'key-3' },
      });
    const results = await Promise.all([req(), req()]);
    for (const r of results) expect([201, 409]).toContain(r.status);
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => (r.body as { id: string }).id));
    expect(ids.size).toBe(1);
    const listed = conforms(OverrideListSchema, (await api.call('GET', '/overrides?siteId=rockdale', { token: trader })).body).items;
    expect(listed.filter((o) => o.reason === 'concurrent key')).toHaveLength(1);
  });

  it('scopes keys to the caller: another trader’s key of the same name is another request', async () => {
    const a = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: body({ ...window, reason: 'scoped' }),
      headers: { 'idempotency-key': 'key-4' },
    });
    const b = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader2,
      body: body({ ...window, reason: 'scoped' }),
      headers: { 'idempotency-key': 'key-4' },
    });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((a.body as { id: string }).id).not.toBe((b.body as { id: string }).id);
  });

  it('replays the first answer even after the override has changed since', async () => {
    const req = { token: trader, body: body({ ...window, reason: 'replayed after a cancel' }), headers: { 'idempotency-key': 'key-5' } };
    const first = await api.call('POST', '/sites/rockdale/overrides', req);
    const id = (first.body as { id: string }).id;
    const ifMatch = { 'if-match': '"1"' };
    const cancel = await api.call('POST', `/overrides/${id}/cancel`, { token: trader, body: { reason: 'changed' }, headers: ifMatch });
    expect(cancel.status).toBe(200);
    const replay = await api.call('POST', '/sites/rockdale/overrides', req);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('leaves the key of a request refused as invalid free for the corrected request', async () => {
    const headers = { 'idempotency-key': 'key-6' };
    const post = (extra: Record<string, unknown>) =>
      api.call('POST', '/sites/rockdale/overrides', { token: trader, body: body({ ...window, ...extra }), headers });
    const refused = await post({ action: 'CAP', reason: 'cap' });
    expect(refused.status).toBe(400);
    const corrected = await post({ action: 'CAP', capMw: 20, reason: 'cap' });
    expect(corrected.status).toBe(201);
    expect(corrected.headers.get('idempotent-replayed')).toBeNull();
  });
});

describe('bad requests', () => {
  const post = (opts: Parameters<Api['call']>[2]) => api.call('POST', '/sites/rockdale/overrides', { token: trader, ...opts });

  it.each([
    ['malformed JSON', { rawBody: '{"action": "CURTAIL",', headers: { 'content-type': 'application/json' } }, 400, 'body'],
    ['an empty body', { headers: { 'content-type': 'application/json' } }, 400, 'body'],
    ['an empty object', { body: {} }, 400, 'action'],
    ['a JSON array', { body: [1, 2] }, 400, 'body'],
    ['an unknown action', { body: body({ action: 'STOP' }) }, 400, 'action'],
    ['capMw as text', { body: body({ action: 'CAP', capMw: 'ten' }) }, 400, 'capMw'],
    ['from that is not an instant', { body: body({ from: 'tomorrow' }) }, 400, 'from'],
    ['from after to', { body: body({ from: iso(DAY0 + 22 * H), to: iso(DAY0 + 21 * H) }) }, 400, 'to'],
    ['from equal to to', { body: body({ from: iso(DAY0 + 22 * H), to: iso(DAY0 + 22 * H) }) }, 400, 'to'],
    ['a window that has ended', { body: body({ from: iso(DAY0 + 18 * H), to: iso(DAY0 + 19 * H) }) }, 400, 'to'],
    ['an unknown load', { body: body({ loadId: 'antminer-9000' }) }, 400, 'loadId'],
    ['a window reaching to 2099', { body: body({ to: '2099-01-01T00:00:00Z' }) }, 400, 'to'],
    ['RUN on an AI load', { body: body({ action: 'RUN', loadId: 'tenant-a' }) }, 400, 'action'],
    ['CAP without capMw', { body: body({ action: 'CAP' }) }, 400, 'capMw'],
    ['capMw with RUN', { body: body({ action: 'RUN', capMw: 5 }) }, 400, 'capMw'],
    ['capMw above the load', { body: body({ action: 'CAP', capMw: 61, loadId: 's19' }) }, 400, 'capMw'],
    ['a blank reason', { body: body({ reason: '   ' }) }, 400, 'reason'],
    ['no reason', { body: body({ reason: undefined }) }, 400, 'reason'],
    ['an unknown field', { body: body({ capMW: 5 }) }, 400, 'capMW'],
    ['a wrong content type', { rawBody: JSON.stringify(body()), headers: { 'content-type': 'text/plain' } }, 415, 'content-type'],
    ['an oversized body', { body: body({ reason: 'x'.repeat(70_000) }) }, 413, 'body'],
    ['an over-long Idempotency-Key', { body: body(), headers: { 'idempotency-key': 'k'.repeat(300) } }, 400, 'idempotency-key'],
  ] as const)('answers %s with a problem naming the field', async (_what, opts, status, field) => {
    const res = await post(opts as Parameters<Api['call']>[2]);
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    const problem = conforms(ProblemSchema, res.body);
    expect(problem).toMatchObject({ status, type: 'about:blank' });
    expect(problem.errors!.map((e) => e.path)).toContain(field);
    expect(problem.detail).toContain(field);
  });

  it('speaks of a well-formed body that fails validation as the body, not as JSON', async () => {
    const problem = conforms(ProblemSchema, (await post({ body: body({ action: 'STOP' }) })).body);
    expect(problem.detail).toMatch(/^invalid body: action: /);
  });

  it('answers an unknown site with 404 naming siteId, and writes nothing', async () => {
    const before = api.publisher.events.length;
    const res = await api.call('POST', '/sites/atlantis/overrides', { token: trader, body: body() });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errors: [{ path: 'siteId' }] });
    expect(api.publisher.events.length).toBe(before);
  });

  it('answers a malformed If-Match with 400, an unknown override with 404', async () => {
    const o = (
      await api.call('POST', '/sites/rockdale/overrides', {
        token: trader,
        body: body({ from: iso(DAY0 + 23 * H), to: iso(DAY0 + 24 * H) }),
      })
    ).body as { id: string };
    const bad = await api.call('POST', `/overrides/${o.id}/cancel`, {
      token: trader,
      body: { reason: 'x' },
      headers: { 'if-match': 'latest' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: 'If-Match' }] });
    const missing = await api.call('POST', '/overrides/ovr-nope/cancel', {
      token: trader,
      body: { reason: 'x' },
      headers: { 'if-match': '"1"' },
    });
    expect(missing.status).toBe(404);
    const noReason = await api.call('POST', `/overrides/${o.id}/cancel`, { token: trader, body: {}, headers: { 'if-match': '"1"' } });
    expect(noReason.status).toBe(400);
    expect(noReason.body).toMatchObject({ errors: [{ path: 'reason' }] });
  });
});

describe('the audit trail', () => {
  it('cannot be changed through the API: no route writes, replaces or deletes records', async () => {
    const admin = await api.token('admin', 'root');
    const before = (await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: admin })).text;
    const first = (JSON.parse(before) as { items: { id: string }[] }).items[0]!;
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      for (const path of ['/audit', `/audit/${encodeURIComponent(first.id)}`]) {
        const res = await api.call(method, path, { token: admin, body: { reason: 'tamper' } });
        // /audit is read-only (405, Allow: GET); a record has no route of its own (404).
        expect(res.status, `${method} ${path}`).toBe(path === '/audit' ? 405 : 404);
      }
    }
    expect((await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`, { token: admin })).text).toBe(before);
    const doc = (await api.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const auditOps = Object.entries(doc.paths)
      .filter(([p]) => p.startsWith('/audit'))
      .flatMap(([, item]) => Object.keys(item));
    expect(auditOps).toEqual(['get']);
  });

  it('pages through records with nextToken and refuses a range over a year', async () => {
    const page1 = conforms(
      AuditPageSchema,
      (await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}&limit=2`, { token: finance })).body,
    );
    expect(page1.items).toHaveLength(2);
    expect(page1.nextToken).toBeDefined();
    const page2 = conforms(
      AuditPageSchema,
      (await api.call('GET', `/audit?from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}&limit=2&nextToken=${page1.nextToken}`, { token: finance }))
        .body,
    );
    expect(page2.items[0]!.at >= page1.items[1]!.at).toBe(true);
    expect(page2.items[0]!.id).not.toBe(page1.items[1]!.id);
    const wide = await api.call('GET', `/audit?from=${iso(DAY0 - 400 * DAY)}&to=${iso(DAY0)}`, { token: finance });
    expect(wide.status).toBe(400);
    expect(wide.body).toMatchObject({ errors: [{ path: 'to' }] });
  });
});

describe('a store that cannot be reached', () => {
  let down: Api;
  beforeAll(async () => {
    // Nothing listens on port 1: the SDK's connection is refused, as when the store is down.
    const unreachable = dynamoRepositories(dynamoClient('http://127.0.0.1:1', { maxAttempts: 1 }), 'unreachable');
    down = await startApi({ deps: { overrides: unreachable.overrides } });
  });
  afterAll(() => down.close());

  it('answers 503 with Retry-After, saying nothing about where the store is', async () => {
    const res = await down.call('GET', '/overrides/ovr-1', { token: await down.token('trader') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    expect(conforms(ProblemSchema, res.body)).toEqual({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: 'a service this depends on is unavailable; retry shortly',
    });
    expect(res.text).not.toContain('127.0.0.1');
  });
});
