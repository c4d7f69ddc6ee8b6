/**
 * The reconciler every run ends with: the decision chain of a site's recent and open intervals is
 * consistent when each current decision was computed from the current decision of the interval
 * before it (its `previousRevision` is that decision's revision) and, for an interval that has not
 * ended, with the overrides in force now. A break — a change whose re-decision stopped half-way, a
 * writer that raced another, a revision written out of order — is repaired by re-deciding forward
 * from the first open interval it affects (through `redecide`, under the site's lease), and logged.
 * A break in an interval that has ended is logged and left as recorded: it has been carried out.
 */
import type { Decision } from '#domain/decision.ts';
import { overridesInForce } from '#domain/grid.ts';
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { HOUR_MS, hourStart, MINUTE_MS } from '#domain/time.ts';
import { allDecisions } from './decision-log.ts';
import { type RedecideDeps, redecide, startsFrom } from './redecide.ts';

/** What the reconciler looks at: the hour before the one running, that hour, and the next (a run may decide it early). */
const BEHIND_MS = HOUR_MS;
const AHEAD_MS = 2 * HOUR_MS;

export type ChainBreak =
  | { intervalStart: string; kind: 'CHAIN'; computedFrom: number | null; previousCurrent: number }
  | { intervalStart: string; kind: 'OVERRIDES'; recorded: string[]; inForce: string[] };

/** The breaks among a site's current decisions (ascending, without gaps or with them), given the overrides in force. */
export function chainBreaks(
  site: Site,
  decisions: readonly Decision[],
  overrides: Parameters<typeof overridesInForce>[0],
  nowMs: number,
): ChainBreak[] {
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  const breaks: ChainBreak[] = [];
  for (let i = 0; i < decisions.length; i++) {
    const d = decisions[i]!;
    const t = Date.parse(d.intervalStart);
    const before = i > 0 && Date.parse(decisions[i - 1]!.intervalStart) === t - lenMs ? decisions[i - 1]! : null;
    if (before && !computedFrom(d, before)) {
      breaks.push({
        intervalStart: d.intervalStart,
        kind: 'CHAIN',
        computedFrom: d.previousRevision ?? null,
        previousCurrent: before.revision,
      });
      continue;
    }
    if (t + lenMs <= nowMs) continue;
    const recorded = d.inputs.overridesInForce ?? [];
    const inForce = overridesInForce(overrides, site.id, t, lenMs);
    if (recorded.length !== inForce.length || recorded.some((id, k) => id !== inForce[k])) {
      breaks.push({ intervalStart: d.intervalStart, kind: 'OVERRIDES', recorded, inForce });
    }
  }
  return breaks;
}

/** Was `d` computed from `before`: by the revision it records, or (recorded before it kept one, or by a change that left the state alone) by its state? */
function computedFrom(d: Decision, before: Decision): boolean {
  return d.previousRevision === before.revision || startsFrom(d, before);
}

/**
 * Finds the breaks in a site's recent and open intervals and repairs the first open one by
 * re-deciding forward from it. Returns the revisions written (the caller publishes them).
 */
export async function reconcileSite(deps: RedecideDeps, site: Site, runId: string): Promise<Decision[]> {
  const nowMs = deps.clock.nowMs();
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  const fromMs = hourStart(nowMs) - BEHIND_MS;
  const toMs = hourStart(nowMs) + AHEAD_MS;
  const [decisions, overrides] = await Promise.all([
    allDecisions(deps.decisions, site.id, fromMs - lenMs, toMs),
    deps.overrides.activeFor(site.id, fromMs, toMs),
  ]);
  const breaks = chainBreaks(site, decisions, overrides, nowMs).filter((b) => Date.parse(b.intervalStart) >= fromMs);
  if (breaks.length === 0) return [];
  const ended = breaks.filter((b) => Date.parse(b.intervalStart) + lenMs <= nowMs);
  for (const b of ended)
    deps.log.warn('decision chain broken in an interval that has ended; left as recorded', { runId, siteId: site.id, ...b });
  const first = breaks.find((b) => Date.parse(b.intervalStart) + lenMs > nowMs);
  if (!first) return [];
  const { revised } = await redecide(deps, site, {
    fromMs: Date.parse(first.intervalStart),
    toMs,
    reason: first.kind === 'CHAIN' ? 'CHAIN_RECONCILED' : 'OVERRIDES_RECONCILED',
    nowMs,
    runId,
  });
  deps.log.warn('decision chain repaired', {
    runId,
    siteId: site.id,
    from: first.intervalStart,
    breaks: breaks.length - ended.length,
    found: first,
    revisions: revised.map((d) => `${d.intervalStart}#${d.revision}`),
  });
  return revised;
}
