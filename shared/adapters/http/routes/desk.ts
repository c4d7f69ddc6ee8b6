/** The desk's routes, served by the `api` Lambda (../gateway.ts): each Lambda imports only its own group's route files. */
import type { DeskUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import type { Route } from '../route.ts';
import { capabilityTestRoutes } from './capability-tests.ts';
import { coreRoutes } from './core.ts';
import { decisionRoutes } from './decisions.ts';
import { overrideRoutes } from './overrides.ts';
import { runRoutes } from './runs.ts';

/** Decisions, overrides, runs, sites and health, and curtailment capability tests (each one an override). */
export function deskRoutes(useCases: DeskUseCases, clock: Clock): Route[] {
  return [
    ...coreRoutes(useCases),
    ...decisionRoutes(useCases),
    ...overrideRoutes(useCases, clock),
    ...runRoutes(useCases, clock),
    ...capabilityTestRoutes(useCases),
  ];
}
