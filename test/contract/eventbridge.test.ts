/**
 * EventBridgePublisher against a loopback server that speaks the PutEvents wire format, through
 * the real SDK client. The client's own retries are off (maxAttempts: 1) so that every request
 * the server sees is one attempt of the publisher.
 */
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher, MAX_REQUEST_BYTES } from '#adapters/eventbridge.ts';
import type { DomainEvent } from '#ports/events.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';

const BUS = 'switchyard-test';
const T0 = Date.UTC(2025, 6, 1, 14, 0, 0);

let server: EventBridgeServer;
let client: EventBridgeClient;
let delays: number[];

beforeEach(async () => {
  server = await startEventBridgeServer();
  client = new EventBridgeClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
  delays = [];
});

afterEach(async () => {
  client.destroy();
  await server.close();
});

function publisher(maxAttempts = 3): EventBridgePublisher {
  return new EventBridgePublisher({
    client,
    busName: BUS,
    maxAttempts,
    baseDelayMs: 100,
    sleep: async (ms) => {
      delays.push(ms);
    },
  });
}

function decisionEvents(count: number): DomainEvent[] {
  return Array.from({ length: count }, (_, i) => ({
    detailType: 'DecisionMade',
    id: `decision#site-1#${i}#1`,
    timeMs: T0 + i * 1000,
    detail: { siteId: 'site-1', interval: i, loads: [{ loadId: 'miners-a', mode: 'RUN', mw: 12.5 }] },
  }));
}

const eventIdOf = (detail: unknown) => (detail as { eventId: string }).eventId;
const sentIds = (request: { entries: { Detail?: unknown }[] }) => request.entries.map((e) => eventIdOf(JSON.parse(e.Detail as string)));

