/** The idempotency wrapper's protocol over an in-memory store: claim, replay, refusal, lease, take-over, expiry. */
import { describe, expect, it } from 'vitest';
import { type Attempt, fingerprintOf, type IdempotencyOptions, type IdempotentCall, idempotent } from '#app/idempotency.ts';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError, ValidationError } from '#domain/errors.ts';
import type { IdempotencyRecord } from '#ports/idempotency.ts';
import { MemoryIdempotencyStore } from '../support/memory-idempotency.ts';

const T = Date.parse('2024-07-15T20:00:00Z');
const OPTIONS: IdempotencyOptions = { ttlMs: 60 * 60_000, leaseMs: 30_000 };

/** A call of a fictitious "thing" create; every fresh request gets the next id. */
function caller() {
  let next = 0;
  return (over: Partial<IdempotentCall> = {}): IdempotentCall => ({
    scope: 'thing.create#desk-1',
    key: 'k-1',
    request: { name: 'a', size: 1 },
    creates: 'thing',
    nowMs: T,
    newId: () => `thing-${++next}`,
    ...over,
  });
}

/** Work that records its attempts and returns a result naming the attempt. */
function recording() {
  const attempts: Attempt[] = [];
  let checks = 0;
  return {
    attempts,
    checks: () => checks,
    work: {
      check: () => {
        checks += 1;
      },
      run: async (a: Attempt) => {
        attempts.push(a);
        return { id: a.resourceId, parts: [{ n: attempts.length }] };
      },
    },
  };
}

