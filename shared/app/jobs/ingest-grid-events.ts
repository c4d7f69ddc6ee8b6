/** The grid-events job: validated grid events stored, emergencies published as GridEmergency, what happened logged. */
import type { GridEvent } from '#domain/grid.ts';
import type { Clock } from '#ports/clock.ts';
import type { EventPublisher, PublishResult } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { ingestGridEvents } from '../ingest.ts';

export interface GridEventsJobDeps {
  marketData: MarketDataRepository;
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
}

export async function ingestGridEventsJob(
  deps: GridEventsJobDeps,
  events: readonly GridEvent[],
): Promise<{ stored: number; published: PublishResult }> {
  const { stored, published } = await ingestGridEvents(deps.marketData, deps.publisher, events, deps.clock.nowMs());
  deps.log.info('grid events ingested', { stored, ids: events.map((e) => e.id), emergenciesPublished: published.sent.length });
  return { stored, published };
}
