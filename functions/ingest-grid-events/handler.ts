/**
 * Grid events (EEA levels, conservation appeals, DR deployments, AS awards and deployments,
 * SB 6 directives) delivered as the grid-events JSON document — `{ "events": [ … ] }` — by an
 * operator integration or a rule. Every event is validated (a bad one rejects the whole
 * delivery, naming the event and field, and nothing is stored), stored with its window, and
 * emergencies are published as GridEmergency events (shared/app/jobs/ingest-grid-events.ts).
 */

import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseGridEventsJson } from '#adapters/feeds/grid-events.ts';
import { ingestGridEventsJob } from '#app/jobs/ingest-grid-events.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts, marketDataOnly } from '../shared/aws.ts';
import { lambdaHandler } from '../shared/lambda.ts';
import { parseEnv, parseEvent } from '../shared/settings.ts';
import { Env, Event } from './contract.ts';

const NAME = 'ingest-grid-events';

export const handler = lambdaHandler(NAME, async (raw, { metrics }) => {
  parseEnv(Env, process.env, NAME);
  const p = awsParts(NAME, marketDataOnly);
  const { points } = parseGridEventsJson(JSON.stringify(parseEvent(Event, raw)));
  const deps = { marketData: p.repos.marketData, publisher: p.publisher, clock: systemClock, log: p.log };
  const { stored, published } = await ingestGridEventsJob(deps, points);
  metrics.addMetric('GridEventsStored', MetricUnit.Count, stored);
  metrics.addMetric('EventsFailed', MetricUnit.Count, published.failed.length);
  if (published.failed.length > 0) {
    const errors = published.failed.map((f) => f.error).join('; ');
    throw new Error(`grid events stored, but ${published.failed.length} GridEmergency events could not be published: ${errors}`);
  }
  return { stored, ids: points.map((e) => e.id), published: published.sent };
});
