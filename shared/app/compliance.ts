/**
 * The compliance evidence of a site for a period (Texas SB 6; how ERCOT judges deployments): the large-load facts
 * from the sites file, every grid deployment and emergency that started in the period with the site's metered
 * response (`sitePerformance`, from the agent's telemetry), and the curtailment capability tests. Every row names
 * the records it comes from: the grid event, the telemetry range, the agent's state changes, the override and its
 * audit record.
 */
import { type LargeLoadFacts, largeLoadFacts } from '#domain/capability-tests.ts';
import type { GridEvent } from '#domain/grid.ts';
import { BASELINE_LOOKBACK_MS, type DeploymentPerformance, isDeploymentFor } from '#domain/telemetry.ts';
import { DAY_MS, iso } from '#domain/time.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { CAPABILITY_RANGE_DAYS, type CapabilityReadDeps, type CapabilityTestView, listCapabilityTests } from './capability-tests.ts';
import { checkRange } from './queries/range.ts';
import { siteOf } from './sites.ts';
import { loadEventId, sitePerformance, TELEMETRY_RANGE_DAYS } from './telemetry.ts';

/** The widest period of one report: a quarter (an ERS contract period is at most four months: ask twice). */
export const COMPLIANCE_RANGE_DAYS = CAPABILITY_RANGE_DAYS;

/** The grid events the report lists: deployments, emergencies and SB 6 orders (awards are not instructions). */
const LISTED_TYPES: ReadonlySet<GridEvent['type']> = new Set([
  'DR_DEPLOYMENT',
  'AS_DEPLOYMENT',
  'EEA',
  'SB6_DIRECTIVE',
  'CONSERVATION_APPEAL',
]);

/**
 * A read: a capability test whose result is not recorded yet is shown as measured (`recorded: false`); the desk's
 * capability-test routes record it as they read it. The reports Lambda, which serves this, writes nothing.
 */
export type ComplianceDeps = Omit<CapabilityReadDeps, 'record'> & { marketData: Pick<MarketDataRepository, 'getGridEvents'> };

export interface GridEventEvidence {
  eventId: string;
  type: GridEvent['type'];
  level: number | null;
  product: string | null;
  /** The instruction time: the event's start. */
  start: string;
  end: string;
  /** Does the event ask this site's miners to come off (a deployment of the site, an emergency at its curtailment level)? */
  curtailsMining: boolean;
  /** The metered response; null for an event that asks nothing of the miners. */
  askedMw: number | null;
  baselineMw: number | null;
  achievedMw: number | null;
  secondsToAchieve: number | null;
  met: boolean | null;
  samples: number;
  note: string | null;
  sources: {
    gridEventId: string;
    /** The site's load samples read for the response (from the baseline look-back), or null when none were needed. */
    telemetry: { siteId: string; from: string; to: string } | null;
    /** The agent's state changes that name the event as their trigger. */
    stateChangeIds: string[];
  };
}

export interface ComplianceReport {
  siteId: string;
  siteName: string;
  market: string;
  from: string;
  to: string;
  generatedAt: string;
  largeLoad: LargeLoadFacts;
  gridEvents: GridEventEvidence[];
  capabilityTests: CapabilityTestView[];
  summary: {
    gridEvents: number;
    deployments: number;
    deploymentsMet: number;
    capabilityTests: number;
    capabilityTestsPassed: number;
    capabilityTestsFailed: number;
  };
}

export async function complianceReport(
  deps: ComplianceDeps,
  q: { siteId: string; fromMs: number; toMs: number },
): Promise<ComplianceReport> {
  const site = siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, COMPLIANCE_RANGE_DAYS);
  const readDeps = { sites: deps.sites, telemetry: deps.telemetry, marketData: deps.marketData };
  // The deployments' performance is read a telemetry range at a time.
  const chunks: Promise<DeploymentPerformance[]>[] = [];
  for (let a = q.fromMs; a < q.toMs; a += TELEMETRY_RANGE_DAYS * DAY_MS) {
    chunks.push(sitePerformance(readDeps, { siteId: site.id, fromMs: a, toMs: Math.min(q.toMs, a + TELEMETRY_RANGE_DAYS * DAY_MS) }));
  }
  const [events, performance, capabilityTests] = await Promise.all([
    deps.marketData.getGridEvents(site.market, q.fromMs, q.toMs),
    Promise.all(chunks).then((lists) => new Map(lists.flat().map((p) => [p.eventId, p]))),
    listCapabilityTests({ ...deps, record: false }, q),
  ]);
  const listed = events
    .filter((e) => e.startMs >= q.fromMs && e.startMs < q.toMs && LISTED_TYPES.has(e.type) && (!e.siteId || e.siteId === site.id))
    .sort((a, b) => a.startMs - b.startMs || (a.id < b.id ? -1 : 1));
  const gridEvents = await Promise.all(
    listed.map(async (e): Promise<GridEventEvidence> => {
      const p = performance.get(e.id);
      const curtails = isDeploymentFor(site, e);
      // As sitePerformance judges it: a long order on its first day.
      const toMs = Math.min(e.endMs, e.startMs + DAY_MS);
      const changes = curtails ? await deps.telemetry.changes(site.id, e.startMs, toMs) : [];
      return {
        eventId: e.id,
        type: e.type,
        level: e.level ?? null,
        product: e.product ?? null,
        start: iso(e.startMs),
        end: iso(e.endMs),
        curtailsMining: curtails,
        askedMw: p?.askedMw ?? null,
        baselineMw: p?.baselineMw ?? null,
        achievedMw: p?.achievedMw ?? null,
        secondsToAchieve: p?.secondsToAchieve ?? null,
        met: p ? p.met : null,
        samples: p?.samples ?? 0,
        note: noteOf(e, curtails, p),
        sources: {
          gridEventId: e.id,
          telemetry: curtails ? { siteId: site.id, from: iso(e.startMs - BASELINE_LOOKBACK_MS), to: iso(toMs) } : null,
          stateChangeIds: changes.filter((c) => c.trigger.gridEventId === e.id).map(loadEventId),
        },
      };
    }),
  );
  const deployments = gridEvents.filter((g) => g.curtailsMining);
  const outcomes = capabilityTests.map((t) => (t.recorded ? t.response?.outcome : undefined));
  return {
    siteId: site.id,
    siteName: site.name,
    market: site.market,
    from: iso(q.fromMs),
    to: iso(q.toMs),
    generatedAt: iso(deps.clock.nowMs()),
    largeLoad: largeLoadFacts(site),
    gridEvents,
    capabilityTests,
    summary: {
      gridEvents: gridEvents.length,
      deployments: deployments.length,
      deploymentsMet: deployments.filter((g) => g.met === true).length,
      capabilityTests: capabilityTests.length,
      capabilityTestsPassed: outcomes.filter((o) => o === 'PASS').length,
      capabilityTestsFailed: outcomes.filter((o) => o === 'FAIL').length,
    },
  };
}

function noteOf(e: GridEvent, curtails: boolean, p: DeploymentPerformance | undefined): string | null {
  if (!curtails) {
    if (e.type === 'EEA') return `EEA${e.level ?? ''} is below the site's mining curtailment level: nothing asked of the miners`;
    if (e.type === 'CONSERVATION_APPEAL') return 'a conservation appeal: no MW instructed';
    return null;
  }
  if (!p || p.baselineMw === null) return 'no complete telemetry of the mining fleet before the instruction';
  if (p.samples === 0) return 'no telemetry during the event';
  return p.met ? null : 'the asked MW was not reached';
}
