/**
 * Re-deciding a site's recorded decisions after a change (an override created or cancelled, or a
 * break the reconciler found): the decided intervals of the change's window that have not ended,
 * and every decided interval after them, get a new revision (current + 1, source OVERRIDE) made by
 * `decideInterval`, the way a scheduled run decides, each on the state the new revision before it
 * leaves — so every current decision is computed from the current decision before it — and with what
 * is known at the change: the latest stored prices, the market view a price re-decision uses.
 *
 * Contention settles without retries. Within a process, changes of one site queue behind the
 * re-decision in flight and are served together by the next one: it reads the overrides as they
 * are then, so one re-decision covers every change that arrived while it waited. Across processes,
 * a re-decision holds the site's lease (one conditional item with an expiry, `acquireRedecideLease`)
 * while it reads, decides and writes, so no two re-decisions of a site pick the same revision
 * number; price re-decisions take the same lease (`underSiteLease`). A change that cannot get the lease within a bound is refused with Retry-After (it is
 * stored; the next run's reconciler brings the decisions up to date).
 *
 * Its cost does not depend on how many revisions exist: one range read of the current decisions,
 * one read of the overrides in force, one conditional put per revision and one put per pointer.
 */
import { randomUUID } from 'node:crypto';
import { type Decision, stateAfter } from '#domain/decision.ts';
import { ThrottledError } from '#domain/errors.ts';
import type { Override } from '#domain/grid.ts';
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { HOUR_MS, hourStart, MINUTE_MS } from '#domain/time.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import { allDecisions } from './decision-log.ts';
import { MarketReader } from './market-view.ts';
import { decideInterval, type RunDeps } from './run-interval.ts';

export type RedecideDeps = Pick<RunDeps, 'decisions' | 'overrides' | 'marketData' | 'forecaster' | 'demo' | 'log' | 'clock'>;

export interface RedecideCause {
  overrideId: string;
  change: 'CREATED' | 'CANCELLED';
}

/** The reason code a re-decision carries, naming the override change that caused it. */
export function causeReason(cause: RedecideCause): string {
  return `OVERRIDE_${cause.change}:${cause.overrideId}`;
}

/** One change to bring into the decisions. */
export interface RedecideRequest {
  /** The window the change touches: its decided intervals that have not ended are re-decided, and those after them. */
  fromMs: number;
  toMs: number;
  /** The reason code the revisions in the window carry. */
  reason: string;
  /** The instant of the change. */
  nowMs: number;
  /** An override the change stored, in force whatever an eventually consistent index says yet. */
  created?: Override;
  /** An override the change cancelled: no longer in force. */
  cancelledId?: string;
  /** The run id the revisions carry when this change is re-decided alone. */
  runId: string;
}

export interface RedecideOutcome {
  /** The revisions written, in interval order (shared by every change the re-decision served). */
  revised: Decision[];
  /** Whether this change is the one that publishes those revisions' events (the first it served). */
  owner: boolean;
}

/** How long a re-decision may hold a site's lease: far longer than one takes, short enough to outlive a holder that stopped. */
export const LEASE_MS = 15_000;
/** How long a change waits for a lease another process holds before it is refused (Retry-After). */
export const LEASE_WAIT_MS = 5_000;
/** Attempts of one re-decision when a revision it wanted was recorded by a writer without the lease. */
const MAX_ATTEMPTS = 3;
/** How far past a window the decisions a re-decision reads reach: a run may decide up to the next hour. */
const AHEAD_MS = 24 * HOUR_MS;

/**
 * Re-decides the site's intervals that overlap [fromMs, toMs), have a decision, and have not ended
 * at `nowMs`, and the decided intervals after them. Returns the revisions written, in interval order.
 */
