/**
 * Re-deciding when a price becomes known (DESIGN §2 "Information timing and execution"): a stored
 * price for a market's node informs the decisions of every site on that settlement point that are
 * still to be acted on — the open intervals of the hour now running and the next interval. Each is
 * decided again with what is known now (the hourly run decides with what was known at the hour's
 * start) by the same `decideInterval` a run uses, and recorded as a new revision (source AUTO,
 * reason PRICE_UPDATE) only when the decision moved: other allocations or thresholds, other flags,
 * or another state left for the next interval. An interval without a decision is left to the run
 * of its hour, which decides it at the hour's start with the prices known then — the same prices
 * until the next one is stored, and that one re-decides it here.
 * `publishDecisions` then sends DecisionMade / DecisionRevised and moves the current pointers, so
 * that what controllers read (events, GET /sites/{id}/dispatch) is the newest decision.
 *
 * Each site is re-decided under its re-decision lease (`underSiteLease`, shared/app/redecide.ts), as
 * override re-decisions are: the two never read a site's decisions while the other writes them.
 *
 * Triggered by the PricesStored event of the ingest (AWS: an EventBridge rule → run-interval with
 * `{ "trigger": "price" }`), and locally after a live pull or a file ingest that stored prices.
 */

import { forEachLimit } from '#domain/concurrency.ts';
import { type Decision, stateAfter } from '#domain/decision.ts';
import type { Override } from '#domain/grid.ts';
import type { PreviousState } from '#domain/policy.ts';
import { intervalMinutesFor, type Site } from '#domain/sites.ts';
import { HOUR_MS, hourStart, iso, MINUTE_MS } from '#domain/time.ts';
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';
import type { MarketDataRepository, PricePoint } from '#ports/market-data.ts';
import { allDecisions } from '../decision-log.ts';
import { MarketReader } from '../market-view.ts';
import { publishDecisions } from '../publish.ts';
import { underSiteLease } from '../redecide.ts';
import { decideInterval, type RunDeps } from '../run-interval.ts';

export type PriceRedecideDeps = Pick<
  RunDeps,
  'sites' | 'decisions' | 'overrides' | 'marketData' | 'publisher' | 'clock' | 'forecaster' | 'demo' | 'log'
>;

/** The reason a revision made because a price became known carries. */
export const PRICE_UPDATE = 'PRICE_UPDATE';

/** What the ingest publishes after storing prices whose newest interval is new (or newly corrected). */
export const PRICES_STORED = 'PricesStored';

export interface PricesStored {
  market: string;
  node: string;
  /** The price kind (RT, DA, RT5, …): informational; every stored price informs the same intervals. */
  kind: string;
  /** Start of the newest interval stored, UTC ISO. */
  newestIntervalStart: string;
  intervalMinutes: number;
}

export function pricesStoredEvent(p: PricesStored, nowMs: number): DomainEvent {
  const id = `prices#${p.market}#${p.node}#${p.kind}#${p.newestIntervalStart}#${nowMs}`;
  return { id, detailType: PRICES_STORED, timeMs: nowMs, detail: { eventId: id, ...p } };
}

/**
 * How far back a price can still inform an open interval: the real-time history a decision reads
 * (shared/app/market-view.ts). An older price (a backfill) announces nothing.
 */
export const INFORMING_LOOKBACK_MS = 6 * HOUR_MS;

/** Does a price whose newest interval is this one inform decisions made at `nowMs` (recent, or ahead as day-ahead prices are)? */
export function informsOpenIntervals(p: Pick<PricesStored, 'newestIntervalStart' | 'intervalMinutes'>, nowMs: number): boolean {
  return Date.parse(p.newestIntervalStart) + p.intervalMinutes * MINUTE_MS > nowMs - INFORMING_LOOKBACK_MS;
}

/**
 * The repository as an ingest writes to it, noting for every (market, node, kind) written the
 * newest interval and whether it is new: not stored before, or stored with another price. Kinds
 * are not listed anywhere: whatever is written through `putPrices` is seen. `stored()` gives the
 * series whose newest interval is new and recent enough to inform open intervals.
 */
