/**
 * Trader overrides (DESIGN §2 "Overrides", §5): create, cancel, list. Every change is stored with
 * optimistic concurrency, written to the audit trail, re-decides the affected intervals at once
 * and is published (`OverrideCreated` / `OverrideCancelled`, then `DecisionRevised` per interval).
 *
 * A create may carry an idempotency key (`idempotent`, `./idempotency.ts`): a retry with the same
 * body gets the first result, a retry with another body is refused, and a retry after the first
 * request stopped half-way finishes its work under the id that request chose.
 */
import { randomUUID } from 'node:crypto';
import type { Decision } from '#domain/decision.ts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError } from '#domain/errors.ts';
import { type OverrideRequest, overrideIssues } from '#domain/override-rules.ts';
import type { Site } from '#domain/sites.ts';
import { iso } from '#domain/time.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { StoredOverride } from '#ports/decisions.ts';
import type { DomainEvent } from '#ports/events.ts';
import type { IdempotencyStore } from '#ports/idempotency.ts';
import { type Attempt, DEFAULT_IDEMPOTENCY, idempotent } from './idempotency.ts';
import { publishDecisions } from './publish.ts';
import { causeReason, type RedecideCause, type RedecideOutcome, redecide } from './redecide.ts';
import type { RunDeps } from './run-interval.ts';
import { siteOf } from './sites.ts';

export type OverrideDeps = Pick<
  RunDeps,
  'sites' | 'decisions' | 'overrides' | 'marketData' | 'publisher' | 'clock' | 'forecaster' | 'demo' | 'log'
> & {
  audit: AuditRepository;
  idempotency: IdempotencyStore;
};

export interface RevisionRef {
  siteId: string;
  intervalStart: string;
  revision: number;
}

export interface OverrideResult {
  override: StoredOverride;
  /** The revisions the change recorded. */
  revisions: RevisionRef[];
  /** True when an idempotency key replayed an earlier request. */
  replayed: boolean;
  /** Events that could not be sent (the decisions among them stay marked unpublished). */
  eventsFailed: number;
}

/** An override as the API and the audit trail show it: instants as UTC ISO strings. */
export function overrideSnapshot(o: StoredOverride): Record<string, unknown> {
  return {
    id: o.id,
    siteId: o.siteId,
    ...(o.loadId !== undefined ? { loadId: o.loadId } : {}),
    action: o.action,
    ...(o.capMw !== undefined ? { capMw: o.capMw } : {}),
    from: iso(o.fromMs),
    to: iso(o.toMs),
    reason: o.reason,
    author: o.author,
    acknowledgeObligation: o.acknowledgeObligation,
    createdAt: iso(o.createdAtMs),
    expiresAt: iso(o.expiresAtMs),
    version: o.version,
    status: o.status,
    ...(o.cancelledAtMs !== undefined ? { cancelledAt: iso(o.cancelledAtMs) } : {}),
    ...(o.cancelledBy !== undefined ? { cancelledBy: o.cancelledBy } : {}),
    ...(o.cancelReason !== undefined ? { cancelReason: o.cancelReason } : {}),
  };
}

/** Not cancelled, and its window has not ended. */
export function isActive(o: StoredOverride, nowMs: number): boolean {
  return o.status === 'ACTIVE' && o.toMs > nowMs;
}

export interface CreateOverrideCommand {
  siteId: string;
  author: string;
  request: OverrideRequest;
  idempotencyKey?: string | undefined;
}

export async function createOverride(deps: OverrideDeps, cmd: CreateOverrideCommand): Promise<OverrideResult> {
  const site = siteOf(deps.sites, cmd.siteId);
  const now = deps.clock.nowMs();
  const call = {
    scope: `override.create#${cmd.author}`,
    key: cmd.idempotencyKey,
    request: { siteId: site.id, ...cmd.request },
    creates: 'override',
    nowMs: now,
    newId: () => `ovr-${randomUUID().replace(/-/g, '').slice(0, 16)}`,
  };
  const { result, replayed } = await idempotent(deps.idempotency, DEFAULT_IDEMPOTENCY, call, {
    check: () => {
      const issues = overrideIssues(site, cmd.request, now);
      if (issues.length) throw new ValidationError('override', issues);
    },
    run: (attempt) => storeOverride(deps, site, cmd, attempt, now),
  });
  return { ...result, replayed };
}

