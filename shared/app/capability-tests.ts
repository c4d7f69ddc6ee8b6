/**
 * Curtailment capability tests (Texas SB 6 evidence): an operator schedules "put N% of the mining fleet to sleep for M
 * minutes from T". The test reaches the miners the way any forced state does: a site-wide CAP override labelled with
 * the test's id (audited, re-decided at once, in the dispatch plan the site agent polls). After its window, the
 * response is judged from the agent's telemetry and recorded once on the test; until then it is shown as measured so far.
 *
 * A create may carry an idempotency key: a retry with the same body returns the same test, and a retry after a first
 * attempt that stopped half-way finishes it under the same test id (its override is created under a key derived from
 * that id, so it is never created twice).
 */
import { randomUUID } from 'node:crypto';
import {
  type CapabilityResponse,
  type CapabilityTestRequest,
  capabilityCapMw,
  capabilityResponse,
  capabilityTestIssues,
  largeLoadFacts,
  MAX_TEST_MINUTES,
} from '#domain/capability-tests.ts';
import { ConflictError, NotFoundError, ValidationError } from '#domain/errors.ts';
import { overrideIssues } from '#domain/override-rules.ts';
import type { Site } from '#domain/sites.ts';
import { BASELINE_LOOKBACK_MS } from '#domain/telemetry.ts';
import { DAY_MS, iso, MINUTE_MS } from '#domain/time.ts';
import type { CapabilityTestRepository, StoredCapabilityTest } from '#ports/capability-tests.ts';
import type { Clock } from '#ports/clock.ts';
import type { OverrideRepository } from '#ports/decisions.ts';
import type { IdempotencyStore } from '#ports/idempotency.ts';
import type { Logger } from '#ports/logger.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { DEFAULT_IDEMPOTENCY, idempotent } from './idempotency.ts';
import { type CreateOverrideCommand, type OverrideResult, overrideAuditRecords } from './overrides.ts';
import { checkRange } from './queries/range.ts';
import { siteOf } from './sites.ts';
import { loadEventId } from './telemetry.ts';

/** The widest range a listing (or a compliance report) of tests may span. */
export const CAPABILITY_RANGE_DAYS = 92;
/** A test whose telemetry has not caught up with its end is judged on what there is this long after it ended. */
export const TELEMETRY_GRACE_MS = DAY_MS;

export interface CapabilityTestDeps {
  sites: readonly Site[];
  capabilityTests: CapabilityTestRepository;
  telemetry: TelemetryRepository;
  overrides: Pick<OverrideRepository, 'get'>;
  idempotency: IdempotencyStore;
  clock: Clock;
  log: Logger;
  /** The override use case (re-decides the window and publishes, like a trader's override). */
  createOverride: (cmd: CreateOverrideCommand) => Promise<OverrideResult>;
}

/** What reading a test needs: no override use case, no idempotency; `record: false` reads without writing (the reports Lambda). */
export type CapabilityReadDeps = Pick<CapabilityTestDeps, 'sites' | 'capabilityTests' | 'telemetry' | 'overrides' | 'clock' | 'log'> & {
  /** Record a final result as it is read (default true); false: show it as measured, `recorded: false`, and write nothing. */
  record?: boolean;
};

export type CapabilityTestStatus = 'SCHEDULED' | 'RUNNING' | 'AWAITING_TELEMETRY' | 'EVALUATED';

/** The records a test's figures come from. */
export interface CapabilityTestSources {
  overrideId: string;
  /** The audit record of the override's creation. */
  auditRecordId: string;
  /** The telemetry read: the site's load samples in [from, to). */
  telemetry: { siteId: string; from: string; to: string };
  /** The agent's state changes that name the test's override as their trigger. */
  stateChangeIds: string[];
}

export interface CapabilityTestView {
  id: string;
  siteId: string;
  startAt: string;
  endAt: string;
  minutes: number;
  percent: number;
  tolerancePct: number;
  fleetMw: number;
  capMw: number;
  requestedBy: string;
  reason: string;
  createdAt: string;
  status: CapabilityTestStatus;
  /** True when `response` is the recorded result; false while it is measured so far (or nothing is measured yet). */
  recorded: boolean;
  evaluatedAt: string | null;
  response: CapabilityResponse | null;
  sources: CapabilityTestSources;
}

