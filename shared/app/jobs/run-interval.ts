/**
 * The scheduled run as a job, as the run-interval Lambda and the local runtime run it: the sites
 * configuration checked against the audit trail, then the hour (or missed hours) decided,
 * recorded and published for every site. What the market data comes from (ingested, pulled just
 * before, demo) is the caller's; the rules are the same. Then the curtailment capability tests that
 * ended are judged from the agents' telemetry and their results recorded (the compliance evidence).
 */
import type { CapabilityTestRepository } from '#ports/capability-tests.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { recordEndedCapabilityTests } from '../capability-tests.ts';
import { type RunRequest, type RunSummary, runInterval } from '../run-interval.ts';
import { type EngineParts, runDeps } from '../scheduled-run.ts';
import type { ConfigAudit } from './config-audit.ts';

export interface RunJobDeps extends EngineParts {
  configAudit: ConfigAudit;
  /** Where capability tests and the agents' telemetry are: given, the run records the results of tests that ended. */
  evidence?: { capabilityTests: CapabilityTestRepository; telemetry: TelemetryRepository };
}

export interface RunJobSettings {
  /** Missed hours a scheduled run catches up at most. */
  maxCatchUpHours: number;
}

export async function runIntervalJob(deps: RunJobDeps, settings: RunJobSettings, req: RunRequest): Promise<RunSummary> {
  await deps.configAudit(deps.sites, deps.clock.nowMs());
  const summary = await runInterval(runDeps({ ...deps, maxCatchUpHours: settings.maxCatchUpHours }), req);
  if (deps.evidence) {
    // Evidence is kept apart from the decisions: a failure here is logged and retried by the next run, the run stands.
    const { sites, clock, log } = deps;
    await recordEndedCapabilityTests({ sites, clock, log, overrides: deps.repos.overrides, ...deps.evidence }).then(
      (n) => n > 0 && log.info('capability test results recorded', { recorded: n }),
      (err: unknown) => log.warn('capability test results not recorded; the next run tries again', { error: (err as Error).message }),
    );
  }
  return summary;
}

/** The runs of a summary that did not succeed. */
export function failedRuns(summary: RunSummary): RunSummary['runs'] {
  return summary.runs.filter((r) => r.status !== 'SUCCEEDED');
}