export async function redecideWindow(
  deps: RedecideDeps,
  site: Site,
  fromMs: number,
  toMs: number,
  cause: RedecideCause,
  nowMs: number,
): Promise<Decision[]> {
  const { revised } = await redecide(deps, site, {
    fromMs,
    toMs,
    reason: causeReason(cause),
    nowMs,
    ...(cause.change === 'CANCELLED' ? { cancelledId: cause.overrideId } : {}),
    runId: `override-${cause.overrideId}-${cause.change.toLowerCase()}`,
  });
  return revised;
}

interface Waiting {
  deps: RedecideDeps;
  request: RedecideRequest;
  resolve: (o: RedecideOutcome) => void;
  reject: (err: unknown) => void;
}

/** Changes waiting per store and site, in this process. Keyed by the repository, so that separate stores never share a queue. */
const queues = new WeakMap<DecisionRepository, Map<string, Waiting[]>>();

/** Brings one change into the site's decisions: queued behind the re-decision in flight, served with the changes beside it. */
export function redecide(deps: RedecideDeps, site: Site, request: RedecideRequest): Promise<RedecideOutcome> {
  let bySite = queues.get(deps.decisions);
  if (!bySite) {
    bySite = new Map();
    queues.set(deps.decisions, bySite);
  }
  const waiting = bySite.get(site.id);
  return new Promise((resolve, reject) => {
    const entry = { deps, request, resolve, reject };
    if (waiting) {
      waiting.push(entry);
      return;
    }
    const queue = [entry];
    bySite.set(site.id, queue);
    void drain(bySite, site, queue);
  });
}

