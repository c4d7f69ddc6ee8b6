/**
 * runInterval: for every site, decide the intervals of an hour, record them, publish them,
 * and record the run. Idempotent (an interval that already has a decision is left as it is),
 * resumable (missed hours since the last successful run are caught up, up to a bound), and
 * safe under concurrency (decisions are written with conditional puts). Each run ends with the
 * reconciler (`reconcile.ts`): a break in the chain of recent and open decisions is repaired.
 */
import { randomUUID } from 'node:crypto';
import { forEachLimit } from '#domain/concurrency.ts';
import { type Decision, type DecisionMeta, stateAfter, toDecision } from '#domain/decision.ts';
import { ThrottledError, ValidationError } from '#domain/errors.ts';
import type { PriceForecaster } from '#domain/forecast.ts';
import type { Override } from '#domain/grid.ts';
import { type DecisionInput, decide, type PreviousState } from '#domain/policy.ts';
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { HOUR_MS, hourStart, intervalsOfHour, iso, MINUTE_MS } from '#domain/time.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRecord, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { Outbox } from '#ports/outbox.ts';
import { MarketReader, type MarketSnapshot } from './market-view.ts';
import { drainOutbox } from './outbox.ts';
import { livePeakProbability } from './peak-risk.ts';
import { publishDecisions, resendUnpublished } from './publish.ts';
import { reconcileSite } from './reconcile.ts';

export interface RunDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
  marketData: MarketDataRepository;
  runs: RunRepository;
  overrides: OverrideRepository;
  publisher: EventPublisher;
  /** Where events that no record tracks wait when they cannot be sent; each run sends them. */
  outbox?: Outbox;
  clock: Clock;
  forecaster: PriceForecaster;
  log: Logger;
  /** Market data comes from the demo source: labelled on every decision. */
  demo?: boolean;
  /** How many missed hours a scheduled run catches up at most (newest first kept). */
  maxCatchUpHours?: number;
  /** Sites decided at once. */
  concurrency?: number;
}

export interface RunRequest {
  /** An instant in the hour to decide; default: now. */
  atMs?: number;
  /** 'schedule' catches up missed hours; an explicit hour ('cli', 'api') runs just that hour. */
  trigger: string;
}

export interface RunSummary {
  runs: RunRecord[];
  decisionsWritten: number;
  decisionsExisting: number;
  eventsSent: number;
  eventsFailed: number;
  resent: number;
}

/** The hours a run decides: the requested one, plus missed hours before it for scheduled runs. */
export function hoursToRun(targetHourMs: number, lastSuccessHourMs: number | null, catchUp: boolean, maxCatchUpHours: number): number[] {
  if (!catchUp || lastSuccessHourMs === null || lastSuccessHourMs >= targetHourMs) return [targetHourMs];
  const first = Math.max(lastSuccessHourMs + HOUR_MS, targetHourMs - (maxCatchUpHours - 1) * HOUR_MS);
  const hours: number[] = [];
  for (let h = first; h <= targetHourMs; h += HOUR_MS) hours.push(h);
  return hours;
}

/** The earliest hour a run may be asked for: the start of ERCOT's nodal market (1 Dec 2010); no market data is older. */
export const EARLIEST_RUN_MS = Date.UTC(2010, 11, 1, 6);

/**
 * Refuses an hour no run can decide: later than the next hour (no market data; and a run recorded
 * for a far future hour would end the catch-up of missed hours) or before the earliest market data.
 */
export function checkRunHour(atMs: number, nowMs: number): void {
  const latest = hourStart(nowMs) + HOUR_MS;
  if (!Number.isFinite(atMs) || atMs < EARLIEST_RUN_MS || hourStart(atMs) > latest) {
    const got = Number.isFinite(atMs) ? iso(atMs) : String(atMs);
    throw new ValidationError('run', [
      { path: 'at', message: `must be an instant from ${iso(EARLIEST_RUN_MS)} to the next hour (${iso(latest)}); got ${got}` },
    ]);
  }
}