describe('EventBridgePublisher', () => {
  it('puts every event on the bus with source, detail type, JSON detail and time', async () => {
    const events = decisionEvents(3);

    const result = await publisher().publish(events);

    expect(result).toEqual({ sent: events.map((e) => e.id), failed: [] });
    expect(server.requests.map((r) => r.target)).toEqual(['AWSEvents.PutEvents']);
    expect(server.events).toHaveLength(3);
    expect(server.events[0]).toMatchObject({
      source: 'switchyard',
      detailType: 'DecisionMade',
      eventBusName: BUS,
      time: new Date(T0),
      detail: { ...events[0]!.detail, eventId: events[0]!.id },
    });
  });

  it('sends 23 events in 3 requests of at most 10 entries', async () => {
    const result = await publisher().publish(decisionEvents(23));

    expect(result.sent).toHaveLength(23);
    expect(server.requests.map((r) => r.entries.length)).toEqual([10, 10, 3]);
  });

  it('keeps each request within 256 KB of entries', async () => {
    const big = decisionEvents(5).map((e) => ({ ...e, detail: { ...e.detail, forecast: 'x'.repeat(100_000) } }));

    const result = await publisher().publish(big);

    expect(result.sent).toHaveLength(5);
    expect(server.requests.map((r) => r.entries.length)).toEqual([2, 2, 1]);
  });

  it('re-sends only the entries that failed, and then they succeed', async () => {
    const events = decisionEvents(10);
    server.failNext({ entries: [2, 7] });

    const result = await publisher().publish(events);

    expect(result).toEqual({ sent: events.map((e) => e.id), failed: [] });
    expect(server.requests).toHaveLength(2);
    expect(sentIds(server.requests[1]!)).toEqual([events[2]!.id, events[7]!.id]);
    expect(server.events.map((e) => eventIdOf(e.detail)).sort()).toEqual(events.map((e) => e.id).sort());
    expect(delays).toHaveLength(1);
  });

  it('reports an entry that keeps failing in `failed` with its error code, and sends the rest', async () => {
    const events = decisionEvents(4);
    server.failNext({
      entries: (e) => e.detail.eventId === events[1]!.id,
      times: Infinity,
      errorCode: 'InternalFailure',
      errorMessage: 'Internal error',
    });

    const result = await publisher(3).publish(events);

    expect(result.sent).toEqual([events[0]!.id, events[2]!.id, events[3]!.id]);
    expect(result.failed).toEqual([{ id: events[1]!.id, error: expect.stringContaining('InternalFailure: Internal error') }]);
    expect(result.failed[0]!.error).toContain('after 3 attempts');
    expect(server.requests.map((r) => r.entries.length)).toEqual([4, 1, 1]);
  });

  it('waits longer before each re-send (exponential backoff with jitter)', async () => {
    server.failNext({ entries: [0], times: Infinity });

    await publisher(4).publish(decisionEvents(1));

    expect(delays).toHaveLength(3);
    delays.forEach((ms, i) => {
      const ceiling = 100 * 2 ** i;
      expect(ms).toBeGreaterThanOrEqual(ceiling / 2);
      expect(ms).toBeLessThanOrEqual(ceiling);
    });
  });

  it('does not re-send an entry rejected for a reason a retry cannot fix', async () => {
    const events = decisionEvents(2);
    server.failNext({
      entries: [0],
      times: Infinity,
      errorCode: 'NotAuthorizedForSourceException',
      errorMessage: 'Not authorized for the source.',
    });

    const result = await publisher(5).publish(events);

    expect(result.sent).toEqual([events[1]!.id]);
    expect(result.failed).toEqual([
      { id: events[0]!.id, error: expect.stringMatching(/^NotAuthorizedForSourceException: .*not retryable/) },
    ]);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a whole request that was throttled', async () => {
    const events = decisionEvents(5);
    server.failNext({ request: 'throttle', times: 2 });

    const result = await publisher(3).publish(events);

    expect(result).toEqual({ sent: events.map((e) => e.id), failed: [] });
    expect(server.requests.map((r) => r.status)).toEqual([400, 400, 200]);
    expect(server.events).toHaveLength(5);
  });

  it('reports every entry of a request that kept failing with a 500, without throwing', async () => {
    const events = decisionEvents(12);
    server.failNext({ request: 'internal-error', times: 3 });

    const result = await publisher(3).publish(events);

    expect(result.failed.map((f) => f.id)).toEqual(events.slice(0, 10).map((e) => e.id));
    expect(result.failed[0]!.error).toMatch(/^InternalException: /);
    expect(result.sent).toEqual(events.slice(10).map((e) => e.id));
  });

  it('reports an entry over 256 KB as failed without sending it, and sends the others', async () => {
    const [small, huge] = decisionEvents(2) as [DomainEvent, DomainEvent];
    huge.detail = { ...huge.detail, blob: 'x'.repeat(MAX_REQUEST_BYTES) };

    const result = await publisher().publish([small, huge]);

    expect(result.sent).toEqual([small.id]);
    expect(result.failed).toEqual([{ id: huge.id, error: expect.stringMatching(/^EntryTooLarge: .* at most 262144 \(256 KB\)/) }]);
    expect(server.requests.map(sentIds)).toEqual([[small.id]]);
  });

  it('reports an event whose detail cannot be encoded as JSON', async () => {
    const [ok, bad] = decisionEvents(2) as [DomainEvent, DomainEvent];
    bad.detail = { ...bad.detail, mw: 10n };

    const result = await publisher().publish([ok, bad]);

    expect(result.sent).toEqual([ok.id]);
    expect(result.failed).toEqual([{ id: bad.id, error: expect.stringMatching(/^InvalidDetail: /) }]);
  });

  it('makes no request for no events', async () => {
    expect(await publisher().publish([])).toEqual({ sent: [], failed: [] });
    expect(server.requests).toHaveLength(0);
  });
});

describe('the recording EventBridge server', () => {
  const entry = { Source: 'switchyard', DetailType: 'DecisionMade', Detail: '{"a":1}', EventBusName: BUS };

  it('rejects a request of more than 10 entries, as the service does', async () => {
    const send = client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) }));

    await expect(send).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });

  it('fails an entry whose Detail is not a JSON object, and one without a Source', async () => {
    const res = await client.send(
      new PutEventsCommand({ Entries: [{ ...entry, Detail: '[1,2]' }, { ...entry, Source: undefined }, entry] }),
    );

    expect(res.FailedEntryCount).toBe(2);
    expect(res.Entries?.map((e) => e.ErrorCode)).toEqual(['MalformedDetail', 'InvalidArgument', undefined]);
    expect(server.events).toHaveLength(1);
  });
});
