/** Builds the run dependencies shared by the Lambda handler and the local runtime. */
import { lastPriceForecaster, type PriceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { PeakRiskModel, RunDeps } from './run-interval.ts';

export interface EngineParts {
  sites: readonly Site[];
  repos: { decisions: DecisionRepository; marketData: MarketDataRepository; runs: RunRepository; overrides: OverrideRepository };
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
  demo?: boolean;
  maxCatchUpHours?: number;
}

/** The forecaster and peak model the live engine uses. */
export const liveForecaster: PriceForecaster = lastPriceForecaster;
export const livePeakRisk: PeakRiskModel | undefined = undefined;

export function runDeps(p: EngineParts): RunDeps {
  return {
    sites: p.sites,
    ...p.repos,
    publisher: p.publisher,
    clock: p.clock,
    log: p.log,
    forecaster: liveForecaster,
    ...(livePeakRisk ? { peakRisk: livePeakRisk } : {}),
    ...(p.demo !== undefined ? { demo: p.demo } : {}),
    ...(p.maxCatchUpHours !== undefined ? { maxCatchUpHours: p.maxCatchUpHours } : {}),
  };
}