export function newPriceRecorder(repo: MarketDataRepository): { repo: MarketDataRepository; stored(nowMs: number): PricesStored[] } {
  const newest = new Map<string, { point: PricePoint; fresh: boolean }>();
  const putPrices = async (points: readonly PricePoint[]): Promise<void> => {
    const byKey = new Map<string, PricePoint>();
    for (const p of points) {
      const key = `${p.market}|${p.node}|${p.kind}`;
      const seen = byKey.get(key);
      if (!seen || p.intervalStartMs > seen.intervalStartMs) byKey.set(key, p);
    }
    // Read before the write: afterwards the point is there whether or not it was new.
    await Promise.all(
      [...byKey].map(async ([key, p]) => {
        const known = newest.get(key);
        if (known && known.point.intervalStartMs >= p.intervalStartMs) return;
        const before = await repo.latestPrice(p.market, p.node, p.kind, p.intervalStartMs + 1);
        const fresh = before?.intervalStartMs !== p.intervalStartMs || before.priceUsdPerMwh !== p.priceUsdPerMwh;
        newest.set(key, { point: p, fresh });
      }),
    );
    await repo.putPrices(points);
  };
  const recording = new Proxy(repo, {
    get(target, prop) {
      if (prop === 'putPrices') return putPrices;
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    repo: recording,
    stored: (nowMs) =>
      [...newest.values()]
        .filter((n) => n.fresh)
        .map(({ point: p }) => ({
          market: p.market,
          node: p.node,
          kind: p.kind,
          newestIntervalStart: iso(p.intervalStartMs),
          intervalMinutes: p.intervalMinutes,
        }))
        .filter((p) => informsOpenIntervals(p, nowMs)),
  };
}

/** Publishes one PricesStored per series; nothing to send is no call. */
export async function announcePrices(publisher: EventPublisher, stored: readonly PricesStored[], nowMs: number): Promise<PublishResult> {
  if (stored.length === 0) return { sent: [], failed: [] };
  return publisher.publish(stored.map((p) => pricesStoredEvent(p, nowMs)));
}

/** The distinct (market, node) pairs among stored series: one re-decision each. */
export function pricedNodes(stored: readonly PricesStored[]): PriceRedecideRequest[] {
  const seen = new Map<string, PriceRedecideRequest>();
  for (const p of stored) seen.set(`${p.market}|${p.node}`, { market: p.market, node: p.node });
  return [...seen.values()];
}

export interface PriceRedecideRequest {
  market: string;
  node: string;
}

export interface PriceRedecideOutcome {
  /** Sites on the node. */
  sites: number;
  /** Revisions recorded, in site and interval order. */
  written: Decision[];
  /** Intervals decided again whose decision did not move: nothing recorded. */
  unchanged: number;
  eventsSent: number;
  eventsFailed: number;
  /** One line per site that failed: `<site>: <error>`. */
  errors: string[];
}

/** Attempts per interval when other changes keep taking the next revision number first. */
const MAX_ATTEMPTS = 4;

/**
 * The intervals a price known at `nowMs` informs for a site: those of the hour now running that
 * have not ended, and the interval after the current one (in the next hour near the hour's end).
 */
export function informedIntervals(site: Pick<Site, 'market'>, nowMs: number): number[] {
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  const current = Math.floor(nowMs / lenMs) * lenMs;
  const last = Math.max(hourStart(nowMs) + HOUR_MS - lenMs, current + lenMs);
  const starts: number[] = [];
  for (let t = current; t <= last; t += lenMs) starts.push(t);
  return starts;
}

/** Did the decision move: another level, mode or threshold for a load, other flags, or another state for the next interval? */
export function decisionMoved(before: Decision, after: Decision): boolean {
  return (
    JSON.stringify(before.allocations) !== JSON.stringify(after.allocations) ||
    JSON.stringify(before.flags) !== JSON.stringify(after.flags) ||
    JSON.stringify(stateAfter(before)) !== JSON.stringify(stateAfter(after))
  );
}

export async function priceRedecideJob(deps: PriceRedecideDeps, req: PriceRedecideRequest): Promise<PriceRedecideOutcome> {
  const nowMs = deps.clock.nowMs();
  const sites = deps.sites.filter((s) => s.market === req.market && s.settlementPoint === req.node);
  const runId = `price-${req.market}-${req.node}-${iso(nowMs).slice(0, 16).replace(/[-T:]/g, '')}`;
  const reader = new MarketReader(deps.marketData, deps.demo ?? false);
  const written: Decision[] = [];
  const errors: string[] = [];
  let unchanged = 0;
  await forEachLimit(sites, 16, async (site) => {
    try {
      // Under the site's lease, as override re-decisions: neither reads the decisions while the other writes them.
      const r = await underSiteLease(deps, site, 'the next price or run re-decides it', () =>
        redecideSite({ deps, reader, site, nowMs, runId }),
      );
      written.push(...r.written);
      unchanged += r.unchanged;
    } catch (err) {
      errors.push(`${site.id}: ${(err as Error).message}`);
      deps.log.error('price re-decision failed', { runId, siteId: site.id, error: (err as Error).message });
    }
  });
  written.sort((a, b) =>
    a.siteId === b.siteId ? Date.parse(a.intervalStart) - Date.parse(b.intervalStart) : a.siteId < b.siteId ? -1 : 1,
  );
  const published = await publishDecisions(deps, written);
  deps.log.info('re-decided on a new price', {
    runId,
    ...req,
    sites: sites.length,
    written: written.length,
    unchanged,
    eventsFailed: published.failed,
  });
  return { sites: sites.length, written, unchanged, eventsSent: published.sent, eventsFailed: published.failed, errors };
}

interface Redeciding {
  deps: PriceRedecideDeps;
  reader: MarketReader;
  site: Site;
  nowMs: number;
  runId: string;
}

/** Decides the site's informed intervals in order, each on the state the one before leaves. */
async function redecideSite(ctx: Redeciding): Promise<{ written: Decision[]; unchanged: number }> {
  const { deps, site, nowMs } = ctx;
  const starts = informedIntervals(site, nowMs);
  const lenMs = intervalMinutesFor(site.market) * MINUTE_MS;
  const from = starts[0]!;
  const to = starts[starts.length - 1]! + lenMs;
  const [stored, overrides] = await Promise.all([
    allDecisions(deps.decisions, site.id, from - lenMs, to),
    deps.overrides.activeFor(site.id, from, to),
  ]);
  const byStart = new Map(stored.map((d) => [d.intervalStart, d]));
  let last = byStart.get(iso(from - lenMs)) ?? null;
  const written: Decision[] = [];
  let unchanged = 0;
  for (const t of starts) {
    const stored = byStart.get(iso(t));
    if (!stored) break; // not decided yet (nor, then, anything after it): the run's
    const outcome = await reviseInterval(ctx, t, stored, last, overrides);
    if (outcome.written) written.push(outcome.decision);
    else unchanged++;
    last = outcome.decision;
  }
  return { written, unchanged };
}

/**
 * Decides one interval with what is known now and records it when it moved; when another change
 * records the same revision number first, decides again on top of the newer one.
 */
async function reviseInterval(
  ctx: Redeciding,
  t: number,
  stored: Decision,
  before: Decision | null,
  overrides: readonly Override[],
): Promise<{ decision: Decision; written: boolean }> {
  const { deps, reader, site, nowMs, runId } = ctx;
  // The chain: decided from the current decision of the interval before (shared/app/reconcile.ts checks it).
  const previous: PreviousState | null = before ? stateAfter(before) : null;
  const previousRevision = before?.revision ?? null;
  const snap = await reader.snapshot(site, hourStart(t), nowMs);
  let current = stored;
  for (let attempt = 1; ; attempt++) {
    const revision = current.revision + 1;
    const interval = { site, snap, overrides, intervalStartMs: t, previous, decisionTimeMs: nowMs };
    const candidate = await decideInterval(deps, reader, interval, {
      revision,
      source: 'AUTO',
      decidedAtMs: nowMs,
      runId,
      previousRevision,
    });
    if (!decisionMoved(current, candidate)) return { decision: current, written: false };
    candidate.reasons.push(PRICE_UPDATE);
    if ((await deps.decisions.putRevision(candidate)) === 'written') return { decision: candidate, written: true };
    if (attempt >= MAX_ATTEMPTS) {
      // Left to the other changes: they decided the interval after us, with at least what we knew.
      deps.log.warn('price re-decision kept colliding; leaving the interval to the newer revisions', {
        runId,
        siteId: site.id,
        interval: iso(t),
      });
      return { decision: (await deps.decisions.current(site.id, iso(t))) ?? candidate, written: false };
    }
    // The pointer may lag the revision records: go on top of whichever is newer.
    const [theirs, pointer] = await Promise.all([
      deps.decisions.revision(site.id, iso(t), revision),
      deps.decisions.current(site.id, iso(t)),
    ]);
    current = [theirs, pointer].reduce<Decision>((a, b) => (b && b.revision > a.revision ? b : a), current);
  }
}
