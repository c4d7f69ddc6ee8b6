import { describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { drainOutbox, OutboxPublisher } from '#app/outbox.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { fixedClock } from '#ports/clock.ts';
import type { DomainEvent } from '#ports/events.ts';
import { silentLogger } from '#ports/logger.ts';
import { freshTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const T = Date.parse('2024-07-15T20:00:00Z');

function event(id: string, extra: Partial<DomainEvent> = {}): DomainEvent {
  return { id, detailType: 'OverrideCreated', timeMs: T, detail: { eventId: id, overrideId: id }, ...extra };
}

describe('the outbox', () => {
  it('keeps an event that could not be sent, and not one a record already tracks', async () => {
    const t = await freshTable();
    const inner = new MemoryEventPublisher({ failIds: ['override#a#created', 'decision#x#1'] });
    const publisher = new OutboxPublisher(inner, t.repos.outbox, silentLogger);
    const result = await publisher.publish([
      event('override#a#created'),
      event('override#b#created'),
      event('decision#x#1', { detailType: 'DecisionMade', tracked: true }),
    ]);
    expect(result.failed.map((f) => f.id).sort()).toEqual(['decision#x#1', 'override#a#created']);
    expect((await t.repos.outbox.pending(10)).map((e) => e.id)).toEqual(['override#a#created']);
  });

  it('is drained by the next run, oldest first, and left empty once everything went out', async () => {
    const t = await freshTable();
    await t.repos.outbox.add([event('override#late#created', { timeMs: T + 1000 }), event('override#early#created')]);
    const publisher = new MemoryEventPublisher();
    const summary = await runInterval(runDeps({ sites: [site()], repos: t.repos, publisher, clock: fixedClock(T), log: silentLogger }), {
      atMs: T,
      trigger: 'test',
    });
    expect(summary.resent).toBe(2);
    expect(publisher.events.slice(0, 2).map((e) => e.id)).toEqual(['override#early#created', 'override#late#created']);
    expect(await t.repos.outbox.pending(10)).toEqual([]);
  });

  it('keeps what still fails', async () => {
    const t = await freshTable();
    await t.repos.outbox.add([event('override#a#created'), event('override#b#created')]);
    const sent = await drainOutbox(t.repos.outbox, new MemoryEventPublisher({ failIds: ['override#b#created'] }), silentLogger);
    expect(sent).toBe(1);
    expect((await t.repos.outbox.pending(10)).map((e) => e.id)).toEqual(['override#b#created']);
  });
});