export async function runInterval(deps: RunDeps, req: RunRequest): Promise<RunSummary> {
  const now = deps.clock.nowMs();
  if (req.atMs !== undefined) checkRunHour(req.atMs, now);
  const target = hourStart(req.atMs ?? now);
  const catchUp = req.atMs === undefined;
  const last = catchUp ? await deps.runs.lastSuccessfulHour() : null;
  const hours = hoursToRun(target, last, catchUp, deps.maxCatchUpHours ?? 24);
  if (last !== null && catchUp && hours.length > 1)
    deps.log.info('catching up missed hours', { from: iso(hours[0]!), to: iso(target), hours: hours.length });

  // Events that an earlier run could not send go first, so that controllers see them in order.
  const resent = (await resendUnpublished(deps)) + (deps.outbox ? await drainOutbox(deps.outbox, deps.publisher, deps.log) : 0);

  const summary: RunSummary = { runs: [], decisionsWritten: 0, decisionsExisting: 0, eventsSent: 0, eventsFailed: 0, resent };
  const reader = new MarketReader(deps.marketData, deps.demo ?? false);
  for (const hour of hours) {
    // The last hour's run ends with the reconciler: any break in the recent and open intervals is repaired.
    const run = await runHour(deps, reader, hour, req.trigger, hour === hours[hours.length - 1]);
    summary.runs.push(run);
    summary.decisionsWritten += run.decisionsWritten;
    summary.decisionsExisting += run.decisionsExisting;
    summary.eventsSent += run.eventsSent;
    summary.eventsFailed += run.eventsFailed;
  }
  return summary;
}

async function runHour(deps: RunDeps, reader: MarketReader, hourStartMs: number, trigger: string, reconcile: boolean): Promise<RunRecord> {
  const startedAt = deps.clock.nowMs();
  const runId = `run-${iso(hourStartMs).slice(0, 13).replace(/[-T:]/g, '')}-${randomUUID().slice(0, 8)}`;
  const log = deps.log;
  const errors: string[] = [];
  const written: Decision[] = [];
  let existing = 0;

  const decideSite = async (site: Site) => {
    try {
      const result = await decideSiteHour(deps, reader, site, hourStartMs, runId);
      written.push(...result.written);
      existing += result.existing;
      if (reconcile) written.push(...(await reconcileQuietly(deps, site, runId)));
    } catch (err) {
      const message = `${site.id}: ${(err as Error).message}`;
      errors.push(message);
      log.error('site run failed', { runId, siteId: site.id, hour: iso(hourStartMs), error: (err as Error).message });
    }
  };
  await forEachLimit(deps.sites, deps.concurrency ?? 16, decideSite);

  const published = await publishDecisions(deps, written);
  const status = errors.length === 0 ? 'SUCCEEDED' : errors.length < deps.sites.length ? 'PARTIAL' : 'FAILED';
  const run: RunRecord = {
    runId,
    hourStart: iso(hourStartMs),
    startedAt: iso(startedAt),
    finishedAt: iso(deps.clock.nowMs()),
    status,
    trigger,
    sites: deps.sites.length,
    decisionsWritten: written.length,
    decisionsExisting: existing,
    eventsSent: published.sent,
    eventsFailed: published.failed,
    errors,
  };
  await deps.runs.put(run);
  if (status === 'SUCCEEDED') await deps.runs.markHourSucceeded(hourStartMs);
  log.info('run finished', {
    runId,
    hour: run.hourStart,
    status,
    written: run.decisionsWritten,
    existing,
    eventsSent: published.sent,
    eventsFailed: published.failed,
  });
  return run;
}

/** The reconciler for one site; a site whose decisions another change is re-deciding right now is left to it (it chains forward). */
async function reconcileQuietly(deps: RunDeps, site: Site, runId: string): Promise<Decision[]> {
  try {
    return await reconcileSite(deps, site, runId);
  } catch (err) {
    if (!(err instanceof ThrottledError)) throw err;
    deps.log.info('reconciler skipped a site being re-decided', { runId, siteId: site.id });
    return [];
  }
}

