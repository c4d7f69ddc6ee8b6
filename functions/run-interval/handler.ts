/**
 * Scheduled by EventBridge Scheduler every hour (optionally every 15 minutes): the run job
 * (shared/app/jobs/run-interval.ts) — the sites configuration checked against the audit trail
 * once per container, then the hour's intervals decided, recorded and published for every site.
 * The event may name an instant (`{ "at": "2024-07-15T20:00:00Z" }`) to run that hour only;
 * otherwise missed hours are caught up (MAX_CATCH_UP_HOURS at most, ./contract.ts).
 * A PricesStored event (the rule in infra/price-updates.ts) invokes it with `{ "trigger": "price",
 * "market", "node" }`: the decisions that price informs are made again (shared/app/jobs/price-redecide.ts).
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { configAuditJob } from '#app/jobs/config-audit.ts';
import { priceRedecideJob } from '#app/jobs/price-redecide.ts';
import { failedRuns, runIntervalJob } from '#app/jobs/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';
import { lambdaHandler, perContainer } from '../shared/lambda.ts';
import { parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event, PRICE_TRIGGER } from './contract.ts';

export type RunIntervalEvent = Event;

const NAME = 'run-interval';

const container = perContainer(async () => {
  const env = parseEnv(Env, process.env, NAME);
  const p = awsParts(NAME, dynamoRepositories);
  return { env, p, configAudit: configAuditJob({ ...p.repos, log: p.log }, 'deploy') };
});

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  const { env, p, configAudit } = await container.get();
  const event = parseEvent(Event, raw);
  if (event.trigger === PRICE_TRIGGER) {
    const parts = { sites: p.sites, repos: p.repos, publisher: p.publisher, clock: systemClock, log: p.log };
    await configAudit(p.sites, systemClock.nowMs());
    const outcome = await priceRedecideJob(runDeps(parts), { market: event.market!, node: event.node! });
    metrics.addMetric('PriceRevisionsWritten', MetricUnit.Count, outcome.written.length);
    metrics.addMetric('EventsFailed', MetricUnit.Count, outcome.eventsFailed);
    // A failed site fails the invocation: the rule's retries and the error alarm see it.
    if (outcome.errors.length) throw new Error(`price re-decision failed for ${outcome.errors.join(' | ')}`);
    return { trigger: PRICE_TRIGGER, sites: outcome.sites, written: outcome.written.length, unchanged: outcome.unchanged };
  }
  const summary = await runIntervalJob(
    {
      sites: p.sites,
      repos: p.repos,
      publisher: p.publisher,
      clock: systemClock,
      log: p.log,
      configAudit,
      evidence: { capabilityTests: p.repos.capabilityTests, telemetry: p.repos.telemetry },
    },
    { maxCatchUpHours: env.MAX_CATCH_UP_HOURS },
    { ...(event.at !== undefined ? { atMs: event.at } : {}), trigger: event.trigger },
  );
  const failed = failedRuns(summary);
  metrics.addMetric('DecisionsWritten', MetricUnit.Count, summary.decisionsWritten);
  metrics.addMetric('EventsFailed', MetricUnit.Count, summary.eventsFailed);
  metrics.addMetric('RunsSucceeded', MetricUnit.Count, summary.runs.length - failed.length);
  metrics.addMetric('RunsFailed', MetricUnit.Count, failed.length);
  // A failed site makes the invocation fail, so that the schedule's retry policy and the error alarm see it.
  if (failed.length) throw new Error(`run failed for ${failed.map((r) => `${r.hourStart}: ${r.errors.join('; ')}`).join(' | ')}`);
  return {
    runs: summary.runs.map((r) => ({ runId: r.runId, hourStart: r.hourStart, status: r.status, written: r.decisionsWritten })),
    resent: summary.resent,
  };
});
