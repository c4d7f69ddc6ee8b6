/**
 * Site telemetry: recording what an agent reports (idempotent by site, load and instant; a new state
 * change publishes LoadCurtailed / LoadResumed), reading the actuals back, and the performance of
 * each grid deployment computed from them.
 */

import { forEachLimit } from '#domain/concurrency.ts';
import { type FieldIssue, ValidationError } from '#domain/errors.ts';
import type { Site } from '#domain/sites.ts';
import {
  BASELINE_LOOKBACK_MS,
  type DeploymentPerformance,
  deploymentPerformance,
  isDeploymentFor,
  type LoadSample,
  miningTotals,
  type StateChange,
} from '#domain/telemetry.ts';
import { DAY_MS, iso } from '#domain/time.ts';
import type { Page, PageRequest } from '#ports/decisions.ts';
import type { DomainEvent, EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { checkRange } from './queries/range.ts';
import { siteOf } from './sites.ts';

/** The widest range of one actuals page, export or performance read. */
export const TELEMETRY_RANGE_DAYS = 31;

export interface TelemetryDeps {
  sites: readonly Site[];
  telemetry: TelemetryRepository;
  publisher: EventPublisher;
  log: Logger;
}

export interface TelemetryBatch {
  siteId: string;
  samples: Omit<LoadSample, 'siteId'>[];
  stateChanges: Omit<StateChange, 'siteId'>[];
}

export interface TelemetryResult {
  samples: number;
  stateChanges: { recorded: number; replayed: number };
  /** Events of new state changes that could not be sent now (they wait in the outbox). */
  eventsUnsent: number;
}

export function loadEventId(c: Pick<StateChange, 'siteId' | 'loadId' | 'atMs'>): string {
  return `load#${c.siteId}#${c.loadId}#${iso(c.atMs)}`;
}

/** `LoadCurtailed` / `LoadResumed`: what happened on site, with its trigger and timing. */
export function loadEvent(c: StateChange): DomainEvent {
  const id = loadEventId(c);
  return {
    id,
    detailType: c.change === 'CURTAILED' ? 'LoadCurtailed' : 'LoadResumed',
    timeMs: c.atMs,
    detail: {
      eventId: id,
      siteId: c.siteId,
      loadId: c.loadId,
      at: iso(c.atMs),
      fromMw: c.fromMw,
      toMw: c.toMw,
      trigger: c.trigger,
      fleetSeconds: c.fleetMs / 1000,
      ...(c.miners ? { miners: c.miners } : {}),
    },
  };
}

/** Every load id of a batch must be a load of the site: the issue names the entry. */
function checkLoads(site: Site, batch: TelemetryBatch): void {
  const ids = new Set(site.loads.map((l) => l.id));
  const issues: FieldIssue[] = [];
  const known = `a load of ${site.id} (${[...ids].join(', ')})`;
  batch.samples.forEach((s, i) => ids.has(s.loadId) || issues.push({ path: `samples[${i}].loadId`, message: `must be ${known}` }));
  batch.stateChanges.forEach(
    (s, i) => ids.has(s.loadId) || issues.push({ path: `stateChanges[${i}].loadId`, message: `must be ${known}` }),
  );
  if (issues.length) throw new ValidationError('body', issues);
}

/** Stores a batch; replaying it stores nothing new and publishes nothing again. */
export async function recordTelemetry(deps: TelemetryDeps, batch: TelemetryBatch): Promise<TelemetryResult> {
  const site = siteOf(deps.sites, batch.siteId);
  checkLoads(site, batch);
  const samples = batch.samples.map((s) => ({ ...s, siteId: site.id }));
  const changes = batch.stateChanges.map((c) => ({ ...c, siteId: site.id }));
  const recorded: StateChange[] = [];
  await Promise.all([
    samples.length ? deps.telemetry.putSamples(samples) : undefined,
    forEachLimit(changes, 8, async (c) => {
      if ((await deps.telemetry.recordChange(c)) === 'written') recorded.push(c);
    }),
  ]);
  let unsent = 0;
  if (recorded.length) {
    recorded.sort((a, b) => a.atMs - b.atMs);
    const result = await deps.publisher.publish(recorded.map(loadEvent));
    unsent = result.failed.length;
    for (const f of result.failed) deps.log.warn('load event not sent; kept for a later run', { eventId: f.id, error: f.error });
  }
  return {
    samples: samples.length,
    stateChanges: { recorded: recorded.length, replayed: changes.length - recorded.length },
    eventsUnsent: unsent,
  };
}

export interface ActualsQuery extends PageRequest {
  siteId: string;
  fromMs: number;
  toMs: number;
}

export interface ActualsPage extends Page<LoadSample> {
  /** The range's state changes: on the first page only. */
  stateChanges?: StateChange[];
}

type ReadDeps = Pick<TelemetryDeps, 'sites' | 'telemetry'>;

/** One page of a site's samples in [fromMs, toMs), and on the first page its state changes. */
export async function siteActuals(deps: ReadDeps, q: ActualsQuery): Promise<ActualsPage> {
  siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, TELEMETRY_RANGE_DAYS);
  const paging = { ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}) };
  const [page, stateChanges] = await Promise.all([
    deps.telemetry.samples(q.siteId, q.fromMs, q.toMs, paging),
    q.nextToken ? undefined : deps.telemetry.changes(q.siteId, q.fromMs, q.toMs),
  ]);
  return { ...page, ...(stateChanges ? { stateChanges } : {}) };
}

/** Every sample of a site in [fromMs, toMs), page by page (the CSV export). */
export function siteActualsExport(deps: ReadDeps, q: Omit<ActualsQuery, 'limit' | 'nextToken'>): AsyncGenerator<LoadSample[]> {
  siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, TELEMETRY_RANGE_DAYS);
  return (async function* () {
    let nextToken: string | undefined;
    do {
      const page = await deps.telemetry.samples(q.siteId, q.fromMs, q.toMs, { limit: 1000, ...(nextToken ? { nextToken } : {}) });
      if (page.items.length) yield page.items;
      nextToken = page.nextToken;
    } while (nextToken);
  })();
}

/** A performance record for each grid deployment of the site that starts in [fromMs, toMs), by start. */
export async function sitePerformance(
  deps: ReadDeps & { marketData: Pick<MarketDataRepository, 'getGridEvents'> },
  q: { siteId: string; fromMs: number; toMs: number },
): Promise<DeploymentPerformance[]> {
  const site = siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, TELEMETRY_RANGE_DAYS);
  const events = (await deps.marketData.getGridEvents(site.market, q.fromMs, q.toMs))
    .filter((e) => e.startMs >= q.fromMs && e.startMs < q.toMs && isDeploymentFor(site, e))
    .sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  if (events.length === 0) return [];
  const from = events[0]!.startMs - BASELINE_LOOKBACK_MS;
  // A long order (an SB 6 directive of days) is judged on its first day: what is asked is shed within minutes.
  const to = Math.min(Math.max(...events.map((e) => e.endMs)), q.toMs + DAY_MS);
  const totals = miningTotals(site, await deps.telemetry.allSamples(site.id, from, to));
  return events.map((e) => deploymentPerformance(e, totals));
}
