/**
 * Where idempotency keys are kept, for the wrapper that runs the protocol (`#app/idempotency.ts`):
 * the first request with a key claims it with a single-item conditional write; a replay with the
 * same body gets the stored result, a replay with another body is refused.
 */

export interface IdempotencyRecord {
  /** What the key is scoped to: operation and caller, e.g. `override.create#desk-1`. */
  scope: string;
  key: string;
  /** A hash of the request (operation input after validation). */
  fingerprint: string;
  /** The id of the resource the request creates, chosen before it is created. */
  resourceId: string;
  status: 'PENDING' | 'COMPLETE';
  /** When the current holder claimed (or took over) the key. */
  claimedAtMs: number;
  /** What the completed request returned (plain data), replayed to a retry. */
  result?: Record<string, unknown>;
}

export interface IdempotencyStore {
  get(scope: string, key: string): Promise<IdempotencyRecord | null>;
  /**
   * Claims a key: true when this caller now holds it. A record claimed before `expiredBeforeMs`
   * counts as absent (keys expire), so an old key may be claimed again.
   */
  claim(record: IdempotencyRecord, expiredBeforeMs: number): Promise<boolean>;
  /** Takes over a PENDING claim whose holder stopped: true when the stored claim time was `previousClaimedAtMs`. */
  takeOver(scope: string, key: string, previousClaimedAtMs: number, nowMs: number): Promise<boolean>;
  /** Marks a claim COMPLETE with its result. */
  complete(scope: string, key: string, result: Record<string, unknown>): Promise<void>;
}
