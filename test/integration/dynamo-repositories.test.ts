import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoDecisionRepository } from '#adapters/dynamo/decisions.ts';
import { batchPut } from '#adapters/dynamo/io.ts';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { documentClient, dynamoClient } from '#adapters/dynamo/table.ts';
import type { Decision } from '#domain/decision.ts';
import { ConflictError, ValidationError } from '#domain/errors.ts';
import { storedDecision } from '../support/decisions.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { startUnprocessedProxy } from '../support/unprocessed-proxy.ts';

const T = Date.parse('2024-07-15T00:00:00Z');
const Q = 15 * 60_000;

const decision = storedDecision;

/** The names of the commands a client sends from now on, in order (the list is the caller's to clear). */
function commandsSent(client: DynamoDBClient): string[] {
  const calls: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize' },
  );
  return calls;
}

describe('decisions in DynamoDB', () => {
  let t: TestTable;
  beforeAll(async () => {
    t = await freshTable();
  });

  it('writes a (site, interval, revision) once: a second write leaves the first in place', async () => {
    const first = decision('once', 0);
    expect(await t.repos.decisions.record(first)).toBe('written');
    expect(await t.repos.decisions.record({ ...first, runId: 'intruder', reasons: ['ECONOMIC_CURTAIL'] })).toBe('exists');
    expect(await t.repos.decisions.current('once', first.intervalStart)).toMatchObject({ runId: 'run-1', reasons: ['ECONOMIC_RUN'] });
  });

  it('keeps every revision and reads the highest as current, whatever order they land in', async () => {
    const d1 = decision('revs', 0, 1);
    const d3 = decision('revs', 0, 3, { reasons: ['OVERRIDE_CURTAIL'] });
    const d2 = decision('revs', 0, 2);
    for (const d of [d1, d3, d2]) await t.repos.decisions.record(d);
    expect((await t.repos.decisions.revisions('revs', d1.intervalStart)).map((d) => d.revision)).toEqual([1, 2, 3]);
    expect(await t.repos.decisions.current('revs', d1.intervalStart)).toMatchObject({ revision: 3, reasons: ['OVERRIDE_CURTAIL'] });
  });

  it('reads a site’s range page by page with opaque tokens, current revisions only', async () => {
    for (let i = 0; i < 10; i++) await t.repos.decisions.record(decision('paged', i));
    await t.repos.decisions.record(decision('paged', 4, 2));
    const seen: Decision[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await t.repos.decisions.bySite('paged', T, T + 10 * Q, { limit: 3, ...(token ? { nextToken: token } : {}) });
      seen.push(...page.items);
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(4);
    expect(seen.map((d) => d.intervalStart)).toEqual(Array.from({ length: 10 }, (_, i) => new Date(T + i * Q).toISOString()));
    expect(seen[4]!.revision).toBe(2);
    // [from, to) excludes `to`.
    expect((await t.repos.decisions.bySite('paged', T + Q, T + 3 * Q)).items).toHaveLength(2);
  });

  it('filters a range by source and by reason', async () => {
    await t.repos.decisions.record(decision('filters', 0));
    await t.repos.decisions.record(decision('filters', 1, 1, { reasons: ['ECONOMIC_CURTAIL'] }));
    await t.repos.decisions.record(decision('filters', 2, 2));
    const byReason = await t.repos.decisions.bySite('filters', T, T + 3 * Q, { reason: 'ECONOMIC_CURTAIL' } as never);
    expect(byReason.items.map((d) => d.intervalStart)).toEqual([new Date(T + Q).toISOString()]);
    const bySource = await t.repos.decisions.bySite('filters', T, T + 3 * Q, { source: 'OVERRIDE' } as never);
    expect(bySource.items.map((d) => d.revision)).toEqual([2]);
  });

  it('reads one UTC day across sites', async () => {
    const other = await freshTable();
    await other.repos.decisions.record(decision('a', 1));
    await other.repos.decisions.record(decision('b', 1));
    await other.repos.decisions.record(decision('a', 96)); // the next day
    const day = await other.repos.decisions.byDay('2024-07-15');
    expect(day.items.map((d) => d.siteId)).toEqual(['a', 'b']);
  });

  it('tracks which events were sent', async () => {
    const fresh = await freshTable();
    await fresh.repos.decisions.record(decision('pub', 0));
    await fresh.repos.decisions.record(decision('pub', 1));
    expect((await fresh.repos.decisions.unpublished(10)).length).toBe(2);
    const [first] = await fresh.repos.decisions.revisions('pub', new Date(T).toISOString());
    await fresh.repos.decisions.markRevisionsPublished([first!]);
    await fresh.repos.decisions.makeCurrent([{ ...first!, published: true }]);
    const left = await fresh.repos.decisions.unpublished(10);
    expect(left.map((d) => d.intervalStart)).toEqual([new Date(T + Q).toISOString()]);
    expect((await fresh.repos.decisions.current('pub', new Date(T).toISOString()))!.published).toBe(true);
  });

  it('shows a revision another process sent as sent, and reads a sent one from memory after that', async () => {
    const fresh = await freshTable();
    const other = new DynamoDecisionRepository(fresh.client, fresh.tableName);
    const calls = commandsSent(fresh.client);
    await fresh.repos.decisions.record(decision('sent-elsewhere', 0));
    const page = () => fresh.repos.decisions.bySite('sent-elsewhere', T, T + Q).then((p) => p.items.map((d) => d.published));
    expect(await page()).toEqual([false]);
    // Another process (the run that published it) marks it sent; this one only ever read it unsent.
    await other.markRevisionsPublished(await other.revisions('sent-elsewhere', new Date(T).toISOString()));
    calls.length = 0;
    // Its pointers did not change (the site's version item says so): only the unsent revision is read again.
    expect(await page()).toEqual([true]);
    expect(calls).toEqual(['GetItemCommand', 'BatchGetItemCommand']);
    // Sent is for good: the next read takes it from memory.
    calls.length = 0;
    expect(await page()).toEqual([true]);
    expect(calls).toEqual(['GetItemCommand']);
  });

  it('answers a site page from memory until a pointer of the site changes, in this process or another', async () => {
    const fresh = await freshTable();
    const other = new DynamoDecisionRepository(fresh.client, fresh.tableName);
    const calls = commandsSent(fresh.client);
    for (let i = 0; i < 3; i++) await fresh.repos.decisions.record(decision('versioned', i, 1, { published: true }));
    const revisions = () => fresh.repos.decisions.bySite('versioned', T, T + 3 * Q).then((p) => p.items.map((d) => d.revision));
    expect(await revisions()).toEqual([1, 1, 1]);
    calls.length = 0;
    expect(await revisions()).toEqual([1, 1, 1]);
    expect(calls).toEqual(['GetItemCommand']);
    // Another process (a Lambda beside this one) records revision 2 of the second interval.
    await other.record(decision('versioned', 1, 2, { published: true }));
    calls.length = 0;
    expect(await revisions()).toEqual([1, 2, 1]);
    expect(calls).toEqual(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand']);
    // Another site's change leaves this site's page in memory.
    await other.record(decision('elsewhere', 0, 1, { published: true }));
    calls.length = 0;
    expect(await revisions()).toEqual([1, 2, 1]);
    expect(calls).toEqual(['GetItemCommand']);
  });

  it('reads a range larger than its revision cache: what it read is returned, not looked up again', async () => {
    for (let i = 0; i < 5; i++) await t.repos.decisions.record(decision('small-cache', i));
    await t.repos.decisions.markRevisionsPublished((await t.repos.decisions.bySite('small-cache', T, T + 5 * Q)).items);
    const small = new DynamoDecisionRepository(t.client, t.tableName, { revisionsCached: 2 });
    for (let round = 0; round < 2; round++) {
      const page = await small.bySite('small-cache', T, T + 5 * Q);
      expect(page.items.map((d) => d.intervalStart)).toEqual([0, 1, 2, 3, 4].map((i) => new Date(T + i * Q).toISOString()));
    }
  });

  it('rejects a page token it did not issue', async () => {
    await expect(t.repos.decisions.bySite('paged', T, T + Q, { nextToken: 'not-a-token' })).rejects.toBeInstanceOf(ValidationError);
    const foreign = Buffer.from(JSON.stringify({ pk: 'SITE#other', sk: 'x' })).toString('base64url');
    await expect(t.repos.decisions.bySite('paged', T, T + Q, { nextToken: foreign })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('overrides in DynamoDB', () => {
  it('cancels with the expected version once; a stale version conflicts', async () => {
    const t = await freshTable();
    const o = {
      id: 'ov1',
      siteId: 's',
      action: 'CURTAIL' as const,
      fromMs: T,
      toMs: T + 4 * Q,
      reason: 'r',
      author: 'a',
      acknowledgeObligation: false,
      createdAtMs: T,
      version: 1,
      status: 'ACTIVE' as const,
      expiresAtMs: T + 4 * Q,
    };
    await t.repos.overrides.create(o);
    await expect(t.repos.overrides.create(o)).rejects.toBeInstanceOf(ConflictError);
    expect((await t.repos.overrides.activeFor('s', T + Q, T + 2 * Q)).map((x) => x.id)).toEqual(['ov1']);
    expect(await t.repos.overrides.activeFor('s', T + 4 * Q, T + 5 * Q)).toEqual([]);
    const results = await Promise.allSettled([
      t.repos.overrides.cancel('ov1', 1, 'x', 'r', T),
      t.repos.overrides.cancel('ov1', 1, 'y', 'r', T),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect(await t.repos.overrides.get('ov1')).toMatchObject({ status: 'CANCELLED', version: 2 });
    expect(await t.repos.overrides.activeFor('s', T, T + 4 * Q)).toEqual([]);
  });

  it('reads only the overrides in force: the ones cancelled before stay listed but are not read again', async () => {
    const t = await freshTable();
    const scanned: number[] = [];
    t.client.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        const count = (out.output as { ScannedCount?: number }).ScannedCount;
        if (count !== undefined) scanned.push(count);
        return out;
      },
      { step: 'initialize' },
    );
    const base = { siteId: 's', action: 'CURTAIL' as const, reason: 'r', author: 'a', acknowledgeObligation: false, createdAtMs: T };
    for (let i = 0; i < 30; i++) {
      const window = { fromMs: T, toMs: T + 4 * Q, expiresAtMs: T + 4 * Q };
      await t.repos.overrides.create({ ...base, ...window, id: `ov${i}`, version: 1, status: 'ACTIVE' });
      if (i >= 3) await t.repos.overrides.cancel(`ov${i}`, 1, 'x', 'withdrawn', T);
    }
    scanned.length = 0;
    const active = await t.repos.overrides.activeFor('s', T + Q, T + 2 * Q);
    expect(active.map((o) => o.id).sort()).toEqual(['ov0', 'ov1', 'ov2']);
    // The 27 cancelled ones are not even read by the range of those in force.
    expect(scanned).toEqual([3]);
    const all = await t.repos.overrides.list({ siteId: 's', nowMs: T });
    expect(all).toHaveLength(30);
    expect(all.filter((o) => o.status === 'CANCELLED')).toHaveLength(27);
    expect(await t.repos.overrides.list({ siteId: 's', active: true, nowMs: T })).toHaveLength(3);
  });
});

describe('market data in DynamoDB', () => {
  it('upserts prices idempotently and answers range and latest queries', async () => {
    const t = await freshTable();
    const points = Array.from({ length: 60 }, (_, i) => ({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT' as const,
      intervalStartMs: T + i * Q,
      intervalMinutes: 15,
      priceUsdPerMwh: i - 10,
    }));
    await t.repos.marketData.putPrices(points);
    await t.repos.marketData.putPrices(points);
    const got = await t.repos.marketData.getPrices('ERCOT', 'HB_HUBAVG', 'RT', T, T + 60 * Q);
    expect(got).toEqual(points);
    expect((await t.repos.marketData.latestPrice('ERCOT', 'HB_HUBAVG', 'RT', T + 10 * Q))!.priceUsdPerMwh).toBe(-1);
    expect(await t.repos.marketData.latestPrice('ERCOT', 'HB_HUBAVG', 'DA', T + 10 * Q)).toBeNull();
  });

  it('answers a view’s repeated reads from memory until something is written, then reads the table again', async () => {
    const t = await freshTable();
    const calls = commandsSent(t.client);
    const price = (v: number) => ({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT' as const,
      intervalStartMs: T,
      intervalMinutes: 15,
      priceUsdPerMwh: v,
    });
    await t.repos.marketData.putPrices([price(30)]);
    const read = (view: NonNullable<ReturnType<NonNullable<typeof t.repos.marketData.view>>>) =>
      Promise.all([view.getPrices('ERCOT', 'HB_HUBAVG', 'RT', T, T + Q), view.latestHashprice('2024-07-15')]);

    calls.length = 0;
    const [first] = await read(t.repos.marketData.view!());
    expect(first.map((p) => p.priceUsdPerMwh)).toEqual([30]);
    expect(calls.sort()).toEqual(['GetItemCommand', 'QueryCommand', 'QueryCommand']);

    // Nothing written since: the version alone is read.
    calls.length = 0;
    const [again] = await read(t.repos.marketData.view!());
    expect(again).toBe(first);
    expect(calls).toEqual(['GetItemCommand']);
    expect(Object.isFrozen(again[0])).toBe(true);

    // A correction is written: the next view reads the prices again and sees it.
    await t.repos.marketData.putPrices([price(250)]);
    calls.length = 0;
    const [corrected] = await read(t.repos.marketData.view!());
    expect(corrected.map((p) => p.priceUsdPerMwh)).toEqual([250]);
    expect(calls.sort()).toEqual(['GetItemCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('keeps the newest hashprice on or before a day', async () => {
    const t = await freshTable();
    await t.repos.marketData.putHashprices([
      { date: '2024-07-10', usdPerPhDay: 48, source: 'btc-network-csv' },
      { date: '2024-07-12', usdPerPhDay: 51, source: 'mempool' },
    ]);
    expect(await t.repos.marketData.latestHashprice('2024-07-11')).toEqual({
      date: '2024-07-10',
      usdPerPhDay: 48,
      source: 'btc-network-csv',
    });
    expect((await t.repos.marketData.getHashprices('2024-07-01', '2024-07-31')).length).toBe(2);
  });

  it('retries UnprocessedItems until every item is written', async () => {
    const t = await freshTable();
    const proxy = await startUnprocessedProxy(t.endpoint, { times: 3, keep: 10 });
    try {
      const repo = new DynamoMarketDataRepository(dynamoClient(proxy.endpoint), t.tableName);
      const points = Array.from({ length: 25 }, (_, i) => ({
        market: 'ERCOT',
        node: 'X',
        kind: 'DA' as const,
        intervalStartMs: T + i * 3_600_000,
        intervalMinutes: 60,
        priceUsdPerMwh: i,
      }));
      await repo.putPrices(points);
      // 25 → 10 kept, 15 unprocessed → 10 kept, 5 unprocessed → 5 (3rd cut does not apply: ≤ keep).
      expect(proxy.batchSizes).toEqual([25, 15, 5]);
      expect(await t.repos.marketData.getPrices('ERCOT', 'X', 'DA', T, T + 25 * 3_600_000)).toHaveLength(25);
    } finally {
      await proxy.close();
    }
  });

  it('fails loudly when items stay unprocessed', async () => {
    const t = await freshTable();
    const proxy = await startUnprocessedProxy(t.endpoint, { times: 100, keep: 1 });
    try {
      const doc = documentClient(dynamoClient(proxy.endpoint));
      const items = Array.from({ length: 5 }, (_, i) => ({ pk: 'P', sk: String(i) }));
      await expect(batchPut(doc, t.tableName, items, { maxAttempts: 3, baseDelayMs: 1 })).rejects.toThrow(
        /still unprocessed after 3 attempts/,
      );
    } finally {
      await proxy.close();
    }
  });
});