describe('idempotent', () => {
  it('without a key, checks and runs the work once under a fresh id, storing nothing', async () => {
    const store = new MemoryIdempotencyStore();
    const w = recording();
    const out = await idempotent(store, OPTIONS, caller()({ key: undefined }), w.work);
    expect(out).toEqual({ result: { id: 'thing-1', parts: [{ n: 1 }] }, replayed: false });
    expect(w.checks()).toBe(1);
    expect(w.attempts).toEqual([{ resourceId: 'thing-1', resumed: false }]);
    expect(store.records.size).toBe(0);
  });

  it('claims a fresh key with the id it creates, and stores the result with it', async () => {
    const store = new MemoryIdempotencyStore();
    const out = await idempotent(store, OPTIONS, caller()(), recording().work);
    expect(out.replayed).toBe(false);
    const stored = await store.get('thing.create#desk-1', 'k-1');
    expect(stored).toMatchObject({ resourceId: 'thing-1', status: 'COMPLETE', claimedAtMs: T, result: out.result });
  });

  it('replays the stored result for the same key and request, in another key order, without running or checking again', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    const w = recording();
    const first = await idempotent(store, OPTIONS, call(), w.work);
    const again = await idempotent(store, OPTIONS, call({ request: { size: 1, name: 'a' }, nowMs: T + 1000 }), w.work);
    expect(again).toEqual({ result: first.result, replayed: true });
    expect(w.attempts).toHaveLength(1);
    expect(w.checks()).toBe(1);
  });

  it('refuses the same key with another request, naming the key and what to do', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    const w = recording();
    await idempotent(store, OPTIONS, call(), w.work);
    const refused = idempotent(store, OPTIONS, call({ request: { name: 'b', size: 1 } }), w.work);
    await expect(refused).rejects.toThrow(IdempotencyKeyReusedError);
    await expect(refused).rejects.toThrow('idempotency key "k-1" was used for a different request; use a new key for a new thing');
    expect(w.attempts).toHaveLength(1);
  });

  it('keeps scopes apart: the same key in another scope is another request', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    const w = recording();
    await idempotent(store, OPTIONS, call(), w.work);
    const other = await idempotent(store, OPTIONS, call({ scope: 'thing.create#desk-2', request: { name: 'b' } }), w.work);
    expect(other).toMatchObject({ result: { id: 'thing-2' }, replayed: false });
  });

  it('leaves the key unclaimed when the check refuses the request, so that a corrected request may use it', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    const invalid = {
      check: () => {
        throw new ValidationError('thing', [{ path: 'size', message: 'is too large' }]);
      },
      run: recording().work.run,
    };
    await expect(idempotent(store, OPTIONS, call({ request: { name: 'a', size: 99 } }), invalid)).rejects.toThrow(ValidationError);
    expect(store.records.size).toBe(0);
    const out = await idempotent(store, OPTIONS, call(), recording().work);
    expect(out.replayed).toBe(false);
  });

  it('keeps the claim of an attempt that failed half-way, and refuses a retry while its lease runs', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    await expect(
      idempotent(store, OPTIONS, call(), {
        run: async () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    expect(await store.get('thing.create#desk-1', 'k-1')).toMatchObject({ status: 'PENDING', resourceId: 'thing-1' });

    const w = recording();
    const early = idempotent(store, OPTIONS, call({ nowMs: T + OPTIONS.leaseMs - 1 }), w.work);
    await expect(early).rejects.toThrow(IdempotencyKeyInUseError);
    await expect(early).rejects.toThrow('a request with idempotency key "k-1" is still in progress; retry shortly');
    expect(w.attempts).toEqual([]);
    // Told to come back when the lease has run out.
    const halfway = idempotent(store, OPTIONS, call({ nowMs: T + OPTIONS.leaseMs / 2 }), w.work);
    await expect(halfway).rejects.toMatchObject({ retryAfterSeconds: Math.ceil(OPTIONS.leaseMs / 2 / 1000) });
  });

  it('takes over a claim whose lease ran out, finishing under the same id without checking again, then replays', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    await expect(
      idempotent(store, OPTIONS, call(), {
        run: async () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    const w = recording();
    const later = T + OPTIONS.leaseMs;
    const resumed = await idempotent(store, OPTIONS, call({ nowMs: later }), w.work);
    expect(resumed).toEqual({ result: { id: 'thing-1', parts: [{ n: 1 }] }, replayed: false });
    expect(w.attempts).toEqual([{ resourceId: 'thing-1', resumed: true }]);
    expect(w.checks()).toBe(0);
    expect(await store.get('thing.create#desk-1', 'k-1')).toMatchObject({ status: 'COMPLETE', claimedAtMs: later });
    expect(await idempotent(store, OPTIONS, call({ nowMs: later + 1 }), w.work)).toEqual({ result: resumed.result, replayed: true });
  });

  it('lets one of two retries take over a stopped claim; the other is told the key is in use', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    await expect(
      idempotent(store, OPTIONS, call(), {
        run: async () => {
          throw new Error('stopped');
        },
      }),
    ).rejects.toThrow('stopped');
    const w = recording();
    const at = T + OPTIONS.leaseMs + 1;
    const retry = () => idempotent(store, OPTIONS, call({ nowMs: at }), w.work);
    const results = await Promise.allSettled([retry(), retry()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: expect.any(IdempotencyKeyInUseError) });
    expect(w.attempts).toEqual([{ resourceId: 'thing-1', resumed: true }]);
  });

  it('refuses a request that lost the claim to a concurrent one between its read and its write', async () => {
    const winner: IdempotencyRecord = {
      scope: 'thing.create#desk-1',
      key: 'k-1',
      fingerprint: fingerprintOf({ name: 'a', size: 1 }),
      resourceId: 'thing-9',
      status: 'PENDING',
      claimedAtMs: T,
    };
    const store = new RacedStore(winner);
    const w = recording();
    await expect(idempotent(store, OPTIONS, caller()(), w.work)).rejects.toThrow(IdempotencyKeyInUseError);
    expect(w.attempts).toEqual([]);
    expect(await store.get(winner.scope, winner.key)).toEqual(winner);
  });

  it('claims an expired key afresh, as a new request under a new id', async () => {
    const store = new MemoryIdempotencyStore();
    const call = caller();
    const w = recording();
    await idempotent(store, OPTIONS, call(), w.work);
    const later = await idempotent(store, OPTIONS, call({ request: { name: 'other' }, nowMs: T + OPTIONS.ttlMs + 1 }), w.work);
    expect(later).toEqual({ result: { id: 'thing-2', parts: [{ n: 2 }] }, replayed: false });
  });
});

/** A store where a concurrent request claims the key right after the first read has found it free. */
class RacedStore extends MemoryIdempotencyStore {
  private raced = false;

  constructor(private readonly winner: IdempotencyRecord) {
    super();
  }

  override async get(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const seen = await super.get(scope, key);
    if (!this.raced) {
      this.raced = true;
      await super.claim(this.winner, 0);
    }
    return seen;
  }
}