export interface ScheduleCapabilityTestCommand {
  siteId: string;
  author: string;
  idempotencyKey?: string | undefined;
  request: CapabilityTestRequest & { reason?: string | undefined };
}

export interface ScheduledCapabilityTest {
  test: CapabilityTestView;
  replayed: boolean;
}

export async function scheduleCapabilityTest(
  deps: CapabilityTestDeps,
  cmd: ScheduleCapabilityTestCommand,
): Promise<ScheduledCapabilityTest> {
  const site = siteOf(deps.sites, cmd.siteId);
  const now = deps.clock.nowMs();
  const r = cmd.request;
  const fleetMw = largeLoadFacts(site).miningMw;
  const capMw = capabilityCapMw(site, r.percent);
  const endMs = r.startMs + r.minutes * MINUTE_MS;
  const label = (id: string) =>
    `Capability test ${id}: ${r.percent}% of the mining fleet (${fleetMw} MW) asleep for ${r.minutes} min` +
    (r.reason?.trim() ? ` (${r.reason.trim()})` : '');
  const overrideRequest = (id: string) => ({
    action: 'CAP' as const,
    capMw,
    fromMs: r.startMs,
    toMs: endMs,
    reason: label(id),
    // A test never breaks a grid obligation: during an award or a deployment the obligation wins, and the test shows it.
    acknowledgeObligation: false,
  });
  const call = {
    scope: `capability-test.create#${cmd.author}`,
    key: cmd.idempotencyKey,
    request: { siteId: site.id, ...r },
    creates: 'capability test',
    nowMs: now,
    newId: () => `cap-${randomUUID().replace(/-/g, '').slice(0, 16)}`,
  };
  const { result, replayed } = await idempotent(deps.idempotency, DEFAULT_IDEMPOTENCY, call, {
    check: () => {
      const issues = [...capabilityTestIssues(site, r, now), ...overrideIssues(site, overrideRequest('check'), now)];
      if (issues.length) throw new ValidationError('capability test', issues);
    },
    run: async ({ resourceId: id }) => {
      const existing = await deps.capabilityTests.get(id);
      if (existing) return { test: existing };
      const { override } = await deps.createOverride({
        siteId: site.id,
        author: cmd.author,
        idempotencyKey: `capability-test-${id}`,
        request: overrideRequest(id),
      });
      const test: StoredCapabilityTest = {
        id,
        siteId: site.id,
        startMs: r.startMs,
        endMs,
        minutes: r.minutes,
        percent: r.percent,
        tolerancePct: r.tolerancePct,
        fleetMw,
        capMw,
        overrideId: override.id,
        auditRecordId: overrideAuditRecords(override)[0]!.id,
        requestedBy: cmd.author,
        reason: override.reason,
        createdAtMs: now,
      };
      try {
        await deps.capabilityTests.create(test);
      } catch (err) {
        if (!(err instanceof ConflictError)) throw err;
        return { test: (await deps.capabilityTests.get(id)) ?? test };
      }
      deps.log.info('capability test scheduled', { testId: id, siteId: site.id, overrideId: override.id, capMw, author: cmd.author });
      return { test };
    },
  });
  return { test: await judged(deps, result.test), replayed };
}

export async function getCapabilityTest(deps: CapabilityReadDeps, q: { siteId: string; id: string }): Promise<CapabilityTestView> {
  siteOf(deps.sites, q.siteId);
  const t = await deps.capabilityTests.get(q.id);
  if (!t || t.siteId !== q.siteId) throw new NotFoundError(`capability test ${q.id} not found at site ${q.siteId}`);
  return judged(deps, t);
}

/** A site's tests that start in [fromMs, toMs), by start; each ended test is judged (and its result recorded) as it is read. */
export async function listCapabilityTests(
  deps: CapabilityReadDeps,
  q: { siteId: string; fromMs: number; toMs: number },
): Promise<CapabilityTestView[]> {
  siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, CAPABILITY_RANGE_DAYS);
  const tests = await deps.capabilityTests.list(q.siteId, q.fromMs, q.toMs);
  const views: CapabilityTestView[] = [];
  for (const t of tests.sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1))) views.push(await judged(deps, t));
  return views;
}

/** How far back the scheduled run looks for tests to record: the longest test, the telemetry grace, and a day to spare. */
export const RECORD_LOOKBACK_MS = MAX_TEST_MINUTES * MINUTE_MS + TELEMETRY_GRACE_MS + DAY_MS;

