/** Where curtailment capability tests are kept: the test as scheduled, and once judged its measured response. */
import type { CapabilityResponse } from '#domain/capability-tests.ts';

export interface StoredCapabilityTest {
  id: string;
  siteId: string;
  startMs: number;
  endMs: number;
  minutes: number;
  percent: number;
  tolerancePct: number;
  /** The mining fleet's nameplate MW when the test was made, and the site-wide CAP that puts `percent` of it to sleep. */
  fleetMw: number;
  capMw: number;
  /** The CAP override that carries the test to the site agent. */
  overrideId: string;
  /** The audit record of that override's creation. */
  auditRecordId: string;
  requestedBy: string;
  reason: string;
  createdAtMs: number;
  /** The measured response, recorded once after the window ended and the agent's telemetry covered it. */
  result?: CapabilityResponse & { evaluatedAt: string; stateChangeIds: string[] };
}

export interface CapabilityTestRepository {
  /** Stores a new test; a test with its id already stored is a ConflictError. */
  create(test: StoredCapabilityTest): Promise<void>;
  get(id: string): Promise<StoredCapabilityTest | null>;
  /** A site's tests that start in [fromMs, toMs), by start. */
  list(siteId: string, fromMs: number, toMs: number): Promise<StoredCapabilityTest[]>;
  /** Records the result once: a test that has one keeps it, and the stored test is returned either way. */
  recordResult(id: string, result: NonNullable<StoredCapabilityTest['result']>): Promise<StoredCapabilityTest>;
}
