/**
 * The use cases the HTTP API serves, bound to the ports they use. The api function and the local
 * server build them from their adapters (`apiUseCases`) and hand them to the HTTP app, which calls
 * nothing else.
 */
import type { Site } from '#domain/sites.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { BidRepository } from '#ports/bids.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { IdempotencyStore } from '#ports/idempotency.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { cancelOverride, createOverride, getOverride, listOverrides, type OverrideDeps } from './overrides.ts';
import { auditTrail } from './queries/audit.ts';
import { bidsOfDay } from './queries/bids.ts';
import { decisionRevisions, decisionsOfDay, siteDecisionExport, siteDecisionPage } from './queries/decisions.ts';
import { siteDispatch } from './queries/dispatch.ts';
import { emissionsReport } from './queries/emissions.ts';
import { type HealthDeps, healthReport } from './queries/health.ts';
import { recentRuns } from './queries/runs.ts';
import { configuredSites } from './queries/sites.ts';
import { pnlReport } from './reports.ts';
import { type RunRequest, type RunSummary, runInterval } from './run-interval.ts';
import { runDeps } from './scheduled-run.ts';
import { recordTelemetry, siteActuals, siteActualsExport, sitePerformance } from './telemetry.ts';

/** What the API's use cases read and write. */
export interface ApiParts {
  sites: readonly Site[];
  decisions: DecisionRepository;
  overrides: OverrideRepository;
  marketData: MarketDataRepository;
  runs: RunRepository;
  audit: AuditRepository;
  idempotency: IdempotencyStore;
  bids: BidRepository;
  /** What site agents report. */
  telemetry: TelemetryRepository;
  publisher: EventPublisher;
  clock: Clock;
  log: Logger;
  /** Market data comes from the demo source: re-decisions are labelled like the runs' decisions. */
  demo?: boolean;
  /** Runs the engine for an hour (POST /runs); default: the run use case with these parts. */
  triggerRun?: (req: RunRequest) => Promise<RunSummary>;
  /** GET /health's cheap store read; default: the run state item (one GetItem). */
  probeStore?: HealthDeps['probeStore'];
  /** GET /health's event-bus part; default: not checked. */
  eventBus?: HealthDeps['eventBus'];
}

/** A use case with its dependencies bound: the same call without the first argument. */
type Bound<F> = F extends (deps: never, ...args: infer A) => infer R ? (...args: A) => R : never;

export interface ApiUseCases {
  healthReport: () => ReturnType<typeof healthReport>;
  configuredSites: Bound<typeof configuredSites>;
  siteDecisionPage: Bound<typeof siteDecisionPage>;
  siteDecisionExport: Bound<typeof siteDecisionExport>;
  decisionRevisions: Bound<typeof decisionRevisions>;
  decisionsOfDay: Bound<typeof decisionsOfDay>;
  createOverride: Bound<typeof createOverride>;
  cancelOverride: Bound<typeof cancelOverride>;
  getOverride: Bound<typeof getOverride>;
  listOverrides: Bound<typeof listOverrides>;
  auditTrail: Bound<typeof auditTrail>;
  pnlReport: Bound<typeof pnlReport>;
  emissionsReport: Bound<typeof emissionsReport>;
  bidsOfDay: Bound<typeof bidsOfDay>;
  recentRuns: Bound<typeof recentRuns>;
  siteDispatch: Bound<typeof siteDispatch>;
  recordTelemetry: Bound<typeof recordTelemetry>;
  siteActuals: Bound<typeof siteActuals>;
  siteActualsExport: Bound<typeof siteActualsExport>;
  sitePerformance: Bound<typeof sitePerformance>;
  triggerRun: (req: RunRequest) => Promise<RunSummary>;
}

export function apiUseCases(p: ApiParts): ApiUseCases {
  // Re-decisions are made exactly as scheduled runs make decisions.
  const engine = runDeps({
    sites: p.sites,
    repos: { decisions: p.decisions, marketData: p.marketData, runs: p.runs, overrides: p.overrides },
    publisher: p.publisher,
    clock: p.clock,
    log: p.log,
    ...(p.demo !== undefined ? { demo: p.demo } : {}),
  });
  const overrides: OverrideDeps = { ...engine, audit: p.audit, idempotency: p.idempotency };
  const health: HealthDeps = {
    sites: p.sites,
    marketData: p.marketData,
    clock: p.clock,
    probeStore: p.probeStore ?? (() => p.runs.lastSuccessfulHour()),
    ...(p.eventBus ? { eventBus: p.eventBus } : {}),
  };
  return {
    healthReport: () => healthReport(health),
    configuredSites: () => configuredSites(p),
    siteDecisionPage: (q) => siteDecisionPage(p, q),
    siteDecisionExport: (q) => siteDecisionExport(p, q),
    decisionRevisions: (q) => decisionRevisions(p, q),
    decisionsOfDay: (q) => decisionsOfDay(p, q),
    createOverride: (cmd) => createOverride(overrides, cmd),
    cancelOverride: (cmd) => cancelOverride(overrides, cmd),
    getOverride: (id) => getOverride(overrides, id),
    listOverrides: (filter) => listOverrides(overrides, filter),
    auditTrail: (q) => auditTrail(p, q),
    pnlReport: (q) => pnlReport(p, q),
    emissionsReport: (q) => emissionsReport(p, q),
    bidsOfDay: (q) => bidsOfDay(p, q),
    recentRuns: (limit) => recentRuns(p, limit),
    siteDispatch: (q) => siteDispatch(p, q),
    recordTelemetry: (batch) => recordTelemetry(p, batch),
    siteActuals: (q) => siteActuals(p, q),
    siteActualsExport: (q) => siteActualsExport(p, q),
    sitePerformance: (q) => sitePerformance(p, q),
    triggerRun: p.triggerRun ?? ((req) => runInterval(engine, req)),
  };
}
