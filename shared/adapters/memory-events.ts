/** An in-memory EventPublisher: records what was published, for tests and the local "log only" mode. */
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';

export interface MemoryEventPublisherOptions {
  /** Ids of events to report as failed instead of recording. */
  failIds?: Iterable<string>;
}

export class MemoryEventPublisher implements EventPublisher {
  /** Events published, in order. */
  readonly events: DomainEvent[] = [];
  /** Ids that fail on publish; add or delete to script failures between calls. */
  readonly failIds: Set<string>;

  constructor(options: MemoryEventPublisherOptions = {}) {
    this.failIds = new Set(options.failIds);
  }

  async publish(events: readonly DomainEvent[]): Promise<PublishResult> {
    const result: PublishResult = { sent: [], failed: [] };
    for (const event of events) {
      if (this.failIds.has(event.id)) {
        result.failed.push({ id: event.id, error: `InternalFailure: ${event.id} is set to fail in the memory publisher` });
      } else {
        this.events.push(event);
        result.sent.push(event.id);
      }
    }
    return result;
  }
}
