/** Builds the run dependencies shared by the Lambda handler and the local runtime. */
import { type PriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { Outbox } from '#ports/outbox.ts';
import type { RunDeps } from './run-interval.ts';

export interface EngineParts {
  sites: readonly Site[];
  repos: {
    decisions: DecisionRepository;
    marketData: MarketDataRepository;
    runs: RunRepository;
    overrides: OverrideRepository;
    outbox?: Outbox;
  };
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
  demo?: boolean;
  maxCatchUpHours?: number;
}

/** The forecaster the live engine uses: the one the backtest reports as `engine`. */
export const liveForecaster: PriceForecaster = spikePersistenceForecaster();

export function runDeps(p: EngineParts): RunDeps {
  return {
    sites: p.sites,
    ...p.repos,
    publisher: p.publisher,
    clock: p.clock,
    log: p.log,
    forecaster: liveForecaster,
    ...(p.demo !== undefined ? { demo: p.demo } : {}),
    ...(p.maxCatchUpHours !== undefined ? { maxCatchUpHours: p.maxCatchUpHours } : {}),
  };
}