/** Stores a checked override under the attempt's id, audits it, re-decides its window and publishes the change. */
async function storeOverride(
  deps: OverrideDeps,
  site: Site,
  cmd: CreateOverrideCommand,
  { resourceId: id, resumed }: Attempt,
  now: number,
): Promise<Omit<OverrideResult, 'replayed'>> {
  const r = cmd.request;
  let override: StoredOverride = {
    id,
    siteId: site.id,
    ...(r.loadId !== undefined ? { loadId: r.loadId } : {}),
    action: r.action,
    ...(r.capMw !== undefined ? { capMw: r.capMw } : {}),
    fromMs: r.fromMs,
    toMs: r.toMs,
    reason: r.reason.trim(),
    author: cmd.author,
    acknowledgeObligation: r.acknowledgeObligation,
    createdAtMs: now,
    version: 1,
    status: 'ACTIVE',
    expiresAtMs: r.toMs,
  };
  try {
    await deps.overrides.create(override);
  } catch (err) {
    // The id is taken only by an earlier attempt of this request that stopped after its write: carry on with what it stored.
    const stored = err instanceof ConflictError ? await deps.overrides.get(id) : null;
    if (stored?.author !== cmd.author || stored.siteId !== site.id) throw err;
    override = stored;
  }

  // The audit record and the re-decision touch different items: both at once.
  const [, outcome] = await settled(
    appendAudit(deps, overrideAuditRecords(override)),
    override.status === 'ACTIVE' ? redecideChange(deps, site, override, 'CREATED', now) : Promise.resolve(NOTHING),
  );
  const revised = outcome.revised;
  const eventsFailed = await publish(deps, override, 'CREATED', outcome, now);
  const revisions = revised.map(ref);
  const fields = { overrideId: id, siteId: site.id, author: cmd.author, action: override.action, revisions: revisions.length, resumed };
  deps.log.info('override created', fields);
  return { override, revisions, eventsFailed };
}

export interface CancelOverrideCommand {
  id: string;
  /** The version the caller read (the ETag it sends as If-Match). */
  expectedVersion: number;
  actor: string;
  reason: string;
}

export async function cancelOverride(deps: OverrideDeps, cmd: CancelOverrideCommand): Promise<OverrideResult> {
  const reason = cmd.reason.trim();
  if (!reason) throw new ValidationError('cancellation', [{ path: 'reason', message: 'is required' }]);
  const before = await deps.overrides.get(cmd.id);
  if (!before) throw new NotFoundError(`override ${cmd.id} not found`);
  // The precondition first: a caller holding an old version learns that it is old (412), whatever changed.
  if (before.version !== cmd.expectedVersion) {
    await healAudit(deps, before);
    throw new PreconditionFailedError(
      `override ${cmd.id} is at version ${before.version} (${before.status}), not ${cmd.expectedVersion}: read it again`,
      before.version,
    );
  }
  if (before.status === 'CANCELLED') {
    await healAudit(deps, before);
    throw new ConflictError(`override ${cmd.id} is already cancelled (by ${before.cancelledBy ?? 'unknown'})`);
  }
  const now = deps.clock.nowMs();
  let after: StoredOverride;
  try {
    after = await deps.overrides.cancel(cmd.id, cmd.expectedVersion, cmd.actor, reason, now);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    // Another change (e.g. a concurrent cancel) won the conditional write.
    const current = await deps.overrides.get(cmd.id);
    if (current) await healAudit(deps, current);
    throw new PreconditionFailedError(`override ${cmd.id} changed concurrently: ${err.message}`, current?.version ?? null);
  }

  const site = deps.sites.find((s) => s.id === after.siteId);
  const [, outcome] = await settled(
    appendAudit(deps, overrideAuditRecords(after).slice(-1)),
    site ? redecideChange(deps, site, after, 'CANCELLED', now) : Promise.resolve(NOTHING),
  );
  const eventsFailed = await publish(deps, after, 'CANCELLED', outcome, now);
  deps.log.info('override cancelled', { overrideId: after.id, siteId: after.siteId, actor: cmd.actor, revisions: outcome.revised.length });
  return { override: after, revisions: outcome.revised.map(ref), replayed: false, eventsFailed };
}

export async function getOverride(deps: Pick<OverrideDeps, 'overrides'>, id: string): Promise<StoredOverride> {
  const o = await deps.overrides.get(id);
  if (!o) throw new NotFoundError(`override ${id} not found`);
  return o;
}

/**
 * Overrides of one site, or of every configured site. `active: true` keeps those not cancelled
 * whose window has not ended (in force or still to come); `active: false` keeps the others.
 */
