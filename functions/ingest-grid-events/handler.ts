/**
 * Grid events (EEA levels, conservation appeals, DR deployments, AS awards and deployments,
 * SB 6 directives) delivered as the grid-events JSON document — `{ "events": [ … ] }` — by an
 * operator integration or a rule. Every event is validated (a bad one rejects the whole
 * delivery, naming the event and field, and nothing is stored), stored with its window, and
 * emergencies are published as GridEmergency events.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parseGridEventsJson } from '#adapters/feeds/grid-events.ts';
import { ingestGridEvents } from '#app/ingest.ts';
import { systemClock } from '#ports/clock.ts';
import { awsParts } from '../shared/aws.ts';

export async function handler(event: unknown) {
  const p = awsParts('ingest-grid-events');
  const { points } = parseGridEventsJson(JSON.stringify(event ?? {}));
  const { stored, published } = await ingestGridEvents(p.repos.marketData, p.publisher, points, systemClock.nowMs());
  p.log.info('grid events ingested', { stored, ids: points.map((e) => e.id), emergenciesPublished: published.sent.length });
  p.metrics.addMetric('GridEventsStored', MetricUnit.Count, stored);
  p.metrics.addMetric('EventsFailed', MetricUnit.Count, published.failed.length);
  p.metrics.publishStoredMetrics();
  if (published.failed.length > 0) throw new Error(`grid events stored, but ${published.failed.length} GridEmergency events could not be published: ${published.failed.map((f) => f.error).join('; ')}`);
  return { stored, ids: points.map((e) => e.id), published: published.sent };
}
