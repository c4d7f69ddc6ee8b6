/**
 * Domain events to an EventBridge bus with PutEvents (DESIGN §4).
 *
 * Events go out in requests of at most 10 entries and 256 KB. Entries that come back with an
 * ErrorCode are re-sent on their own, with exponential backoff and jitter, up to `maxAttempts`;
 * so is a whole request that failed with throttling, a 5xx or a network error. Whatever is still
 * unsent is returned in `failed` with the service's reason — publish() never throws for it, so the
 * caller can leave those records unpublished for a later run.
 *
 * Retries here are per attempt of this publisher. The SDK client also retries whole-request
 * throttling and 5xx on its own (`maxAttempts` on the client, 3 by default); build the client
 * with `maxAttempts: 1` to have a single retry policy.
 */
import { type EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, EVENT_SOURCE, type EventPublisher, type PublishResult } from '#ports/events.ts';

/** PutEvents accepts at most 10 entries per request. */
export const MAX_ENTRIES_PER_REQUEST = 10;
/** PutEvents limit on the summed size of a request's entries, and so on any one entry. */
export const MAX_REQUEST_BYTES = 256 * 1024;
const MAX_DELAY_MS = 5_000;

/** Entry error codes that re-sending the same entry cannot fix (PutEventsResultEntry, API reference). */
const PERMANENT_ENTRY_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidAccountIdException',
  'InvalidArgument',
  'MalformedDetail',
  'RedactionFailure',
  'NotAuthorizedForSourceException',
  'NotAuthorizedForDetailTypeException',
]);

const THROTTLING_ERRORS = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestThrottledException',
]);

export interface EventBridgePublisherOptions {
  client: EventBridgeClient;
  /** Name or ARN of the bus. */
  busName: string;
  /** Sends of one entry before it is reported as failed (default 5). */
  maxAttempts?: number;
  /** Delay before the first re-send; doubles per attempt, with jitter, up to 5 s (default 100 ms). */
  baseDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface Pending {
  /** Position in the events given to publish(). */
  index: number;
  entry: PutEventsRequestEntry;
}

interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

export class EventBridgePublisher implements EventPublisher {
  private readonly client: EventBridgeClient;
  private readonly busName: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: EventBridgePublisherOptions) {
    const { maxAttempts = 5, baseDelayMs = 100 } = options;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
      throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    if (!(baseDelayMs >= 0)) throw new RangeError(`baseDelayMs must be >= 0, got ${baseDelayMs}`);
    this.client = options.client;
    this.busName = options.busName;
    this.maxAttempts = maxAttempts;
    this.baseDelayMs = baseDelayMs;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async publish(events: readonly DomainEvent[]): Promise<PublishResult> {
    /** The reason each event was not sent; absent once sent. */
    const errors = new Map<number, string>();
    const batches: Pending[][] = [];
    let batch: Pending[] = [];
    let batchBytes = 0;

    events.forEach((event, index) => {
      let entry: PutEventsRequestEntry;
      try {
        entry = this.toEntry(event);
      } catch (err) {
        errors.set(index, `InvalidDetail: detail of ${event.detailType} ${event.id} cannot be encoded as JSON (${(err as Error).message})`);
        return;
      }
      const size = entrySize(entry);
      if (size > MAX_REQUEST_BYTES) {
        errors.set(
          index,
          `EntryTooLarge: ${event.detailType} ${event.id} is ${size} bytes as a PutEvents entry; EventBridge accepts at most ${MAX_REQUEST_BYTES} (256 KB)`,
        );
        return;
      }
      if (batch.length === MAX_ENTRIES_PER_REQUEST || batchBytes + size > MAX_REQUEST_BYTES) {
        batches.push(batch);
        batch = [];
        batchBytes = 0;
      }
      batch.push({ index, entry });
      batchBytes += size;
    });
    if (batch.length > 0) batches.push(batch);

    for (const b of batches) {
      for (const [index, error] of await this.sendBatch(b)) errors.set(index, error);
    }

    const result: PublishResult = { sent: [], failed: [] };
    events.forEach((event, index) => {
      const error = errors.get(index);
      if (error === undefined) result.sent.push(event.id);
      else result.failed.push({ id: event.id, error });
    });
    return result;
  }

  private toEntry(event: DomainEvent): PutEventsRequestEntry {
    return {
      Source: EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(detailOf(event)),
      Time: new Date(event.timeMs),
      EventBusName: this.busName,
    };
  }

  /** Sends one batch, re-sending what failed; resolves to the reason of each entry still unsent. */
  private async sendBatch(batch: Pending[]): Promise<Map<number, string>> {
    const unsent = new Map<number, string>();
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const failures = await this.attempt(pending);
      const retry: Pending[] = [];
      pending.forEach((p, i) => {
        const failure = failures[i];
        if (!failure) {
          unsent.delete(p.index);
          return;
        }
        const willRetry = failure.retryable && attempt < this.maxAttempts;
        const note = !failure.retryable ? 'not retryable' : `gave up after ${attempt} attempt${attempt === 1 ? '' : 's'}`;
        unsent.set(p.index, `${failure.code}: ${failure.message} (${note})`);
        if (willRetry) retry.push(p);
      });
      if (retry.length === 0) return unsent;
      await this.sleep(this.backoff(attempt));
      pending = retry;
    }
  }

  /** One PutEvents call; the failure of each entry by position, undefined where it was accepted. */
  private async attempt(pending: Pending[]): Promise<(Failure | undefined)[]> {
    try {
      const res = await this.client.send(new PutEventsCommand({ Entries: pending.map((p) => p.entry) }));
      return pending.map((_, i) => {
        const r = res.Entries?.[i];
        if (r?.EventId && !r.ErrorCode) return undefined;
        const code = r?.ErrorCode ?? 'InternalFailure';
        return {
          code,
          message: r?.ErrorMessage ?? 'no result for this entry in the PutEvents response',
          retryable: !PERMANENT_ENTRY_ERRORS.has(code),
        };
      });
    } catch (err) {
      const e = err as Error;
      const failure: Failure = { code: e.name || 'Error', message: e.message, retryable: isRetryable(err) };
      return pending.map(() => failure);
    }
  }

  /** Exponential backoff with equal jitter: attempt n waits between half and all of base·2^(n-1), capped. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(MAX_DELAY_MS, this.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/**
 * The Detail consumers receive: the event's detail plus its stable `eventId`, since EventBridge
 * assigns its own envelope id and consumers de-duplicate on ours.
 */
export function detailOf(event: DomainEvent): Record<string, unknown> {
  return { ...event.detail, eventId: event.id };
}

/** The service's entry size: 14 bytes for Time, plus the UTF-8 bytes of Source, DetailType, Detail and Resources. */
export function entrySize(entry: PutEventsRequestEntry): number {
  const bytes = (s: string | undefined) => (s === undefined ? 0 : Buffer.byteLength(s, 'utf8'));
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, r) => sum + bytes(r), 0)
  );
}

/** Whether a whole-request failure may pass on a later attempt: throttling, 5xx, or no HTTP answer at all. */
function isRetryable(err: unknown): boolean {
  const e = err as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (e.$retryable || THROTTLING_ERRORS.has(e.name ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return status === undefined || status === 429 || status >= 500;
}
