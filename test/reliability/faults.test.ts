/**
 * Faults through loopback proxies: DynamoDB throttling, 5xx and dropped connections; EventBridge
 * outages and partial failures; feeds that hang or answer garbage. Each gives a clear error or a
 * flagged fail-safe, and the stored records and the outbox never lose or falsify a decision.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import * as z from 'zod';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import { EventBridgePublisher } from '#adapters/eventbridge.ts';
import { FeedError, requestJson } from '#adapters/feeds/http.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { OutboxPublisher } from '#app/outbox.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { Decision } from '#domain/decision.ts';
import type { EventPublisher } from '#ports/events.ts';
import { silentLogger } from '#ports/logger.ts';
import { freshTable } from '../support/dynamo.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';
import { type FaultKind, type FaultyDynamoProxy, startFaultyDynamoProxy } from '../support/faulty-dynamo-proxy.ts';
import { FUZZ_SITES, type FuzzApp, startFuzzApp } from '../support/fuzz-app.ts';
import { random } from '../support/openapi-fuzz.ts';

const H = 3_600_000;
const DAY_MS = Date.parse('2024-07-15T00:00:00Z');
const HOURS = [16, 17, 18].map((h) => DAY_MS + h * H);

let proxy: FaultyDynamoProxy;
beforeAll(async () => {
  const r = random(99);
  proxy = await startFaultyDynamoProxy(inject('dynamoEndpoint'), r.next);
});
afterEach(() => {
  proxy.fault = null;
});
afterAll(() => proxy.close());

/** Current decisions of every site for the hours, by site#interval, with every revision kept. */
async function stored(repos: Repositories): Promise<Map<string, Decision[]>> {
  const out = new Map<string, Decision[]>();
  for (const s of FUZZ_SITES) {
    const page = await repos.decisions.bySite(s.id, HOURS[0]!, HOURS.at(-1)! + H, { limit: 1000 });
    for (const d of page.items) out.set(`${s.id}#${d.intervalStart}`, await repos.decisions.revisions(s.id, d.intervalStart));
  }
  return out;
}

/** What a decision decided (not when or by which run). */
const decided = (d: Decision) => ({ revision: d.revision, allocations: d.allocations, flags: d.flags, source: d.source });

describe('the API over a failing DynamoDB', () => {
  let app: FuzzApp;
  beforeAll(async () => {
    app = await startFuzzApp(proxy.endpoint);
  }, 60_000);
  afterAll(() => app.close());

  const cases: [FaultKind, number][] = [
    ['throttle', 429],
    ['5xx', 503],
    ['reset', 503],
  ];
  it.each(cases)(
    'answers %s from the store with %i problem+json and Retry-After, never 500',
    async (kind, status) => {
      proxy.fault = { kind };
      const before = proxy.injected[kind];
      const res = await app.fetch(
        new Request('http://t/sites/rockdale/decisions?from=2024-07-15T16:00:00Z&to=2024-07-15T18:00:00Z', {
          headers: { authorization: `Bearer ${app.trader}` },
        }),
      );
      expect(proxy.injected[kind]).toBeGreaterThan(before);
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      proxy.fault = null;
      const health = await app.fetch(new Request('http://t/health'));
      expect(health.status).not.toBe(503);
    },
    30_000,
  );

  it('reports the store down on /health (503, Retry-After) while every request to it fails', async () => {
    proxy.fault = { kind: '5xx' };
    const res = await app.fetch(new Request('http://t/health'));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ status: 'down', parts: { store: { status: 'down' } } });
  }, 30_000);
});

