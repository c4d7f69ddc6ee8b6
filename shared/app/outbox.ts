/** No event is lost: what cannot be sent now waits in the outbox for a later run. */
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { Outbox } from '#ports/outbox.ts';

/**
 * Publishes through `inner`; events that fail and that no record tracks go to the outbox. The
 * result still reports them as failed, so callers can say so.
 */
export class OutboxPublisher implements EventPublisher {
  constructor(
    readonly inner: EventPublisher,
    private readonly outbox: Outbox,
    private readonly log: Logger,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<PublishResult> {
    const result = await this.inner.publish(events);
    if (result.failed.length === 0) return result;
    const failed = new Set(result.failed.map((f) => f.id));
    const kept = events.filter((e) => failed.has(e.id) && !e.tracked);
    if (kept.length > 0) {
      try {
        await this.outbox.add(kept);
      } catch (err) {
        this.log.error('events could not be sent nor kept for later', { eventIds: kept.map((e) => e.id), error: (err as Error).message });
      }
    }
    return result;
  }
}

/** Sends what waits in the outbox (oldest first); returns how many were sent. */
export async function drainOutbox(outbox: Outbox, publisher: EventPublisher, log: Logger, limit = 500): Promise<number> {
  const pending = await outbox.pending(limit);
  if (pending.length === 0) return 0;
  const target = publisher instanceof OutboxPublisher ? publisher.inner : publisher;
  const result = await target.publish(pending);
  const sent = new Set(result.sent);
  await outbox.remove(pending.filter((e) => sent.has(e.id)));
  log.info('sent events from the outbox', { pending: pending.length, sent: sent.size });
  return sent.size;
}
