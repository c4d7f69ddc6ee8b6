/**
 * Scheduled by EventBridge Scheduler every hour (optionally every 15 minutes): decide the hour's
 * intervals for every site, record them, publish them. The event may name an instant
 * (`{ "at": "2024-07-15T20:00:00Z" }`) to run that hour only; otherwise missed hours are caught up.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { recordSitesConfig } from '#app/config-audit.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { parseInstant } from '#domain/time.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';

export interface RunIntervalEvent {
  at?: string;
  trigger?: string;
}

/** The deployed sites configuration is compared with the recorded one once per container. */
let configChecked = false;

export async function handler(event: RunIntervalEvent = {}) {
  const p = awsParts('run-interval');
  if (!configChecked) {
    const changes = await recordSitesConfig(p.repos, p.sites, 'deploy', systemClock.nowMs());
    if (changes.length) p.log.info('sites configuration recorded in the audit trail', { sites: changes.map((c) => c.entity.id) });
    configChecked = true;
  }
  let atMs: number | undefined;
  if (event.at !== undefined) {
    atMs = parseInstant(event.at);
    if (!Number.isFinite(atMs)) throw new Error(`event.at must be an ISO instant with an offset (got "${event.at}")`);
  }
  const summary = await runInterval(
    runDeps({ sites: p.sites, repos: p.repos, publisher: p.publisher, clock: systemClock, log: p.log, maxCatchUpHours: Number(process.env.MAX_CATCH_UP_HOURS ?? 24) }),
    { ...(atMs !== undefined ? { atMs } : {}), trigger: event.trigger ?? 'schedule' },
  );
  p.metrics.addMetric('DecisionsWritten', MetricUnit.Count, summary.decisionsWritten);
  p.metrics.addMetric('EventsFailed', MetricUnit.Count, summary.eventsFailed);
  p.metrics.addMetric('RunsSucceeded', MetricUnit.Count, summary.runs.filter((r) => r.status === 'SUCCEEDED').length);
  p.metrics.addMetric('RunsFailed', MetricUnit.Count, summary.runs.filter((r) => r.status !== 'SUCCEEDED').length);
  p.metrics.publishStoredMetrics();
  const failed = summary.runs.filter((r) => r.status !== 'SUCCEEDED');
  // A failed site makes the invocation fail, so that the schedule's retry policy and the error alarm see it.
  if (failed.length) throw new Error(`run failed for ${failed.map((r) => `${r.hourStart}: ${r.errors.join('; ')}`).join(' | ')}`);
  return { runs: summary.runs.map((r) => ({ runId: r.runId, hourStart: r.hourStart, status: r.status, written: r.decisionsWritten })), resent: summary.resent };
}
