/**
 * GET /health: each part the API depends on, checked cheaply and with a short timeout. The store
 * is the part the API needs: when it is down the answer is `down` (the route answers 503). The
 * event bus and the feeds only degrade it: decisions are still served and the outbox keeps what
 * could not be sent; a stale feed makes the engine fail safe, it does not stop it. An ingest that
 * stopped half-way degrades it too, but is no 503: the API still serves everything correctly, and a
 * load balancer or monitor that takes a 503 instance out of rotation would only make things worse;
 * what is wrong is one copy of market data, which the ingest named in `parts.ingest` repairs.
 */
import type { Site } from '#domain/sites.ts';
import type { Clock } from '#ports/clock.ts';
import type { IngestMarker, IngestMarkerRepository } from '#ports/ingest-markers.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { feedStaleness, feedsForSites } from '../staleness.ts';

export type HealthStatus = 'ok' | 'degraded' | 'down';

export interface PartHealth {
  status: HealthStatus;
  detail: string;
  /** How long the check took. */
  latencyMs?: number;
}

export interface FeedHealth {
  feed: string;
  status: 'ok' | 'degraded';
  ageMinutes: number | null;
  maxAgeMinutes: number;
}

export interface HealthReport {
  status: HealthStatus;
  parts: { store: PartHealth; eventBus: PartHealth; feeds: FeedHealth[]; ingest: PartHealth };
}

export interface HealthDeps {
  sites: readonly Site[];
  marketData: MarketDataRepository;
  clock: Clock;
  /** A cheap read of the store (a GetItem, a DescribeTable); rejects when the store cannot answer. */
  probeStore: () => Promise<unknown>;
  /** The event bus as the deployment knows it (the in-process publisher locally; configuration on AWS). */
  eventBus?: () => Promise<PartHealth> | PartHealth;
  /** Ingest markers: an ingest that stopped half-way degrades the report. */
  ingests?: IngestMarkerRepository;
  /** How long a check may take before its part counts as down; default 1 s. */
  timeoutMs?: number;
}

/** An open ingest with no progress for this long has stopped (a running one records progress every chunk, seconds apart). */
export const INGEST_STALLED_MS = 5 * 60_000;

const DEFAULT_TIMEOUT_MS = 1_000;
const MINUTE_MS = 60_000;

/** Rejects when `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function storeHealth(deps: HealthDeps, timeoutMs: number): Promise<PartHealth> {
  const started = Date.now();
  try {
    await within(deps.probeStore(), timeoutMs, 'the store');
    return { status: 'ok', detail: 'answering', latencyMs: Date.now() - started };
  } catch (err) {
    return { status: 'down', detail: describe(err), latencyMs: Date.now() - started };
  }
}

async function feedHealth(deps: HealthDeps, timeoutMs: number): Promise<FeedHealth[]> {
  const feeds = feedsForSites(deps.sites);
  const { ages } = await within(feedStaleness(deps.marketData, feeds, deps.clock.nowMs()), timeoutMs, 'the feed check');
  return ages.map((a) => ({
    feed: a.feed,
    status: a.stale ? 'degraded' : 'ok',
    ageMinutes: a.ageMs === null ? null : Math.round(a.ageMs / MINUTE_MS),
    maxAgeMinutes: Math.round(a.maxAgeMs / MINUTE_MS),
  }));
}

const count = (x: number) => x.toLocaleString('en-US');

function unfinished(m: IngestMarker): string {
  const what = m.kind === 'file' ? `file ${m.name}` : `${m.source} window ${m.name}`;
  return `ingest of ${what} (${m.source}) started ${new Date(m.startedAtMs).toISOString()} did not complete: ${count(m.written)} of ${count(m.expected)} points stored`;
}

async function ingestHealth(deps: HealthDeps, timeoutMs: number): Promise<PartHealth> {
  if (!deps.ingests) return { status: 'ok', detail: 'not checked' };
  const started = Date.now();
  try {
    const open = await within(deps.ingests.open(), timeoutMs, 'the ingest markers');
    const stalled = open.filter((m) => deps.clock.nowMs() - m.updatedAtMs > INGEST_STALLED_MS);
    const latencyMs = Date.now() - started;
    if (stalled.length > 0) {
      const more = stalled.length > 1 ? `; and ${stalled.length - 1} more` : '';
      return { status: 'degraded', detail: `${unfinished(stalled[0]!)}; ingest it again${more}`, latencyMs };
    }
    const running = open.length > 0 ? `${open.length} running` : 'no unfinished ingest';
    return { status: 'ok', detail: running, latencyMs };
  } catch (err) {
    return { status: 'degraded', detail: `ingest markers unreadable: ${describe(err)}`, latencyMs: Date.now() - started };
  }
}

/** What failed, in words a reader of /health can use; never a stack. */
function describe(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  if (typeof e.code === 'string') return `unreachable (${e.code})`;
  return e.message || e.name || 'unavailable';
}

export async function healthReport(deps: HealthDeps): Promise<HealthReport> {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const store = await storeHealth(deps, timeoutMs);
  const eventBus: PartHealth = deps.eventBus ? await deps.eventBus() : { status: 'ok', detail: 'not checked' };
  // With the store down the feeds cannot be read: their freshness is unknown, not stale.
  const feeds = store.status === 'down' ? [] : await feedHealth(deps, timeoutMs).catch(() => null);
  const ingest: PartHealth =
    store.status === 'down' ? { status: 'ok', detail: 'not checked: the store is down' } : await ingestHealth(deps, timeoutMs);
  const worst: HealthStatus =
    store.status === 'down'
      ? 'down'
      : store.status === 'degraded' ||
          eventBus.status !== 'ok' ||
          ingest.status !== 'ok' ||
          feeds === null ||
          feeds.some((f) => f.status !== 'ok')
        ? 'degraded'
        : 'ok';
  return { status: worst, parts: { store, eventBus, feeds: feeds ?? [], ingest } };
}
