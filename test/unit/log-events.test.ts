import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventLine, JsonLinesEventPublisher } from '#adapters/log-events.ts';
import type { DomainEvent } from '#ports/events.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'switchyard-events-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (i: number): DomainEvent => ({
  detailType: 'DecisionMade',
  id: `decision#site-1#2025-07-01T14:00:00Z#${i}`,
  timeMs: Date.UTC(2025, 6, 1, 14, 0, 0, 250),
  detail: { siteId: 'site-1', revision: i },
});

async function readLines(path: string): Promise<EventLine[]> {
  const text = await readFile(path, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as EventLine);
}

describe('JsonLinesEventPublisher', () => {
  it('writes each event as one JSON line shaped like an EventBridge event, creating the folder', async () => {
    const path = join(dir, 'nested', 'home', 'events.jsonl');

    const result = await new JsonLinesEventPublisher(path).publish([event(1), event(2)]);

    expect(result).toEqual({ sent: [event(1).id, event(2).id], failed: [] });
    const lines = await readLines(path);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toEqual({
      version: '0',
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'detail-type': 'DecisionMade',
      source: 'switchyard',
      time: '2025-07-01T14:00:00Z',
      resources: [],
      detail: { siteId: 'site-1', revision: 1, eventId: event(1).id },
    });
  });

  it('appends to what is already in the file', async () => {
    const path = join(dir, 'events.jsonl');
    const publisher = new JsonLinesEventPublisher(path);

    await publisher.publish([event(1)]);
    await publisher.publish([event(2), event(3)]);

    expect((await readLines(path)).map((l) => l.detail.revision)).toEqual([1, 2, 3]);
  });

  it('reports the events as failed, without throwing, when the file cannot be written', async () => {
    const blocker = join(dir, 'not-a-folder');
    await writeFile(blocker, '');

    const result = await new JsonLinesEventPublisher(join(blocker, 'events.jsonl')).publish([event(1)]);

    expect(result.sent).toEqual([]);
    expect(result.failed).toEqual([{ id: event(1).id, error: expect.stringMatching(/^WriteFailed: cannot append to .*events\.jsonl/) }]);
  });

  it('reports an event whose detail is not JSON and writes the others', async () => {
    const path = join(dir, 'events.jsonl');
    const bad = { ...event(2), detail: { mw: 1n } };

    const result = await new JsonLinesEventPublisher(path).publish([event(1), bad]);

    expect(result.sent).toEqual([event(1).id]);
    expect(result.failed).toEqual([{ id: bad.id, error: expect.stringMatching(/^InvalidDetail: /) }]);
    expect(await readLines(path)).toHaveLength(1);
  });

  it('does not create the file for no events', async () => {
    const path = join(dir, 'events.jsonl');

    expect(await new JsonLinesEventPublisher(path).publish([])).toEqual({ sent: [], failed: [] });
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