/**
 * Records the result of every test that ended recently and whose telemetry is in (or whose grace ran out), for each
 * site: the scheduled run calls it, so the compliance evidence is kept whether or not anyone reads the test. A test
 * already recorded is left as it is. Returns how many were recorded now.
 */
export async function recordEndedCapabilityTests(deps: Omit<CapabilityReadDeps, 'record'>): Promise<number> {
  const now = deps.clock.nowMs();
  let recorded = 0;
  for (const site of deps.sites) {
    const tests = await deps.capabilityTests.list(site.id, now - RECORD_LOOKBACK_MS, now);
    for (const t of tests) {
      if (t.result || now < t.endMs) continue;
      if ((await judged({ ...deps, record: true }, t)).recorded) recorded++;
    }
  }
  return recorded;
}

/** The view of a test: its recorded result, or what its telemetry shows so far (recording it once it is final, unless told not to). */
async function judged(deps: CapabilityReadDeps, t: StoredCapabilityTest): Promise<CapabilityTestView> {
  const now = deps.clock.nowMs();
  const site = siteOf(deps.sites, t.siteId);
  const instructed = Math.max(t.startMs, t.createdAtMs);
  const telemetry = { siteId: t.siteId, from: iso(instructed - BASELINE_LOOKBACK_MS), to: iso(t.endMs) };
  const base = {
    id: t.id,
    siteId: t.siteId,
    startAt: iso(t.startMs),
    endAt: iso(t.endMs),
    minutes: t.minutes,
    percent: t.percent,
    tolerancePct: t.tolerancePct,
    fleetMw: t.fleetMw,
    capMw: t.capMw,
    requestedBy: t.requestedBy,
    reason: t.reason,
    createdAt: iso(t.createdAtMs),
  };
  const sources = (stateChangeIds: string[]): CapabilityTestSources => ({
    overrideId: t.overrideId,
    auditRecordId: t.auditRecordId,
    telemetry,
    stateChangeIds,
  });
  if (t.result) {
    const { evaluatedAt, stateChangeIds, ...response } = t.result;
    return { ...base, status: 'EVALUATED', recorded: true, evaluatedAt, response, sources: sources(stateChangeIds) };
  }
  if (now < instructed) return { ...base, status: 'SCHEDULED', recorded: false, evaluatedAt: null, response: null, sources: sources([]) };

  const fromMs = instructed - BASELINE_LOOKBACK_MS;
  const [samples, changes, override] = await Promise.all([
    deps.telemetry.allSamples(t.siteId, fromMs, Math.max(t.endMs, Math.min(now, t.endMs + TELEMETRY_GRACE_MS))),
    deps.telemetry.changes(t.siteId, fromMs, t.endMs),
    now >= t.endMs ? deps.overrides.get(t.overrideId) : Promise.resolve(null),
  ]);
  const stateChangeIds = changes.filter((c) => c.trigger.overrideId === t.overrideId).map(loadEventId);
  const inWindow = samples.filter((s) => s.atMs < t.endMs);
  let response = capabilityResponse(site, t, inWindow);
  if (override?.status === 'CANCELLED' && (override.cancelledAtMs ?? 0) < t.endMs) {
    const by = override.cancelledBy ?? 'unknown';
    response = { ...response, outcome: 'INCONCLUSIVE', note: `its override was cancelled by ${by} before the window ended` };
  }
  const caughtUp = samples.some((s) => s.atMs >= t.endMs) || now >= t.endMs + TELEMETRY_GRACE_MS;
  if (now < t.endMs || !caughtUp) {
    const status = now < t.endMs ? 'RUNNING' : 'AWAITING_TELEMETRY';
    return { ...base, status, recorded: false, evaluatedAt: null, response, sources: sources(stateChangeIds) };
  }
  if (deps.record === false) {
    return { ...base, status: 'EVALUATED', recorded: false, evaluatedAt: null, response, sources: sources(stateChangeIds) };
  }
  const stored = await deps.capabilityTests.recordResult(t.id, { ...response, stateChangeIds, evaluatedAt: iso(now) });
  deps.log.info('capability test evaluated', { testId: t.id, siteId: t.siteId, outcome: stored.result?.outcome });
  return judged(deps, stored);
}