export async function listOverrides(
  deps: Pick<OverrideDeps, 'sites' | 'overrides' | 'clock'>,
  filter: { siteId?: string; active?: boolean },
): Promise<StoredOverride[]> {
  const now = deps.clock.nowMs();
  const siteIds = filter.siteId !== undefined ? [siteOf(deps.sites, filter.siteId).id] : deps.sites.map((s) => s.id);
  const lists = await Promise.all(siteIds.map((siteId) => deps.overrides.list({ siteId, active: filter.active === true, nowMs: now })));
  let items = lists.flat();
  if (filter.active === false) items = items.filter((o) => !isActive(o, now));
  return items.sort((a, b) => a.fromMs - b.fromMs || a.createdAtMs - b.createdAtMs || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The audit records an override's stored state implies: its creation, and its cancellation when
 * it is cancelled. An override changes once (ACTIVE → CANCELLED), so both are exact functions of
 * the stored item — the state it was created in is the item without its cancellation. Ids and
 * times come from the item, so writing them again is a no-op, and a change whose audit write was
 * interrupted gets its record from whoever touches the override next.
 */
export function overrideAuditRecords(o: StoredOverride): AuditRecord[] {
  const { cancelledAtMs, cancelledBy, cancelReason, ...rest } = o;
  const created: StoredOverride = { ...rest, version: 1, status: 'ACTIVE' };
  const records = [auditRecord(created, 'OVERRIDE_CREATED', o.author, o.createdAtMs, null, o.reason)];
  if (o.status === 'CANCELLED') {
    records.push(
      auditRecord(o, 'OVERRIDE_CANCELLED', cancelledBy ?? 'unknown', cancelledAtMs ?? o.createdAtMs, created, cancelReason ?? ''),
    );
  }
  return records;
}

function auditRecord(
  after: StoredOverride,
  action: 'OVERRIDE_CREATED' | 'OVERRIDE_CANCELLED',
  actor: string,
  atMs: number,
  before: StoredOverride | null,
  reason: string,
): AuditRecord {
  return {
    // The version keeps changes made in the same millisecond in order.
    id: `override:${after.id}:v${String(after.version).padStart(6, '0')}:${action}`,
    at: iso(atMs),
    actor,
    action,
    entity: { type: 'override', id: after.id },
    siteId: after.siteId,
    before: before && overrideSnapshot(before),
    after: overrideSnapshot(after),
    reason,
  };
}

/** Waits for both, then fails with the first failure: neither is abandoned half-way. */
async function settled<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

async function appendAudit(deps: Pick<OverrideDeps, 'audit'>, records: readonly AuditRecord[]): Promise<void> {
  for (const r of records) await deps.audit.append(r);
}

/** Writes any audit record of an override that is missing (on paths that answer with an error: never masks it). */
async function healAudit(deps: Pick<OverrideDeps, 'audit' | 'log'>, o: StoredOverride): Promise<void> {
  try {
    await appendAudit(deps, overrideAuditRecords(o));
  } catch (err) {
    deps.log.warn('could not check the audit records of an override', { overrideId: o.id, error: (err as Error).message });
  }
}

function overrideEvent(o: StoredOverride, change: RedecideCause['change'], revised: readonly Decision[], nowMs: number): DomainEvent {
  const id = `override#${o.id}#${change.toLowerCase()}`;
  return {
    id,
    detailType: change === 'CREATED' ? 'OverrideCreated' : 'OverrideCancelled',
    timeMs: nowMs,
    detail: { eventId: id, overrideId: o.id, ...overrideSnapshot(o), revisions: revised.map(ref) },
  };
}

const NOTHING: RedecideOutcome = { revised: [], owner: false };

/** Re-decides the override's window (with any change of the site beside it: `redecide` serves them together). */
function redecideChange(
  deps: OverrideDeps,
  site: Site,
  o: StoredOverride,
  change: RedecideCause['change'],
  nowMs: number,
): Promise<RedecideOutcome> {
  return redecide(deps, site, {
    fromMs: o.fromMs,
    toMs: o.toMs,
    reason: causeReason({ overrideId: o.id, change }),
    nowMs,
    ...(change === 'CREATED' ? { created: o } : { cancelledId: o.id }),
    runId: `override-${o.id}-${change.toLowerCase()}`,
  });
}

/**
 * The override's event, then one DecisionRevised per new revision, in one call. Returns how many
 * failed. Revisions shared by changes served together are sent by one of them (their owner).
 */
async function publish(
  deps: OverrideDeps,
  o: StoredOverride,
  change: RedecideCause['change'],
  outcome: RedecideOutcome,
  nowMs: number,
): Promise<number> {
  // Revisions whose DecisionRevised event fails stay unsent; the next run re-sends them.
  // The re-decision wrote the pointers under the site's lease: only the sent flags are left.
  const { failed } = await publishDecisions(
    deps,
    outcome.owner ? outcome.revised : [],
    [overrideEvent(o, change, outcome.revised, nowMs)],
    {
      pointersWritten: true,
    },
  );
  return failed;
}

function ref(d: Decision): RevisionRef {
  return { siteId: d.siteId, intervalStart: d.intervalStart, revision: d.revision };
}