describe('runs over a flaky DynamoDB', () => {
  it('either fail with a clear error or store exactly the decisions of a clean run: none lost, duplicated or different', async () => {
    const clean = await freshTable();
    const flakyTable = await freshTable();
    const flaky = dynamoRepositories(dynamoClient(proxy.endpoint, { maxAttempts: 3 }), flakyTable.tableName);
    const clock = { nowMs: () => HOURS.at(-1)! + 60_000 };
    for (const t of [clean, flakyTable]) await seed(t.repos);
    const engine = (repos: Repositories) =>
      runDeps({ sites: FUZZ_SITES, repos, publisher: new MemoryEventPublisher(), clock, log: silentLogger });
    for (const h of HOURS) await runInterval(engine(clean.repos), { atMs: h, trigger: 'test' });

    // Each hour is run again until it succeeds, in order (as the scheduler's catch-up does), under every kind of fault.
    const errors: string[] = [];
    const kinds = ['throttle', '5xx', 'reset'] as const;
    for (const [i, h] of HOURS.entries()) {
      for (let attempt = 0; ; attempt++) {
        proxy.fault = attempt < 20 ? { kind: kinds[(i + attempt) % 3]!, rate: 0.35 } : null;
        // A site that failed makes the run PARTIAL (or FAILED) and names the error in the run record: that is the clear error.
        const ok = await runInterval(engine(flaky), { atMs: h, trigger: 'test' }).then(
          (s) => {
            for (const r of s.runs) if (r.status !== 'SUCCEEDED') errors.push(`${r.status}: ${JSON.stringify(r.errors ?? [])}`);
            return s.runs.every((r) => r.status === 'SUCCEEDED');
          },
          (e: Error) => errors.push(`${e.name}: ${e.message}`) < 0,
        );
        if (ok) break;
      }
    }
    proxy.fault = null;
    // And once more without faults: a run over hours already decided writes nothing new.
    for (const h of HOURS) expect((await runInterval(engine(flaky), { atMs: h, trigger: 'test' })).decisionsWritten).toBe(0);

    expect(proxy.injected.throttle + proxy.injected['5xx'] + proxy.injected.reset).toBeGreaterThan(20);
    for (const e of errors) expect(e).not.toMatch(/undefined|\[object/);
    const want = await stored(clean.repos);
    const got = await stored(flakyTable.repos);
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [key, revs] of want) {
      expect(got.get(key)!.map(decided), key).toEqual(revs.map(decided));
    }
  }, 120_000);
});

