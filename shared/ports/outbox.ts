/**
 * Events whose publication no record tracks (override changes, bids, grid emergencies, stale
 * feeds) are kept here when they cannot be sent, until a later run sends them. Decision events
 * are tracked by their revision records instead (`tracked` on the event).
 */
import type { DomainEvent } from './events.ts';

export interface Outbox {
  add(events: readonly DomainEvent[]): Promise<void>;
  /** Oldest first. */
  pending(limit: number): Promise<DomainEvent[]>;
  remove(events: readonly DomainEvent[]): Promise<void>;
}
