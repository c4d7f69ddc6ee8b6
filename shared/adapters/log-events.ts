/**
 * The local runtime's EventPublisher: appends each event to a file as one JSON line, shaped like
 * the event EventBridge delivers to a rule target, so `tail -f` shows what fleet controllers would get.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type DomainEvent, EVENT_SOURCE, type EventPublisher, type PublishResult } from '#ports/events.ts';

/** One line of the file: the EventBridge envelope, without account and region. */
export interface EventLine {
  version: '0';
  /** Envelope id, fresh per delivery as in EventBridge; de-duplicate on `detail.eventId`. */
  id: string;
  'detail-type': string;
  source: string;
  /** ISO 8601 to the second, as EventBridge writes it. */
  time: string;
  resources: string[];
  detail: Record<string, unknown>;
}

export class JsonLinesEventPublisher implements EventPublisher {
  constructor(private readonly path: string) {}

  async publish(events: readonly DomainEvent[]): Promise<PublishResult> {
    const result: PublishResult = { sent: [], failed: [] };
    const lines: string[] = [];
    const written: string[] = [];
    for (const event of events) {
      try {
        lines.push(JSON.stringify(toLine(event)));
        written.push(event.id);
      } catch (err) {
        result.failed.push({
          id: event.id,
          error: `InvalidDetail: detail of ${event.detailType} ${event.id} cannot be encoded as JSON (${(err as Error).message})`,
        });
      }
    }
    if (lines.length === 0) return result;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      // One append per call, so a reader never sees half a batch interleaved with another.
      await appendFile(this.path, lines.map((l) => `${l}\n`).join(''), 'utf8');
      result.sent.push(...written);
    } catch (err) {
      const error = `WriteFailed: cannot append to ${this.path} (${(err as Error).message})`;
      result.failed.push(...written.map((id) => ({ id, error })));
    }
    return result;
  }
}

function toLine(event: DomainEvent): EventLine {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': event.detailType,
    source: EVENT_SOURCE,
    time: new Date(event.timeMs).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    resources: [],
    // Same Detail as the EventBridge publisher sends (see detailOf in eventbridge.ts).
    detail: { ...event.detail, eventId: event.id },
  };
}
