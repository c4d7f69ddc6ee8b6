/**
 * The routes of the HTTP API in their three groups, one per Lambda behind the gateway (the paths
 * each group answers are in ../gateway.ts): the desk's, the reports' and the site agents'. Each
 * Lambda mounts its group only; the local server mounts all three, as one app.
 */
import type { AgentUseCases, ApiUseCases, DeskUseCases, ReportUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import type { Route } from '../route.ts';
import { actualsRoutes } from './actuals.ts';
import { agentRoutes } from './agent.ts';
import { capabilityTestRoutes, complianceReportRoutes } from './compliance.ts';
import { coreRoutes } from './core.ts';
import { decisionRoutes } from './decisions.ts';
import { financeRoutes } from './finance.ts';
import { overrideRoutes } from './overrides.ts';
import { runRoutes } from './runs.ts';

/** Decisions, overrides, runs, sites and health, and curtailment capability tests (each one an override): the `api` Lambda. */
export function deskRoutes(useCases: DeskUseCases, clock: Clock): Route[] {
  return [
    ...coreRoutes(useCases),
    ...decisionRoutes(useCases),
    ...overrideRoutes(useCases, clock),
    ...runRoutes(useCases, clock),
    ...capabilityTestRoutes(useCases),
  ];
}

/** Finance reads — audit, P&L, bids, actuals, deployment performance, compliance evidence: the `reports` Lambda. */
export function reportRoutes(useCases: ReportUseCases): Route[] {
  return [...financeRoutes(useCases), ...actualsRoutes(useCases), ...complianceReportRoutes(useCases)];
}

/** The site agents' dispatch plan and telemetry: the `agent-api` Lambda. */
export function siteAgentRoutes(useCases: AgentUseCases): Route[] {
  return agentRoutes(useCases);
}

/** Every route the API serves, in the order the document lists them. */
export function apiRoutes(deps: { useCases: ApiUseCases; clock: Clock; localRoutes?: readonly Route[] | undefined }): Route[] {
  const { useCases, clock } = deps;
  return [...(deps.localRoutes ?? []), ...deskRoutes(useCases, clock), ...reportRoutes(useCases), ...siteAgentRoutes(useCases)];
}
