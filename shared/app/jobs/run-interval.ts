/**
 * The scheduled run as a job, as the run-interval Lambda and the local runtime run it: the sites
 * configuration checked against the audit trail, then the hour (or missed hours) decided,
 * recorded and published for every site. What the market data comes from (ingested, pulled just
 * before, demo) is the caller's; the rules are the same.
 */
import { type RunRequest, type RunSummary, runInterval } from '../run-interval.ts';
import { type EngineParts, runDeps } from '../scheduled-run.ts';
import type { ConfigAudit } from './config-audit.ts';

export interface RunJobDeps extends EngineParts {
  configAudit: ConfigAudit;
}

export interface RunJobSettings {
  /** Missed hours a scheduled run catches up at most. */
  maxCatchUpHours: number;
}

export async function runIntervalJob(deps: RunJobDeps, settings: RunJobSettings, req: RunRequest): Promise<RunSummary> {
  await deps.configAudit(deps.sites, deps.clock.nowMs());
  return runInterval(runDeps({ ...deps, maxCatchUpHours: settings.maxCatchUpHours }), req);
}

/** The runs of a summary that did not succeed. */
export function failedRuns(summary: RunSummary): RunSummary['runs'] {
  return summary.runs.filter((r) => r.status !== 'SUCCEEDED');
}
