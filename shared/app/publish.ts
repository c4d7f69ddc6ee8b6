/** Publishing decision events and remembering which were sent, so that none is lost. */
import type { Decision } from '#domain/decision.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import type { DomainEvent, EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';

export function decisionEventId(d: Pick<Decision, 'siteId' | 'intervalStart' | 'revision'>): string {
  return `decision#${d.siteId}#${d.intervalStart}#${d.revision}`;
}

/** `DecisionMade` for a first revision, `DecisionRevised` after: what a fleet controller needs to act. */
export function decisionEvent(d: Decision): DomainEvent {
  return {
    id: decisionEventId(d),
    detailType: d.revision === 1 ? 'DecisionMade' : 'DecisionRevised',
    timeMs: Date.parse(d.decidedAt),
    detail: {
      eventId: decisionEventId(d),
      siteId: d.siteId,
      intervalStart: d.intervalStart,
      intervalMinutes: d.intervalMinutes,
      revision: d.revision,
      source: d.source,
      allocations: d.allocations.map((a) => ({
        loadId: a.loadId,
        kind: a.kind,
        action: a.action,
        mw: a.mw,
        ...(a.modeId ? { modeId: a.modeId } : {}),
        ...(a.kind === 'mining' ? { curtailAboveUsdPerMwh: a.curtailAboveUsdPerMwh ?? null } : {}),
        ...(a.backupGenMw ? { backupGenMw: a.backupGenMw } : {}),
      })),
      reasons: d.reasons,
      flags: d.flags,
      engineVersion: d.engineVersion,
      decidedAt: d.decidedAt,
      runId: d.runId,
    },
  };
}

interface PublishDeps {
  decisions: DecisionRepository;
  publisher: EventPublisher;
  log: Logger;
}

/** Publishes the events of these decisions and marks the sent ones; unsent ones stay marked unpublished. */
export async function publishDecisions(deps: PublishDeps, events: DomainEvent[], decisions: Decision[]): Promise<{ sent: number; failed: number }> {
  if (events.length === 0) return { sent: 0, failed: 0 };
  const result = await deps.publisher.publish(events);
  const byId = new Map(decisions.map((d) => [decisionEventId(d), d]));
  const sent = new Set(result.sent);
  await forEachMark(deps, [...sent].map((id) => byId.get(id)).filter((d): d is Decision => d !== undefined));
  for (const f of result.failed) deps.log.warn('event not sent; a later run re-sends it', { eventId: f.id, error: f.error });
  return { sent: sent.size, failed: result.failed.length };
}

async function forEachMark(deps: PublishDeps, decisions: Decision[]): Promise<void> {
  const limit = 16;
  let next = 0;
  const worker = async () => {
    while (next < decisions.length) {
      const d = decisions[next++]!;
      await deps.decisions.markPublished(d.siteId, d.intervalStart, d.revision);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, decisions.length) }, worker));
}

/** Re-sends events of decisions recorded earlier whose event could not be sent; returns how many were sent now. */
export async function resendUnpublished(deps: PublishDeps, batch = 500): Promise<number> {
  const pending = await deps.decisions.unpublished(batch);
  if (pending.length === 0) return 0;
  const { sent } = await publishDecisions(deps, pending.map(decisionEvent), pending);
  deps.log.info('re-sent unpublished decision events', { pending: pending.length, sent });
  return sent;
}
