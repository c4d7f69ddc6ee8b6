/** The finance reads, served by the `reports` Lambda (../gateway.ts): each Lambda imports only its own group's route files. */
import type { ReportUseCases } from '#app/api.ts';
import type { Route } from '../route.ts';
import { actualsRoutes } from './actuals.ts';
import { complianceReportRoutes } from './compliance.ts';
import { emissionsRoutes } from './emissions.ts';
import { financeRoutes } from './finance.ts';

/** Audit, P&L, emissions, bids, actuals, deployment performance, compliance evidence. */
export function reportRoutes(useCases: ReportUseCases): Route[] {
  return [...financeRoutes(useCases), ...emissionsRoutes(useCases), ...actualsRoutes(useCases), ...complianceReportRoutes(useCases)];
}
