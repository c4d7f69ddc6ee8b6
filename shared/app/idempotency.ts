/**
 * Idempotency keys for POSTs that a client may retry (STYLE "Handlers"), as one wrapper over the
 * IdempotencyStore port, in the manner of Powertools' `makeIdempotent`:
 *
 * - without a key the work just runs;
 * - a fresh key: the request is checked, claims the key with one conditional put (with the id of
 *   the resource it is about to create), runs, and stores its result with the key;
 * - the same key and the same request, completed: the stored result is replayed, nothing runs;
 * - the same key and another request: refused (IdempotencyKeyReusedError);
 * - the same key, not completed: refused while its holder's lease runs (IdempotencyKeyInUseError);
 *   after that the holder is taken to have stopped, and this request takes the key over and runs
 *   the work again under the same resource id, finishing what the holder left undone.
 *
 * A key is remembered for `ttlMs` from its last claim; an expired key is claimed afresh.
 */
import { createHash } from 'node:crypto';
import { IdempotencyKeyInUseError, IdempotencyKeyReusedError } from '#domain/errors.ts';
import { HOUR_MS } from '#domain/time.ts';
import type { IdempotencyRecord, IdempotencyStore } from '#ports/idempotency.ts';

export interface IdempotencyOptions {
  /** How long a key is remembered. */
  ttlMs: number;
  /** A holder that has had a key this long without completing has stopped; a retry may take over. */
  leaseMs: number;
}

/** Keys kept a day; a request holding one for 30 s has stopped (an API request times out well before). */
export const DEFAULT_IDEMPOTENCY: IdempotencyOptions = { ttlMs: 24 * HOUR_MS, leaseMs: 30_000 };

export interface IdempotentCall {
  /** Operation and caller, e.g. `override.create#desk-1`: the same key in two scopes is two keys. */
  scope: string;
  /** The client's key; without one the work just runs. */
  key: string | undefined;
  /** The request after validation: the same fields and values are the same request, in any key order. */
  request: Record<string, unknown>;
  /** What the request creates, for messages: `override`. */
  creates: string;
  nowMs: number;
  /** The id of the resource a fresh request creates. */
  newId: () => string;
}

export interface Attempt {
  /** The id of the resource to create: fresh, or the one the stopped holder of the key chose. */
  resourceId: string;
  /** True when this attempt took over a key whose holder stopped. */
  resumed: boolean;
}

export interface IdempotentWork<R> {
  /**
   * Refuses a fresh request before it claims the key, so that a refused request leaves the key
   * unused. Not run for a replay or a take-over: their request was checked when first made.
   */
  check?: () => void | Promise<void>;
  /**
   * Does the work. After a take-over it runs again with the same resource id, so it must finish
   * what a stopped attempt left (a create that finds its item stored carries on with it). Its
   * result is stored with the key, so it must survive a round trip through the store (plain data).
   */
  run: (attempt: Attempt) => Promise<R>;
}

export interface IdempotentResult<R> {
  result: R;
  /** True when the result is the stored one of an earlier request with the key. */
  replayed: boolean;
}

export async function idempotent<R extends object>(
  store: IdempotencyStore,
  options: IdempotencyOptions,
  call: IdempotentCall,
  work: IdempotentWork<R>,
): Promise<IdempotentResult<R>> {
  const { scope, key, nowMs } = call;
  if (key === undefined) {
    await work.check?.();
    return { result: await work.run({ resourceId: call.newId(), resumed: false }), replayed: false };
  }
  const fingerprint = fingerprintOf(call.request);
  const complete = async (attempt: Attempt): Promise<IdempotentResult<R>> => {
    const result = await work.run(attempt);
    await store.complete(scope, key, result as Record<string, unknown>);
    return { result, replayed: false };
  };

  const stored = await store.get(scope, key);
  let held = stored && stored.claimedAtMs >= nowMs - options.ttlMs ? stored : null;
  if (!held) {
    await work.check?.();
    const claim: IdempotencyRecord = { scope, key, fingerprint, resourceId: call.newId(), status: 'PENDING', claimedAtMs: nowMs };
    if (await store.claim(claim, nowMs - options.ttlMs)) return complete({ resourceId: claim.resourceId, resumed: false });
    // A concurrent request with the same key claimed it between our read and our write.
    held = await store.get(scope, key);
    if (!held) throw new IdempotencyKeyInUseError(`idempotency key "${key}" is being used by another request; retry`);
  }

  if (held.fingerprint !== fingerprint) {
    const detail = `idempotency key "${key}" was used for a different request; use a new key for a new ${call.creates}`;
    throw new IdempotencyKeyReusedError(detail);
  }
  if (held.status === 'COMPLETE') return { result: held.result as R, replayed: true };
  if (nowMs - held.claimedAtMs < options.leaseMs || !(await store.takeOver(scope, key, held.claimedAtMs, nowMs))) {
    // Retry once the holder's lease has run out: by then it has finished, or it has stopped and may be taken over.
    const leaseLeftSeconds = Math.max(1, Math.ceil((held.claimedAtMs + options.leaseMs - nowMs) / 1000));
    throw new IdempotencyKeyInUseError(`a request with idempotency key "${key}" is still in progress; retry shortly`, leaseLeftSeconds);
  }
  return complete({ resourceId: held.resourceId, resumed: true });
}

/** A stable hash of a request: the same fields and values give the same hash, in any key order. */
export function fingerprintOf(value: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
