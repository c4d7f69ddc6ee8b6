/**
 * Curtailment capability tests and the large-load facts of a site (Texas SB 6; DOMAIN "Texas SB 6 and large loads").
 * A capability test puts a share of the site's mining fleet to sleep for a window: it is carried out as a site-wide
 * CAP override at the fleet's nameplate less that share, and judged afterwards from the agent's telemetry the way a
 * deployment is (`deploymentPerformance`): the mining MW running before it, what it asked, what was shed and how fast.
 * Pure: the samples and the clock's instant are passed in.
 */
import type { FieldIssue } from './errors.ts';
import { intervalMinutesFor, type Site } from './sites.ts';
import { ACHIEVED_SHARE, BASELINE_LOOKBACK_MS, type LoadSample, miningTotals } from './telemetry.ts';
import { iso, MINUTE_MS } from './time.ts';

/** Texas SB 6: a load of at least this many MW is a large load. */
export const LARGE_LOAD_MW = 75;
/** SB 6 asks for the disclosure of backup generation that serves at least this share of the load's demand. */
export const BACKUP_DISCLOSURE_SHARE = 0.5;
/** A test may be scheduled this far ahead at most (its override must end within the overrides' horizon). */
export const MAX_TEST_AHEAD_DAYS = 30;
/** The longest test: ERCOT's ECRS is sustained up to 2 hours; a longer sleep is an override, not a test. */
export const MAX_TEST_MINUTES = 240;
/** Default tolerance: a test passes when the fleet shed at least 95% of the asked MW (the deployments' share). */
export const DEFAULT_TOLERANCE_PCT = Math.round((1 - ACHIEVED_SHARE) * 100);

