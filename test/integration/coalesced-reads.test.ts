/**
 * A desk reading one site-day many times a second: identical reads in flight together share one
 * query of the store, and still none answers with less than a read started at its arrival would see.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoDecisionRepository } from '#adapters/dynamo/decisions.ts';
import { CoalescedReads } from '#adapters/dynamo/io.ts';
import { DECISIONS_T0, storedDecision } from '../support/decisions.ts';
import { freshTable } from '../support/dynamo.ts';

const T = DECISIONS_T0;
const Q = 15 * 60_000;

const decision = (i: number, revision = 1) => storedDecision('desk', i, revision);

/** Counts the Query calls the client sends, each answered `delayMs` late (a busy store). */
function slowQueries(client: DynamoDBClient, delayMs: number): { queries: number } {
  const seen = { queries: 0 };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName !== 'QueryCommand') return next(args);
      seen.queries++;
      const out = await next(args);
      await new Promise((r) => setTimeout(r, delayMs));
      return out;
    },
    { step: 'initialize', name: 'slowQueries' },
  );
  return seen;
}

describe('reads of one range in flight together', () => {
  it('share the store’s queries: twenty at once cost at most two', async () => {
    const t = await freshTable();
    for (let i = 0; i < 8; i++) await t.repos.decisions.record(decision(i));
    const seen = slowQueries(t.client, 30);
    const repo = new DynamoDecisionRepository(t.client, t.tableName);

    const pages = await Promise.all(Array.from({ length: 20 }, () => repo.bySite('desk', T, T + 8 * Q)));

    expect(pages.every((p) => p.items.length === 8)).toBe(true);
    expect(seen.queries).toBeLessThanOrEqual(2);
    // The decisions are shared, so frozen: one caller cannot change what another reads.
    expect(() => pages[0]!.items[0]!.reasons.push('MUTATED')).toThrow(TypeError);
    pages[0]!.items.pop();
    expect(pages[1]!.items).toHaveLength(8);
  });

  it('never answer a read with a query that started before it: a write completed before the read is seen', async () => {
    const t = await freshTable();
    for (let i = 0; i < 4; i++) await t.repos.decisions.record(decision(i));
    slowQueries(t.client, 60);
    const repo = new DynamoDecisionRepository(t.client, t.tableName);

    const before = repo.bySite('desk', T, T + 4 * Q); // in flight while the revision is recorded
    await repo.record(decision(2, 2));
    const after = await repo.bySite('desk', T, T + 4 * Q);

    expect((await before).items).toHaveLength(4);
    expect(after.items.map((d) => d.revision)).toEqual([1, 1, 2, 1]);
  });

  it('run a failed read’s waiters on a query of their own', async () => {
    const reads = new CoalescedReads<number>();
    let calls = 0;
    let fail!: (e: Error) => void;
    const first = reads.read('k', () => {
      calls++;
      return new Promise<number>((_, reject) => (fail = reject));
    });
    const second = reads.read('k', async () => ++calls);
    fail(new Error('store down'));

    await expect(first).rejects.toThrow('store down');
    expect(await second).toBe(2);
    expect(await reads.read('k', async () => ++calls)).toBe(3);
  });
});
