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
    tracked: true,
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

/**
 * Publishes the decisions' events (after `lead`, events of the change that caused them, sent in
 * the same call), then marks the sent revisions and brings each interval's current pointer up to
 * date (sent or not), together — but for a caller that wrote the pointers itself (`pointersWritten`:
 * a re-decision writes them under the site's lease). Unsent revisions stay in the unsent index for a later run.
 */
export async function publishDecisions(
  deps: PublishDeps,
  decisions: readonly Decision[],
  lead: readonly DomainEvent[] = [],
  opts: { pointersWritten?: boolean } = {},
): Promise<{ sent: number; failed: number }> {
  if (decisions.length === 0 && lead.length === 0) return { sent: 0, failed: 0 };
  const result = await deps.publisher.publish([...lead, ...decisions.map(decisionEvent)]);
  const sentIds = new Set(result.sent);
  const sent = decisions.filter((d) => sentIds.has(decisionEventId(d))).map((d) => ({ ...d, published: true }));
  const sentByKey = new Map(sent.map((d) => [decisionEventId(d), d]));
  // Different items: the revisions' flags and the pointers can be written at the same time.
  await Promise.all([
    sent.length ? deps.decisions.markRevisionsPublished(sent) : undefined,
    opts.pointersWritten ? undefined : deps.decisions.makeCurrent(decisions.map((d) => sentByKey.get(decisionEventId(d)) ?? d)),
  ]);
  for (const f of result.failed) deps.log.warn('event not sent; a later run re-sends it', { eventId: f.id, error: f.error });
  return { sent: sent.length, failed: result.failed.length };
}

/** Re-sends events of decisions recorded earlier whose event could not be sent; returns how many were sent now. */
export async function resendUnpublished(deps: PublishDeps, batch = 500): Promise<number> {
  const pending = await deps.decisions.unpublished(batch);
  if (pending.length === 0) return 0;
  const { sent } = await publishDecisions(deps, pending);
  deps.log.info('re-sent unpublished decision events', { pending: pending.length, sent });
  return sent;
}
