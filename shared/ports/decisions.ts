/** Decisions, runs, overrides, audit and bids. */
import type { Decision } from '#domain/decision.ts';
import type { Override } from '#domain/grid.ts';

export interface Page<T> {
  items: T[];
  /** Opaque; absent on the last page. */
  nextToken?: string;
}

export interface PageRequest {
  limit?: number;
  nextToken?: string;
}

export type RecordOutcome = 'written' | 'exists';

/** Narrows a decision query (the decision log's filters). */
export interface DecisionFilter {
  source?: 'AUTO' | 'OVERRIDE';
  /** Decisions whose reasons include this code. */
  reason?: string;
}

export interface DecisionRepository {
  /**
   * Records one revision of a decision, once: a second write of the same (site, interval, revision)
   * leaves the first in place and returns 'exists'. Then makes it the current revision unless a newer one is.
   */
  record(decision: Decision): Promise<RecordOutcome>;
  /** The revision record alone (written once); `makeCurrent` makes it readable as current. */
  putRevision(decision: Decision): Promise<RecordOutcome>;
  /**
   * Makes each recorded revision current unless a newer one is (the same revision again changes nothing), a bounded
   * number at once; once all are written, the sites' reads from memory (`bySite`) are read again.
   */
  makeCurrent(decisions: readonly Decision[]): Promise<void>;
  /** One recorded revision. */
  revision(siteId: string, intervalStart: string, revision: number): Promise<Decision | null>;
  /** The current (highest) revision of one interval. */
  current(siteId: string, intervalStart: string): Promise<Decision | null>;
  /** Every revision of one interval, oldest first. */
  revisions(siteId: string, intervalStart: string): Promise<Decision[]>;
  /** Current revisions of a site with interval start in [fromMs, toMs), ascending. */
  bySite(siteId: string, fromMs: number, toMs: number, page?: PageRequest & DecisionFilter): Promise<Page<Decision>>;
  /** Current revisions of every site for one UTC day (YYYY-MM-DD), by interval then site. */
  byDay(day: string, page?: PageRequest & DecisionFilter): Promise<Page<Decision>>;
  /** Marks these revisions' events as sent (the current pointers follow through `makeCurrent`). */
  markRevisionsPublished(decisions: readonly Decision[]): Promise<void>;
  /** Revisions whose event has not been sent yet, oldest first. */
  unpublished(limit: number): Promise<Decision[]>;
  /**
   * Takes the lease on re-deciding a site's recorded decisions for `holder` until `untilMs`, when no
   * one holds it, it expired at `nowMs`, or `holder` holds it already. One conditional write; false when taken.
   */
  acquireRedecideLease(siteId: string, holder: string, nowMs: number, untilMs: number): Promise<boolean>;
  /** Gives the lease back (a no-op when another holder has taken it over since it expired). */
  releaseRedecideLease(siteId: string, holder: string): Promise<void>;
}

export type RunStatus = 'SUCCEEDED' | 'FAILED' | 'PARTIAL';

export interface RunRecord {
  runId: string;
  /** The hour the run decided (UTC ISO of its start). */
  hourStart: string;
  startedAt: string;
  finishedAt: string;
  status: RunStatus;
  trigger: string;
  sites: number;
  decisionsWritten: number;
  decisionsExisting: number;
  eventsSent: number;
  eventsFailed: number;
  errors: string[];
}

export interface RunRepository {
  put(run: RunRecord): Promise<void>;
  /** Newest first. */
  recent(limit: number): Promise<RunRecord[]>;
  /** The latest hour that has a successful run; null when none. */
  lastSuccessfulHour(): Promise<number | null>;
  /** Moves the last successful hour forward (never back). */
  markHourSucceeded(hourStartMs: number): Promise<void>;
}

export interface StoredOverride extends Override {
  version: number;
  status: 'ACTIVE' | 'CANCELLED';
  cancelledAtMs?: number;
  cancelledBy?: string;
  cancelReason?: string;
  expiresAtMs: number;
}

export interface OverrideRepository {
  /** Creates an override; fails with ConflictError when the id exists. */
  create(o: StoredOverride): Promise<void>;
  get(id: string): Promise<StoredOverride | null>;
  /** Active overrides of a site whose window overlaps [fromMs, toMs). */
  activeFor(siteId: string, fromMs: number, toMs: number): Promise<StoredOverride[]>;
  list(filter: { siteId?: string; active?: boolean; nowMs: number }): Promise<StoredOverride[]>;
  /** Cancels when the stored version equals `expectedVersion`; otherwise ConflictError. */
  cancel(id: string, expectedVersion: number, by: string, reason: string, atMs: number): Promise<StoredOverride>;
}
