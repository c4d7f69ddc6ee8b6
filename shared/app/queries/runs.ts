/** Reading the run records. */
import type { RunRecord, RunRepository } from '#ports/decisions.ts';

/** The latest runs, newest first. */
export function recentRuns(deps: { runs: RunRepository }, limit: number): Promise<RunRecord[]> {
  return deps.runs.recent(limit);
}