export interface LargeLoadFacts {
  thresholdMw: number;
  interconnectMw: number;
  /** The most the site can draw: base load, every load at full power and every tenant's contract, within the interconnect. */
  peakDemandMw: number;
  miningMw: number;
  aiContractedMw: number;
  isLargeLoad: boolean;
  /** Site backup generation as configured (`backupGenerationMw`); null when the sites file does not disclose it. */
  backupGenerationMw: number | null;
  /** Half the peak demand: the SB 6 disclosure threshold. */
  halfDemandMw: number;
  /** Does the backup generation serve at least half the demand? Null when not disclosed. */
  backupServesHalfOfDemand: boolean | null;
  /** Σ of the AI tenants' `backupGenMw`: what moves to backup generation when ERCOT orders large loads off. */
  tenantBackupGenMw: number;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

export function largeLoadFacts(site: Site): LargeLoadFacts {
  let miningMw = 0;
  let aiMw = 0;
  let tenantBackup = 0;
  for (const l of site.loads) {
    if (l.kind === 'mining') miningMw += l.powerMw;
    else {
      aiMw += l.contractedMw;
      tenantBackup += l.backupGenMw;
    }
  }
  const peak = Math.min(site.interconnectMw, site.baseLoadMw + miningMw + aiMw);
  const backup = site.backupGenerationMw ?? null;
  return {
    thresholdMw: LARGE_LOAD_MW,
    interconnectMw: site.interconnectMw,
    peakDemandMw: round3(peak),
    miningMw: round3(miningMw),
    aiContractedMw: round3(aiMw),
    isLargeLoad: peak >= LARGE_LOAD_MW,
    backupGenerationMw: backup,
    halfDemandMw: round3(peak * BACKUP_DISCLOSURE_SHARE),
    backupServesHalfOfDemand: backup === null ? null : backup >= peak * BACKUP_DISCLOSURE_SHARE,
    tenantBackupGenMw: round3(tenantBackup),
  };
}

export interface CapabilityTestRequest {
  startMs: number;
  minutes: number;
  /** Share of the mining fleet's nameplate MW to put to sleep, percent. */
  percent: number;
  tolerancePct: number;
}

/** The site-wide CAP that puts `percent` of the mining fleet to sleep: its nameplate less that share. */
export function capabilityCapMw(site: Site, percent: number): number {
  return round3(largeLoadFacts(site).miningMw * (1 - percent / 100));
}

/**
 * Problems with a test request for a site at `nowMs`. The engine decides whole intervals and an override is in force
 * for every interval it touches, so a test window is whole intervals of the site's market; it may start in the
 * interval now in, the instruction then being when the test is made.
 */
export function capabilityTestIssues(site: Site, r: CapabilityTestRequest, nowMs: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  if (!site.loads.some((l) => l.kind === 'mining'))
    issues.push({ path: 'siteId', message: `site "${site.id}" has no mining loads to test` });
  if (r.startMs % lenMs !== 0)
    issues.push({ path: 'startAt', message: `must start a ${lenMs / MINUTE_MS}-minute interval of ${site.market}` });
  else if (r.startMs < Math.floor(nowMs / lenMs) * lenMs)
    issues.push({ path: 'startAt', message: `must not be before the interval now in` });
  else if (r.startMs > nowMs + MAX_TEST_AHEAD_DAYS * 24 * 60 * MINUTE_MS)
    issues.push({ path: 'startAt', message: `must be within ${MAX_TEST_AHEAD_DAYS} days of now` });
  if (r.minutes % (lenMs / MINUTE_MS) !== 0)
    issues.push({ path: 'minutes', message: `must be whole ${lenMs / MINUTE_MS}-minute intervals` });
  return issues;
}

export type CapabilityOutcome = 'PASS' | 'FAIL' | 'INCONCLUSIVE';

/** The measured response of a test, from the site's mining telemetry. */
export interface CapabilityResponse {
  /** When the cap reached the plan: the window's start, or when the test was made if later. */
  instructedAt: string;
  /** Mining MW running just before the instruction (the last complete reading within 15 minutes of it). */
  baselineMw: number | null;
  capMw: number;
  /** What the site had to shed to get under the cap: baseline − cap. */
  askedMw: number | null;
  /** The largest reduction from the baseline during the window. */
  achievedMw: number | null;
  /** From the instruction to the first reading within tolerance of the cap; null if none was. */
  secondsToAchieve: number | null;
  /** Once reached, every later reading of the window stayed within tolerance. */
  held: boolean;
  /** The lowest mining MW read during the window. */
  minMw: number | null;
  tolerancePct: number;
  outcome: CapabilityOutcome;
  /** Why an outcome is INCONCLUSIVE, or what failed. */
  note: string | null;
  /** Complete readings of the fleet inside the window. */
  samples: number;
}

export interface TestWindow {
  startMs: number;
  endMs: number;
  createdAtMs: number;
  capMw: number;
  tolerancePct: number;
}

/** Judges a test from samples of the site's loads (any order) covering [instruction − 15 min, end). */
export function capabilityResponse(site: Site, t: TestWindow, samples: readonly LoadSample[]): CapabilityResponse {
  const totals = miningTotals(site, samples);
  const instructed = Math.max(t.startMs, t.createdAtMs);
  let baseline: number | null = null;
  for (const x of totals) {
    if (x.atMs >= instructed) break;
    if (x.atMs >= instructed - BASELINE_LOOKBACK_MS) baseline = x.mw;
  }
  const asked = baseline === null ? null : Math.max(0, baseline - t.capMw);
  const slack = asked === null ? 0 : (t.tolerancePct / 100) * asked;
  let achieved: number | null = null;
  let minMw: number | null = null;
  let reachedMs: number | null = null;
  let held = true;
  let n = 0;
  for (const x of totals) {
    if (x.atMs < instructed) continue;
    if (x.atMs >= t.endMs) break;
    n++;
    minMw = Math.min(minMw ?? x.mw, x.mw);
    if (baseline === null) continue;
    achieved = Math.max(achieved ?? 0, baseline - x.mw);
    const within = x.mw <= t.capMw + slack + 1e-9;
    if (reachedMs === null && within) reachedMs = x.atMs;
    else if (reachedMs !== null && !within) held = false;
  }
  let outcome: CapabilityOutcome;
  let note: string | null = null;
  if (baseline === null) {
    outcome = 'INCONCLUSIVE';
    note = 'no complete reading of the mining fleet in the 15 minutes before the instruction';
  } else if (asked === 0) {
    outcome = 'INCONCLUSIVE';
    note = `the fleet already ran at or below the cap (${round3(baseline)} MW ≤ ${t.capMw} MW): nothing was asked`;
  } else if (n === 0) {
    outcome = 'INCONCLUSIVE';
    note = 'no complete reading of the mining fleet during the window';
  } else if (reachedMs === null) {
    outcome = 'FAIL';
    note = `the fleet never came within ${t.tolerancePct}% of the asked MW`;
  } else if (!held) {
    outcome = 'FAIL';
    note = 'the fleet came back above the cap before the window ended';
  } else outcome = 'PASS';
  return {
    instructedAt: iso(instructed),
    baselineMw: baseline === null ? null : round3(baseline),
    capMw: t.capMw,
    askedMw: asked === null ? null : round3(asked),
    achievedMw: achieved === null ? null : round3(Math.max(0, achieved)),
    secondsToAchieve: reachedMs === null ? null : (reachedMs - instructed) / 1000,
    held: reachedMs !== null && held,
    minMw: minMw === null ? null : round3(minMw),
    tolerancePct: t.tolerancePct,
    outcome,
    note,
    samples: n,
  };
}
