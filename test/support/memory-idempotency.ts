/**
 * The IdempotencyStore port in memory, with the conditions the DynamoDB store writes as condition
 * expressions; results are copied in and out, as a round trip through a store copies them.
 */
import type { IdempotencyRecord, IdempotencyStore } from '#ports/idempotency.ts';

export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<string, IdempotencyRecord>();

  async get(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const r = this.records.get(`${scope}#${key}`);
    return r ? structuredClone(r) : null;
  }

  async claim(record: IdempotencyRecord, expiredBeforeMs: number): Promise<boolean> {
    const held = this.records.get(`${record.scope}#${record.key}`);
    if (held && held.claimedAtMs >= expiredBeforeMs) return false;
    this.records.set(`${record.scope}#${record.key}`, structuredClone(record));
    return true;
  }

  async takeOver(scope: string, key: string, previousClaimedAtMs: number, nowMs: number): Promise<boolean> {
    const held = this.records.get(`${scope}#${key}`);
    if (!held || held.claimedAtMs !== previousClaimedAtMs || held.status !== 'PENDING') return false;
    held.claimedAtMs = nowMs;
    return true;
  }

  async complete(scope: string, key: string, result: Record<string, unknown>): Promise<void> {
    const held = this.records.get(`${scope}#${key}`);
    if (!held) throw new Error(`no idempotency key ${scope}#${key}`);
    held.status = 'COMPLETE';
    held.result = structuredClone(result);
  }
}
