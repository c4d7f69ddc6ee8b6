/**
 * Re-deciding the intervals an override change touches: the intervals of the window that already
 * have a decision and have not ended get a new revision (current + 1, source OVERRIDE) made by
 * `decideInterval`, the same way a scheduled run decides. A change costs one round of reads and
 * one round of writes: the intervals are decided in order, then their revisions are written
 * together (each `putRevision` is a single conditional put). A revision collision (another change
 * re-decided an interval first) is settled one interval at a time from there: decided again on top
 * of the newer revision. The caller's `publishDecisions` sends the events and moves the current
 * pointers, as a run does.
 */
import { stateAfter, type Decision } from '#domain/decision.ts';
import { ConflictError } from '#domain/errors.ts';
import type { Override } from '#domain/grid.ts';
import type { PreviousState } from '#domain/policy.ts';
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { MINUTE_MS, hourStart, iso } from '#domain/time.ts';
import { allDecisions } from './decision-log.ts';
import { MarketReader } from './market-view.ts';
import { decideInterval, type RunDeps } from './run-interval.ts';

export type RedecideDeps = Pick<RunDeps, 'decisions' | 'overrides' | 'marketData' | 'forecaster' | 'demo' | 'log'>;

export interface RedecideCause {
  overrideId: string;
  change: 'CREATED' | 'CANCELLED';
}

/** The reason code a re-decision carries, naming the override change that caused it. */
export function causeReason(cause: RedecideCause): string {
  return `OVERRIDE_${cause.change}:${cause.overrideId}`;
}

/** Attempts per interval when other changes keep taking the next revision number first. */
const MAX_ATTEMPTS = 8;

/** Was this revision decided with the change in view: the override in force after a create, gone after a cancel? */
function reflects(d: Decision, cause: RedecideCause): boolean {
  const inForce = d.inputs.overridesInForce?.includes(cause.overrideId) ?? false;
  return cause.change === 'CREATED' ? inForce : !inForce;
}

/**
 * Re-decides the site's intervals that overlap [fromMs, toMs), have a decision, and have not ended
 * at `nowMs`. Returns the revisions written, in interval order.
 */
export async function redecideWindow(deps: RedecideDeps, site: Site, fromMs: number, toMs: number, cause: RedecideCause, nowMs: number): Promise<Decision[]> {
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  // Interval [t, t + len) overlaps the window and has not ended: t > from − len and t > now − len.
  const startMs = Math.max(fromMs, nowMs) - lenMs + 1;
  if (startMs >= toMs) return [];
  // One round of reads: the decisions (and the one before the first, whose state carries over),
  // the overrides in force and, when the window covers the hour now running (the hour a run has
  // decided), that hour's market data alongside.
  const reader = new MarketReader(deps.marketData, deps.demo ?? false);
  const firstHour = hourStart(startMs + lenMs - 1);
  const [stored, active] = await Promise.all([
    allDecisions(deps.decisions, site.id, startMs - lenMs, toMs),
    deps.overrides.activeFor(site.id, startMs, toMs),
    ...(firstHour <= nowMs ? marketReads(reader, site, [firstHour], nowMs) : []),
  ]);
  const affected = stored.filter((d) => Date.parse(d.intervalStart) >= startMs);
  if (affected.length === 0) return [];
  // Any other hour with decided intervals (e.g. caught-up runs): read it now.
  await Promise.all(marketReads(reader, site, [...new Set(affected.map((d) => hourStart(Date.parse(d.intervalStart))))], nowMs));

  const ctx: Redeciding = { deps, reader, site, cause, nowMs, runId: `override-${cause.overrideId}-${cause.change.toLowerCase()}` };
  // Decide every interval in order, each on the state the one before leaves, then record the
  // revisions together: one round of writes.
  const before = stored.find((d) => Date.parse(d.intervalStart) === Date.parse(affected[0]!.intervalStart) - lenMs) ?? null;
  let last = before;
  const candidates: Decision[] = [];
  for (const original of affected) {
    const candidate = await decideRevision(ctx, original, await previousOf(ctx, last, original), active);
    candidates.push(candidate);
    last = candidate;
  }
  const outcomes = await Promise.all(candidates.map((c) => deps.decisions.putRevision(c)));
  const collided = outcomes.indexOf('exists');
  if (collided < 0) return candidates;

  // Another change took an interval's next revision first. From there on, one interval at a time:
  // that one is decided again on top of what is recorded, and a later revision of ours is kept
  // only if the state it was decided on is still the state the interval before it leaves.
  const written = candidates.slice(0, collided);
  last = collided > 0 ? candidates[collided - 1]! : before;
  for (let i = collided; i < affected.length; i++) {
    const ours = candidates[i]!;
    if (outcomes[i] === 'written') {
      written.push(ours);
      const decidedOn = i > 0 ? candidates[i - 1]! : before;
      last = sameState(decidedOn, last) ? ours : await reviseOnTop(ctx, ours, await previousOf(ctx, last, ours), written);
      continue;
    }
    const lost = await afterCollision(ctx, ours);
    last = 'winner' in lost ? lost.winner : await reviseOnTop(ctx, lost.base, await previousOf(ctx, last, ours), written, 2);
  }
  return written;
}

