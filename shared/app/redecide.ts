/**
 * Re-deciding the intervals an override change touches: the intervals of the window that already
 * have a decision and have not ended get a new revision (current + 1, source OVERRIDE) made by
 * `decideInterval`, the same way a scheduled run decides. A revision collision (another change
 * re-decided the interval first) re-reads the interval and tries again on top of it. Revisions are
 * written once (`putRevision`); the caller's `publishDecisions` sends their events and moves the
 * current pointers, as a run does.
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
  // the overrides in force, and the market data of the hours involved.
  const reader = new MarketReader(deps.marketData, deps.demo ?? false);
  const [stored, active] = await Promise.all([
    allDecisions(deps.decisions, site.id, startMs - lenMs, toMs),
    deps.overrides.activeFor(site.id, startMs, toMs),
  ]);
  const affected = stored.filter((d) => Date.parse(d.intervalStart) >= startMs);
  if (affected.length === 0) return [];
  const spanFrom = Date.parse(affected[0]!.intervalStart);
  const spanTo = Date.parse(affected[affected.length - 1]!.intervalStart) + lenMs;
  const hours = [...new Set(affected.map((d) => hourStart(Date.parse(d.intervalStart))))];
  await Promise.all([
    ...hours.map((h) => reader.snapshot(site, h, Math.min(nowMs, h))),
    ...hours.map((h) => reader.loadHistory(site, h, Math.min(nowMs, h))),
    reader.hashprice(spanFrom),
  ]);
  let overrides: Override[] = active;
  const runId = `override-${cause.overrideId}-${cause.change.toLowerCase()}`;
  const written: Decision[] = [];
  let last: Decision | null = stored.find((d) => Date.parse(d.intervalStart) === spanFrom - lenMs) ?? null;

  for (const original of affected) {
    const t = Date.parse(original.intervalStart);
    const decisionTimeMs = Math.min(nowMs, hourStart(t));
    const snap = await reader.snapshot(site, hourStart(t), decisionTimeMs);
    let previous: PreviousState | null;
    if (last && Date.parse(last.intervalStart) === t - lenMs) previous = stateAfter(last);
    else {
      const before = await deps.decisions.current(site.id, iso(t - lenMs));
      previous = before ? stateAfter(before) : null;
    }
    let current: Decision = original;
    for (let attempt = 1; ; attempt++) {
      const candidate = await decideInterval(
        deps,
        reader,
        { site, snap, overrides, intervalStartMs: t, previous, decisionTimeMs },
        { revision: current.revision + 1, source: 'OVERRIDE', decidedAtMs: nowMs, runId },
      );
      const reason = causeReason(cause);
      if (!candidate.reasons.includes(reason)) candidate.reasons.push(reason);
      // The revision now; its current pointer when its event goes out (publishDecisions), as a run does.
      if ((await deps.decisions.putRevision(candidate)) === 'written') {
        written.push(candidate);
        last = candidate;
        break;
      }
      // Someone recorded this revision first. If it was decided with this change already in view,
      // it reflects the change and there is nothing left to do for the interval.
      const winner = await deps.decisions.revision(site.id, original.intervalStart, candidate.revision);
      if (winner && reflects(winner, cause)) {
        last = winner;
        break;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new ConflictError(`interval ${original.intervalStart} of ${site.id} is being re-decided by other changes; the override is stored, retry to re-decide`);
      }
      // Decide again on top of theirs, with the overrides as they are now.
      deps.log.info('re-decision collided; retrying on the newer revision', { siteId: site.id, interval: original.intervalStart, revision: candidate.revision, overrideId: cause.overrideId });
      // The pointer may lag the revision records (another change between its two writes): never go below what exists.
      current = (await deps.decisions.current(site.id, original.intervalStart)) ?? current;
      if (current.revision < candidate.revision) current = { ...current, revision: candidate.revision };
      overrides = await deps.overrides.activeFor(site.id, spanFrom, spanTo);
    }
  }
  return written;
}
