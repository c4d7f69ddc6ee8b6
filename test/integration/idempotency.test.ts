/**
 * The idempotency wrapper over the DynamoDB store, against dynalite: the claim, take-over and
 * completion conditions as the store writes them, and the protocol end to end through them.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { type Attempt, type IdempotencyOptions, type IdempotentCall, idempotent } from '#app/idempotency.ts';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from '#domain/errors.ts';
import type { IdempotencyRecord } from '#ports/idempotency.ts';
import { freshTable } from '../support/dynamo.ts';

const T = Date.parse('2024-07-15T20:00:00Z');
const OPTIONS: IdempotencyOptions = { ttlMs: 60 * 60_000, leaseMs: 30_000 };
const SCOPE = 'thing.create#desk-1';

let ids = 0;
const call = (over: Partial<IdempotentCall> = {}): IdempotentCall => ({
  scope: SCOPE,
  key: 'k-1',
  request: { name: 'a', parts: [1, 2] },
  creates: 'thing',
  nowMs: T,
  newId: () => `thing-${++ids}`,
  ...over,
});

const stopped = {
  run: async (): Promise<never> => {
    throw new Error('the process stopped here');
  },
};

function counting() {
  const attempts: Attempt[] = [];
  return {
    attempts,
    run: async (a: Attempt) => {
      attempts.push(a);
      return { id: a.resourceId, nested: { parts: [1, 2], note: 'done' }, count: attempts.length };
    },
  };
}

describe('the DynamoDB idempotency store', () => {
  const record = (over: Partial<IdempotencyRecord> = {}): IdempotencyRecord => ({
    scope: SCOPE,
    key: 'k-1',
    fingerprint: 'f',
    resourceId: 'thing-1',
    status: 'PENDING',
    claimedAtMs: T,
    ...over,
  });

  it('lets one claim of a key win, and a later one only once the first has expired', async () => {
    const { repos } = await freshTable();
    expect(await repos.idempotency.claim(record(), T - OPTIONS.ttlMs)).toBe(true);
    expect(await repos.idempotency.claim(record({ resourceId: 'thing-2', claimedAtMs: T + 1 }), T + 1 - OPTIONS.ttlMs)).toBe(false);
    expect(await repos.idempotency.claim(record({ resourceId: 'thing-3', claimedAtMs: T + OPTIONS.ttlMs + 1 }), T + 1)).toBe(true);
    expect(await repos.idempotency.get(SCOPE, 'k-1')).toEqual(record({ resourceId: 'thing-3', claimedAtMs: T + OPTIONS.ttlMs + 1 }));
  });

  it('takes over a pending claim only from the claim time it read, and never a completed one', async () => {
    const { repos } = await freshTable();
    await repos.idempotency.claim(record(), T - OPTIONS.ttlMs);
    expect(await repos.idempotency.takeOver(SCOPE, 'k-1', T - 1, T + 60_000)).toBe(false);
    expect(await repos.idempotency.takeOver(SCOPE, 'k-1', T, T + 60_000)).toBe(true);
    expect(await repos.idempotency.takeOver(SCOPE, 'k-1', T, T + 90_000)).toBe(false);
    await repos.idempotency.complete(SCOPE, 'k-1', { id: 'thing-1' });
    expect(await repos.idempotency.takeOver(SCOPE, 'k-1', T + 60_000, T + 120_000)).toBe(false);
    const stored = await repos.idempotency.get(SCOPE, 'k-1');
    expect(stored).toMatchObject({ status: 'COMPLETE', claimedAtMs: T + 60_000, result: { id: 'thing-1' } });
  });

  it('refuses to complete a key nobody claimed', async () => {
    const { repos } = await freshTable();
    await expect(repos.idempotency.complete(SCOPE, 'never-claimed', {})).rejects.toThrow(ConditionalCheckFailedException);
    expect(await repos.idempotency.get(SCOPE, 'never-claimed')).toBeNull();
  });
});

describe('idempotent over DynamoDB', () => {
  it('replays the stored result, nested data intact, for the same key and request', async () => {
    const { repos } = await freshTable();
    const work = counting();
    const first = await idempotent(repos.idempotency, OPTIONS, call(), work);
    const replay = await idempotent(repos.idempotency, OPTIONS, call({ request: { parts: [1, 2], name: 'a' }, nowMs: T + 5000 }), work);
    expect(replay).toEqual({ result: first.result, replayed: true });
    expect(work.attempts).toHaveLength(1);
  });

  it('refuses the key with another request', async () => {
    const { repos } = await freshTable();
    await idempotent(repos.idempotency, OPTIONS, call(), counting());
    const other = idempotent(repos.idempotency, OPTIONS, call({ request: { name: 'b' } }), counting());
    await expect(other).rejects.toThrow(IdempotencyKeyReusedError);
  });

  it('runs the work once for concurrent requests with one key; the others are told to retry', async () => {
    const { repos } = await freshTable();
    const work = counting();
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => idempotent(repos.idempotency, OPTIONS, call(), work)));
    expect(work.attempts).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(IdempotencyKeyInUseError);
      else expect(r.value.result).toMatchObject({ id: work.attempts[0]!.resourceId });
    }
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
  });

  it('holds the key of a stopped request for its lease, then lets a retry finish it under the same id', async () => {
    const { repos } = await freshTable();
    await expect(idempotent(repos.idempotency, OPTIONS, call(), stopped)).rejects.toThrow('the process stopped here');
    const held = await repos.idempotency.get(SCOPE, 'k-1');
    expect(held).toMatchObject({ status: 'PENDING' });

    const work = counting();
    await expect(idempotent(repos.idempotency, OPTIONS, call({ nowMs: T + 10_000 }), work)).rejects.toThrow(IdempotencyKeyInUseError);
    const resumed = await idempotent(repos.idempotency, OPTIONS, call({ nowMs: T + OPTIONS.leaseMs }), work);
    expect(work.attempts).toEqual([{ resourceId: held!.resourceId, resumed: true }]);
    expect(resumed).toMatchObject({ result: { id: held!.resourceId }, replayed: false });
    const replay = await idempotent(repos.idempotency, OPTIONS, call({ nowMs: T + OPTIONS.leaseMs + 1 }), work);
    expect(replay).toEqual({ result: resumed.result, replayed: true });
  });

  it('treats a key older than its time to live as unused', async () => {
    const { repos } = await freshTable();
    const work = counting();
    const first = await idempotent(repos.idempotency, OPTIONS, call(), work);
    const fresh = await idempotent(repos.idempotency, OPTIONS, call({ request: { name: 'another' }, nowMs: T + OPTIONS.ttlMs + 1 }), work);
    expect(fresh.replayed).toBe(false);
    expect(fresh.result.id).not.toBe(first.result.id);
    expect(work.attempts).toHaveLength(2);
  });
});