interface Redeciding {
  deps: RedecideDeps;
  reader: MarketReader;
  site: Site;
  cause: RedecideCause;
  nowMs: number;
  runId: string;
}

function marketReads(reader: MarketReader, site: Site, hours: readonly number[], nowMs: number): Promise<unknown>[] {
  return hours.flatMap((h) => [reader.snapshot(site, h, Math.min(nowMs, h)), reader.loadHistory(site, h, Math.min(nowMs, h)), reader.hashprice(h)]);
}

/** The state an interval starts from: what the decision before it left, or what is recorded before it. */
async function previousOf(ctx: Redeciding, last: Decision | null, d: Decision): Promise<PreviousState | null> {
  const t = Date.parse(d.intervalStart);
  const lenMs = d.intervalMinutes * MINUTE_MS;
  if (last && Date.parse(last.intervalStart) === t - lenMs) return stateAfter(last);
  const before = await ctx.deps.decisions.current(ctx.site.id, iso(t - lenMs));
  return before ? stateAfter(before) : null;
}

/** The next revision of an interval, decided the way a run decides, with the cause among its reasons. */
async function decideRevision(ctx: Redeciding, current: Decision, previous: PreviousState | null, overrides: readonly Override[]): Promise<Decision> {
  const { site, nowMs } = ctx;
  const t = Date.parse(current.intervalStart);
  const decisionTimeMs = Math.min(nowMs, hourStart(t));
  const snap = await ctx.reader.snapshot(site, hourStart(t), decisionTimeMs);
  const candidate = await decideInterval(
    ctx.deps,
    ctx.reader,
    { site, snap, overrides, intervalStartMs: t, previous, decisionTimeMs },
    { revision: current.revision + 1, source: 'OVERRIDE', decidedAtMs: nowMs, runId: ctx.runId },
  );
  const reason = causeReason(ctx.cause);
  if (!candidate.reasons.includes(reason)) candidate.reasons.push(reason);
  return candidate;
}

/**
 * Records the next revision on top of `base`, deciding again on top of the newer one whenever
 * another change records that revision number first. Returns the revision the interval ends at.
 */
async function reviseOnTop(ctx: Redeciding, base: Decision, previous: PreviousState | null, written: Decision[], attempt = 1): Promise<Decision> {
  const { deps, site, cause } = ctx;
  const t = Date.parse(base.intervalStart);
  for (; ; attempt++) {
    // With the overrides as they are now: another change is in flight.
    const overrides = await deps.overrides.activeFor(site.id, t, t + base.intervalMinutes * MINUTE_MS);
    const candidate = await decideRevision(ctx, base, previous, overrides);
    if ((await deps.decisions.putRevision(candidate)) === 'written') {
      written.push(candidate);
      return candidate;
    }
    const lost = await afterCollision(ctx, candidate);
    if ('winner' in lost) return lost.winner;
    if (attempt >= MAX_ATTEMPTS) {
      throw new ConflictError(`interval ${base.intervalStart} of ${site.id} is being re-decided by other changes; the override is stored, retry to re-decide`);
    }
    deps.log.info('re-decision collided; retrying on the newer revision', { siteId: site.id, interval: base.intervalStart, revision: candidate.revision, overrideId: cause.overrideId });
    base = lost.base;
  }
}

/**
 * Someone recorded the revision a candidate wanted. If theirs was decided with this change already
 * in view it reflects the change, and there is nothing left to do for the interval; otherwise the
 * next attempt goes on top of the newest revision.
 */
async function afterCollision(ctx: Redeciding, candidate: Decision): Promise<{ winner: Decision } | { base: Decision }> {
  const { decisions } = ctx.deps;
  const [winner, current] = await Promise.all([
    decisions.revision(ctx.site.id, candidate.intervalStart, candidate.revision),
    decisions.current(ctx.site.id, candidate.intervalStart),
  ]);
  if (winner && reflects(winner, ctx.cause)) return { winner };
  // The pointer may lag the revision records (another change between its two writes): never go below what exists.
  const base = current ?? winner ?? candidate;
  return { base: base.revision >= candidate.revision ? base : { ...base, revision: candidate.revision } };
}

/** Do two decisions leave their loads in the same state (what the next interval is decided on)? */
function sameState(a: Decision | null, b: Decision | null): boolean {
  if (a === null || b === null) return a === b;
  return JSON.stringify(stateAfter(a)) === JSON.stringify(stateAfter(b));
}