async function drain(bySite: Map<string, Waiting[]>, site: Site, queue: Waiting[]): Promise<void> {
  while (queue.length > 0) {
    // Everything queued so far is served by one re-decision; what arrives meanwhile waits for the next.
    const batch = queue.splice(0);
    try {
      const revised = await underLease(
        batch[0]!.deps,
        site,
        batch.map((w) => w.request),
      );
      for (const [i, w] of batch.entries()) w.resolve({ revised, owner: i === 0 });
    } catch (err) {
      for (const w of batch) w.reject(err);
    }
  }
  bySite.delete(site.id);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tail of each site's line of lease holders in this process, per store. */
const turns = new WeakMap<DecisionRepository, Map<string, Promise<void>>>();

/**
 * Runs `work` holding the site's re-decision lease: after whatever this process already runs or
 * queued under it (in order, without asking the store), then once the store grants the lease — so
 * that two re-decisions of a site (a change's, a new price's, the reconciler's) never read and write
 * its decisions at once, in one process or across several. A lease another process keeps beyond
 * LEASE_WAIT_MS is a ThrottledError (`busy` names what is refused).
 */
export async function underSiteLease<T>(
  deps: Pick<RedecideDeps, 'decisions' | 'clock' | 'log'>,
  site: Site,
  busy: string,
  work: () => Promise<T>,
): Promise<T> {
  let bySite = turns.get(deps.decisions);
  if (!bySite) {
    bySite = new Map();
    turns.set(deps.decisions, bySite);
  }
  const before = bySite.get(site.id) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  const tail = before.then(() => mine);
  bySite.set(site.id, tail);
  await before;
  try {
    return await leased(deps, site, busy, work);
  } finally {
    done();
    if (bySite.get(site.id) === tail) bySite.delete(site.id);
  }
}

async function leased<T>(deps: Pick<RedecideDeps, 'decisions' | 'clock' | 'log'>, site: Site, busy: string, work: () => Promise<T>) {
  const holder = `redecide-${randomUUID()}`;
  const waitStarted = performance.now();
  for (let delay = 5; ; delay = Math.min(delay * 2, 250)) {
    const now = deps.clock.nowMs();
    if (await deps.decisions.acquireRedecideLease(site.id, holder, now, now + LEASE_MS)) break;
    if (performance.now() - waitStarted > LEASE_WAIT_MS) {
      deps.log.warn('re-decision lease busy; refused with Retry-After', { siteId: site.id, refused: busy });
      throw new ThrottledError(`the decisions of ${site.id} are being re-decided by another change; ${busy}`, 1);
    }
    await sleep(delay * (0.5 + Math.random()));
  }
  try {
    return await work();
  } finally {
    await deps.decisions.releaseRedecideLease(site.id, holder);
  }
}

function underLease(deps: RedecideDeps, site: Site, requests: readonly RedecideRequest[]): Promise<Decision[]> {
  const busy = `${requests.length === 1 ? 'the change is' : `the ${requests.length} changes are`} stored and the next run re-decides them`;
  return underSiteLease(deps, site, busy, () => redecideRetrying(deps, site, requests));
}

async function redecideRetrying(deps: RedecideDeps, site: Site, requests: readonly RedecideRequest[]): Promise<Decision[]> {
  const written: Decision[] = [];
  for (let attempt = 1; ; attempt++) {
    const result = await redecideOnce(deps, site, requests);
    written.push(...result.written);
    if (result.collided === 0) return written;
    if (attempt >= MAX_ATTEMPTS) {
      throw new ThrottledError(`the decisions of ${site.id} kept changing during the re-decision; the change is stored, retry shortly`, 1);
    }
    // A writer without the lease (or a holder that stopped between a revision and its pointer) took a
    // revision number: the pointers now show what is recorded, and the re-decision starts over on top of it.
    deps.log.warn('re-decision met a revision recorded without the lease; deciding again on top of it', { siteId: site.id, attempt });
  }
}

/**
 * Was `d` decided on the state `before` leaves its loads in (what the policy reads of the interval
 * before)? Then it is the decision a re-decision on `before` would make, whichever revision it named.
 */
export function startsFrom(d: Decision, before: Decision): boolean {
  const state = stateAfter(before);
  const recorded = d.inputs.previous ?? {};
  const ids = Object.keys(state);
  if (ids.length !== Object.keys(recorded).length) return false;
  return ids.every(
    (id) => recorded[id] !== undefined && recorded[id].mw === state[id]!.mw && Date.parse(recorded[id].since) === state[id]!.sinceMs,
  );
}

/** The overrides in force as this re-decision sees them: the stored ones, with the changes it serves applied. */
function inForce(stored: readonly Override[], requests: readonly RedecideRequest[]): Override[] {
  const cancelled = new Set(requests.flatMap((r) => (r.cancelledId ? [r.cancelledId] : [])));
  const byId = new Map(stored.map((o) => [o.id, o]));
  for (const r of requests) if (r.created && !byId.has(r.created.id)) byId.set(r.created.id, r.created);
  return [...byId.values()].filter((o) => !cancelled.has(o.id));
}

async function redecideOnce(
  deps: RedecideDeps,
  site: Site,
  requests: readonly RedecideRequest[],
): Promise<{ written: Decision[]; collided: number }> {
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  const nowMs = Math.max(...requests.map((r) => r.nowMs));
  // Interval [t, t + len) overlaps a window and has not ended: t > from − len and t > now − len.
  const open = requests.filter((r) => Math.max(r.fromMs, nowMs) - lenMs + 1 < r.toMs);
  if (open.length === 0) return { written: [], collided: 0 };
  const startMs = Math.min(...open.map((r) => Math.max(r.fromMs, nowMs) - lenMs + 1));
  // The windows' intervals and a day after them: far past anything a run has decided yet (runs decide up to the next hour).
  const endMs = Math.max(...open.map((r) => Math.min(r.toMs, startMs + AHEAD_MS))) + AHEAD_MS;
  // The market data as of now, read again only where something was written since the last re-decision read it.
  const reader = new MarketReader(deps.marketData.view?.() ?? deps.marketData, deps.demo ?? false);
  // One round of reads: the current decisions (and the one before the first, whose state carries
  // over) and the overrides in force; the market data of the hour now running alongside.
  const firstHour = hourStart(startMs + lenMs - 1);
  const [stored, active] = await Promise.all([
    allDecisions(deps.decisions, site.id, startMs - lenMs, endMs),
    deps.overrides.activeFor(site.id, startMs, endMs),
    ...(firstHour <= nowMs ? marketReads(reader, site, [firstHour], nowMs) : []),
  ]);
  const overrides = inForce(active, requests);
  const first = stored.findIndex((d) => Date.parse(d.intervalStart) >= startMs);
  if (first < 0) return { written: [], collided: 0 };
  // The windows' decided intervals, then those after them that follow on without a gap (decided
  // below only while the state they start from changes).
  const affected: Decision[] = [];
  for (const d of stored.slice(first)) {
    const t = Date.parse(d.intervalStart);
    const inWindow = open.some((r) => t < r.toMs);
    const follows = affected.length > 0 && Date.parse(affected[affected.length - 1]!.intervalStart) === t - lenMs;
    if (!inWindow && !follows) break;
    affected.push(d);
  }
  const hours = [...new Set(affected.map((d) => hourStart(Date.parse(d.intervalStart))))];
  await Promise.all(marketReads(reader, site, hours, nowMs));

  const runId = requests.length === 1 ? requests[0]!.runId : `redecide-${randomUUID().slice(0, 8)}`;
  const firstStart = Date.parse(affected[0]!.intervalStart);
  let last: Decision | null = stored.find((d) => Date.parse(d.intervalStart) === firstStart - lenMs) ?? null;
  const candidates: Decision[] = [];
  for (const current of affected) {
    const t = Date.parse(current.intervalStart);
    const previous = last && Date.parse(last.intervalStart) === t - lenMs ? last : null;
    // Past the windows, an interval that already starts from the state the new chain leaves is decided as it would be: the chain holds from here.
    if (!open.some((r) => t < r.toMs) && previous && startsFrom(current, previous)) break;
    // What is known now, as a price re-decision decides (jobs/price-redecide.ts): deciding with the
    // hour-start prices would undo a price update that arrived since.
    const decisionTimeMs = nowMs;
    const snap = await reader.snapshot(site, hourStart(t), decisionTimeMs);
    const candidate = await decideInterval(
      deps,
      reader,
      { site, snap, overrides, intervalStartMs: t, previous: previous && stateAfter(previous), decisionTimeMs },
      { revision: current.revision + 1, source: 'OVERRIDE', decidedAtMs: nowMs, runId, previousRevision: previous?.revision ?? null },
    );
    for (const r of requests) if (overlapsWindow(r, t, lenMs) && !candidate.reasons.includes(r.reason)) candidate.reasons.push(r.reason);
    if (!open.some((r) => overlapsWindow(r, t, lenMs))) candidate.reasons.push('PREVIOUS_REVISED');
    candidates.push(candidate);
    last = candidate;
  }

  // One round of writes for the revisions, then one for the pointers: the next holder of the lease reads them.
  const outcomes = await Promise.all(candidates.map((c) => deps.decisions.putRevision(c)));
  const written = candidates.filter((_, i) => outcomes[i] === 'written');
  const taken = candidates.filter((_, i) => outcomes[i] === 'exists');
  const theirs = await Promise.all(taken.map((c) => deps.decisions.revision(site.id, c.intervalStart, c.revision)));
  await deps.decisions.makeCurrent([...written, ...theirs.filter((d): d is Decision => d !== null)]);
  if (taken.length > 0) {
    deps.log.warn('revision recorded without the lease', {
      siteId: site.id,
      intervals: taken.map((c) => c.intervalStart),
      revisions: taken.map((c) => c.revision),
    });
  }
  return { written, collided: taken.length };
}

function overlapsWindow(r: RedecideRequest, t: number, lenMs: number): boolean {
  return r.fromMs < t + lenMs && r.toMs > t;
}

function marketReads(reader: MarketReader, site: Site, hours: readonly number[], nowMs: number): Promise<unknown>[] {
  return hours.flatMap((h) => [reader.snapshot(site, h, nowMs), reader.loadHistory(site, h, nowMs), reader.hashprice(h)]);
}