describe('runs while EventBridge fails', () => {
  let bus: EventBridgeServer;
  let client: EventBridgeClient;
  beforeAll(async () => {
    bus = await startEventBridgeServer();
    client = new EventBridgeClient({
      region: 'us-east-1',
      endpoint: bus.endpoint,
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    client.destroy();
    await bus.close();
  });

  it('keeps every decision event through an outage and partial failures, and sends each once it recovers', async () => {
    const t = await freshTable();
    await seed(t.repos);
    const clock = { nowMs: () => HOURS.at(-1)! + 60_000 };
    const publisher: EventPublisher = new OutboxPublisher(
      new EventBridgePublisher({ client, busName: 'switchyard', maxAttempts: 2, baseDelayMs: 1, sleep: async () => {} }),
      t.repos.outbox,
      silentLogger,
    );
    const deps = runDeps({ sites: FUZZ_SITES, repos: t.repos, publisher, clock, log: silentLogger });

    // An outage: the first requests fail outright, then every entry fails; later only rockdale's decisions fail.
    let failing: 'all' | 'rockdale' | 'none' = 'all';
    bus.failNext({ request: 'internal-error', times: 3 });
    bus.failNext({
      entries: (e) => failing === 'all' || (failing === 'rockdale' && e.detailType === 'DecisionMade' && e.detail.siteId === 'rockdale'),
      // Each matched entry fails both sends of the publish that first sees it (maxAttempts 2), then goes through.
      times: 2,
      errorCode: 'InternalFailure',
    });
    const outage = await runInterval(deps, { atMs: HOURS[0]!, trigger: 'test' });
    expect(outage.eventsFailed).toBeGreaterThan(0);
    expect(bus.events).toEqual([]);
    failing = 'rockdale';
    const partial = await runInterval(deps, { atMs: HOURS[1]!, trigger: 'test' });
    expect(partial.eventsFailed).toBeGreaterThan(0);
    expect(partial.eventsSent).toBeGreaterThan(0);
    expect((await t.repos.decisions.unpublished(1000)).length).toBeGreaterThan(0);

    failing = 'none';
    await runInterval(deps, { atMs: HOURS[2]!, trigger: 'test' });

    const all = [...(await stored(t.repos)).values()].flat();
    expect(all.length).toBeGreaterThan(0);
    expect((await t.repos.decisions.unpublished(1000)).map((d) => `${d.siteId} ${d.intervalStart} ${d.revision} ${d.published}`)).toEqual(
      [],
    );
    const delivered = bus.events.filter((e) => e.detailType === 'DecisionMade').map((e) => e.detail);
    for (const d of all) {
      const mine = delivered.filter((x) => x.siteId === d.siteId && x.intervalStart === d.intervalStart && x.revision === d.revision);
      expect(mine.length, `${d.siteId} ${d.intervalStart}`).toBeGreaterThan(0);
    }
    expect(await t.repos.outbox.pending(100)).toEqual([]);
  }, 60_000);
});

describe('feeds that hang or answer garbage', () => {
  let server: Server;
  let url: URL;
  let mode: 'hang' | 'garbage' | 'html' = 'hang';
  beforeAll(async () => {
    server = createServer((_req, res) => {
      if (mode === 'hang') return; // never answers
      if (mode === 'html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ price: 'NaN', interval: null }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/prices`);
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });
  const schema = z.object({ price: z.number(), interval: z.string() });
  const opts = { timeoutMs: 200, maxAttempts: 2, baseDelayMs: 1, sleep: async () => {} };

  it('a feed that never answers fails with a FeedError naming the feed, within its timeouts', async () => {
    mode = 'hang';
    const started = Date.now();
    const err = await requestJson({ feed: 'TEST PRICES', url, schema }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toMatch(/TEST PRICES/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it.each(['garbage', 'html'] as const)('a feed answering %s fails with a FeedError naming what is wrong', async (m) => {
    mode = m;
    const err = await requestJson({ feed: 'TEST PRICES', url, schema }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toMatch(m === 'garbage' ? /price/ : /JSON|json/);
  });

  it('with no fresh price stored the run decides fail-safe and flags it, rather than using an old price', async () => {
    const t = await freshTable();
    await seed(t.repos);
    // Six hours after the last stored price: the feed has been failing since.
    const at = DAY_MS + 24 * H + 6 * H;
    const deps = runDeps({
      sites: FUZZ_SITES,
      repos: t.repos,
      publisher: new MemoryEventPublisher(),
      clock: { nowMs: () => at + 60_000 },
      log: silentLogger,
    });
    await runInterval(deps, { atMs: at, trigger: 'test' });
    const d = await t.repos.decisions.bySite('rockdale', at, at + H, { limit: 10 });
    expect(d.items.length).toBeGreaterThan(0);
    for (const x of d.items) {
      expect(x.flags.join(' ')).toMatch(/STALE|FAIL_SAFE|NO_PRICE/);
      expect(x.allocations.flatMap((a) => a.reasons).join(' ')).toMatch(/FAIL_SAFE|STALE/);
    }
  });
});

async function seed(repos: Repositories): Promise<void> {
  const prices = [];
  for (let t = DAY_MS - H; t < DAY_MS + 24 * H; t += 15 * 60_000) {
    prices.push({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT' as const,
      intervalStartMs: t,
      intervalMinutes: 15,
      priceUsdPerMwh: 20 + ((t / H) % 24) * 4,
    });
  }
  for (let t = DAY_MS; t < DAY_MS + 24 * H; t += H)
    prices.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA' as const, intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh: 35 });
  await repos.marketData.putPrices(prices);
  await repos.marketData.putHashprices(
    ['2024-07-13', '2024-07-14', '2024-07-15'].map((date) => ({ date, usdPerPhDay: 50, source: 'test' })),
  );
}