/** Decides and records the intervals of one site-hour that have no decision yet. */
async function decideSiteHour(
  deps: RunDeps,
  reader: MarketReader,
  site: Site,
  hourStartMs: number,
  runId: string,
): Promise<{ written: Decision[]; existing: number }> {
  const intervalMinutes = intervalMinutesFor(site.market);
  const starts = intervalsOfHour(hourStartMs, intervalMinutes);
  const lenMs = intervalMinutes * MINUTE_MS;
  // Inputs are what was known at the hour's start (or now, if that is earlier): a re-run later sees the same.
  const decisionTimeMs = Math.min(deps.clock.nowMs(), hourStartMs);

  // One read for the interval before the hour (its state carries over) and the hour's own.
  const stored = await deps.decisions.bySite(site.id, hourStartMs - lenMs, hourStartMs + HOUR_MS, { limit: starts.length + 1 });
  const byStart = new Map(stored.items.map((d) => [d.intervalStart, d]));
  const before = byStart.get(iso(hourStartMs - lenMs)) ?? null;
  const existingDecisions = starts.map((t) => byStart.get(iso(t)) ?? null);
  if (existingDecisions.every((d) => d !== null)) return { written: [], existing: starts.length };
  const now = deps.clock.nowMs();
  const overrides = await deps.overrides.activeFor(site.id, hourStartMs, hourStartMs + HOUR_MS);

  const snap = await reader.snapshot(site, hourStartMs, decisionTimeMs);
  // Each interval is decided on the one before it, and records which revision that was.
  let last: Decision | null = before;
  const written: Decision[] = [];
  let existing = 0;
  for (let i = 0; i < starts.length; i++) {
    const t = starts[i]!;
    let decision = existingDecisions[i] ?? null;
    if (decision) {
      existing++;
    } else {
      const previous = last ? stateAfter(last) : null;
      const ctx = { site, snap, overrides, intervalStartMs: t, previous, decisionTimeMs };
      const meta = { revision: 1, source: 'AUTO' as const, decidedAtMs: now, runId, previousRevision: last?.revision ?? null };
      const candidate = await decideInterval(deps, reader, ctx, meta);
      // The revision now; the current pointer once its event has gone out (publishDecisions).
      const outcome = await deps.decisions.putRevision(candidate);
      if (outcome === 'written') {
        decision = candidate;
        written.push(candidate);
      } else {
        // Recorded first by a concurrent run, or by one that stopped before its pointer: continue from
        // what was written, and make sure it is readable as current.
        decision = (await deps.decisions.revision(site.id, iso(t), 1)) ?? candidate;
        await deps.decisions.makeCurrent([decision]);
        existing++;
      }
    }
    last = decision;
  }
  return { written, existing };
}

export interface IntervalContext {
  site: Site;
  snap: MarketSnapshot;
  overrides: readonly Override[];
  intervalStartMs: number;
  previous: PreviousState | null;
  decisionTimeMs: number;
}

/**
 * The one way a decision is made, for scheduled runs and re-decisions alike: the policy's input
 * from what was known at decision time, the policy, and the record.
 */
export async function decideInterval(
  deps: Pick<RunDeps, 'forecaster'>,
  reader: MarketReader,
  ctx: IntervalContext,
  meta: DecisionMeta,
): Promise<Decision> {
  const { site, snap, intervalStartMs: t } = ctx;
  const intervalMinutes = intervalMinutesFor(site.market);
  const loads = await reader.loadHistory(site, hourStart(t), ctx.decisionTimeMs);
  const peak = livePeakProbability(site, t, intervalMinutes, ctx.decisionTimeMs, loads);
  const input: DecisionInput = {
    site,
    intervalStartMs: t,
    intervalMinutes,
    price: reader.price(site, snap, t, ctx.decisionTimeMs, deps.forecaster),
    hashprice: await reader.hashprice(t),
    peakProbability: peak ?? 0,
    ...(peak === null ? { peakRiskUnknown: true } : {}),
    gridEvents: snap.gridEvents,
    overrides: ctx.overrides,
    previous: ctx.previous,
    carbon: await reader.intensity(site, t),
  };
  const plan = await reader.dayAheadPlan(site, t, ctx.decisionTimeMs, intervalMinutes);
  if (plan) input.dayAheadPlan = plan;
  return toDecision(input, decide(input), meta);
}
