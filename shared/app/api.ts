/**
 * The use cases the HTTP API serves, bound to the ports they use. The api function and the local
 * server build them from their adapters (`apiUseCases`) and hand them to the HTTP app, which calls
 * nothing else.
 */
import type { Site } from '#domain/sites.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { BidRepository } from '#ports/bids.ts';
import type { CapabilityTestRepository } from '#ports/capability-tests.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, OverrideRepository, RunRepository } from '#ports/decisions.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { IdempotencyStore } from '#ports/idempotency.ts';
import type { IngestMarkerRepository } from '#ports/ingest-markers.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { type CapabilityTestDeps, getCapabilityTest, listCapabilityTests, scheduleCapabilityTest } from './capability-tests.ts';
import { complianceReport } from './compliance.ts';
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
  /** Curtailment capability tests (the compliance evidence). */
  capabilityTests: CapabilityTestRepository;
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
  /** GET /health's ingest part; default: not checked. */
  ingests?: IngestMarkerRepository;
}

/** A use case with its dependencies bound: the same call without the first argument. */
type Bound<F> = F extends (deps: never, ...args: infer A) => infer R ? (...args: A) => R : never;

/**
 * The use cases come in three groups, one per Lambda behind the HTTP API (DESIGN §5): the desk's
 * (decisions, overrides, runs, sites, health, capability tests), the reports' (finance reads: audit, P&L,
 * emissions, bids, actuals, deployment performance, compliance evidence) and the site agents' (dispatch plan, telemetry). Each Lambda builds only
 * its own group, so its bundle holds only the code that group needs; the local server builds all three.
 */
export interface DeskUseCases {
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
  recentRuns: Bound<typeof recentRuns>;
  scheduleCapabilityTest: Bound<typeof scheduleCapabilityTest>;
  listCapabilityTests: Bound<typeof listCapabilityTests>;
  getCapabilityTest: Bound<typeof getCapabilityTest>;
  triggerRun: (req: RunRequest) => Promise<RunSummary>;
}

export interface ReportUseCases {
  auditTrail: Bound<typeof auditTrail>;
  pnlReport: Bound<typeof pnlReport>;
  emissionsReport: Bound<typeof emissionsReport>;
  bidsOfDay: Bound<typeof bidsOfDay>;
  siteActuals: Bound<typeof siteActuals>;
  siteActualsExport: Bound<typeof siteActualsExport>;
  sitePerformance: Bound<typeof sitePerformance>;
  complianceReport: Bound<typeof complianceReport>;
}

export interface AgentUseCases {
  siteDispatch: Bound<typeof siteDispatch>;
  recordTelemetry: Bound<typeof recordTelemetry>;
}

export type ApiUseCases = DeskUseCases & ReportUseCases & AgentUseCases;

export function deskUseCases(p: ApiParts): DeskUseCases {
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
    ...(p.ingests ? { ingests: p.ingests } : {}),
  };
  const capability: CapabilityTestDeps = { ...p, createOverride: (cmd) => createOverride(overrides, cmd) };
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
    recentRuns: (limit) => recentRuns(p, limit),
    scheduleCapabilityTest: (cmd) => scheduleCapabilityTest(capability, cmd),
    listCapabilityTests: (q) => listCapabilityTests(capability, q),
    getCapabilityTest: (q) => getCapabilityTest(capability, q),
    triggerRun: p.triggerRun ?? ((req) => runInterval(engine, req)),
  };
}

export function reportUseCases(p: ApiParts): ReportUseCases {
  return {
    auditTrail: (q) => auditTrail(p, q),
    pnlReport: (q) => pnlReport(p, q),
    emissionsReport: (q) => emissionsReport(p, q),
    bidsOfDay: (q) => bidsOfDay(p, q),
    siteActuals: (q) => siteActuals(p, q),
    siteActualsExport: (q) => siteActualsExport(p, q),
    sitePerformance: (q) => sitePerformance(p, q),
    complianceReport: (q) => complianceReport(p, q),
  };
}

export function agentUseCases(p: ApiParts): AgentUseCases {
  return {
    siteDispatch: (q) => siteDispatch(p, q),
    recordTelemetry: (batch) => recordTelemetry(p, batch),
  };
}

/** Every use case the API serves (the local server, which is all three Lambdas in one). */
export function apiUseCases(p: ApiParts): ApiUseCases {
  return { ...deskUseCases(p), ...reportUseCases(p), ...agentUseCases(p) };
}
