/**
 * Ingest use cases: store what a feed file or an API pull produced, in batches; pull prices from a
 * PriceFeed; pull daily hashprice from sources in a configured primary → fallback order, storing
 * each value with its source. Parsing happens before the first write, so a bad file (without
 * skip-bad-rows) stores nothing; writes are idempotent upserts, so a run cut short is repaired by
 * running it again.
 */
import type { GridEvent } from '#domain/grid.ts';
import { DAY_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';
import type { FeedBatch, FeedGap, FeedReject, HashpriceSource, PriceFeed } from '#ports/feeds.ts';
import type { HashpricePoint, MarketDataRepository } from '#ports/market-data.ts';
import { type DayAheadStoreResult, storeDayAhead } from './day-ahead.ts';

export interface IngestOptions {
  /** Points per repository call (the repository splits them again into 25-item batch writes). Default 2,000. */
  chunkSize?: number;
  /** Called after each chunk with points written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Where the replacement of a stored day-ahead revision is recorded. */
  audit?: AuditRepository;
  /** The time stored with day-ahead revisions. Default now. */
  nowMs?: number;
}

export interface IngestCounts {
  prices: number;
  systemLoad: number;
  asPrices: number;
  hashprices: number;
  gridEvents: number;
  fxRates?: number;
}

export interface IngestReport {
  source: string;
  rows: number;
  written: IngestCounts;
  rejects: FeedReject[];
  gaps: FeedGap[];
  duplicates: number;
  /** What happened to each day-ahead delivery day of the batch. */
  dayAhead?: DayAheadStoreResult[];
}

export function batchSize(b: FeedBatch): number {
  const dayAhead = b.dayAhead?.reduce((s, d) => s + d.prices.length, 0) ?? 0;
  const n = (b.prices?.length ?? 0) + (b.systemLoad?.length ?? 0) + (b.asPrices?.length ?? 0) + (b.hashprices?.length ?? 0);
  return n + (b.gridEvents?.length ?? 0) + dayAhead + (b.fxRates?.length ?? 0);
}

/** Writes a parsed batch to the repository in chunks, reporting progress. */
export async function ingestBatch(repo: MarketDataRepository, batch: FeedBatch, opts: IngestOptions = {}): Promise<IngestReport> {
  const chunk = Math.max(1, opts.chunkSize ?? 2_000);
  const total = batchSize(batch);
  let done = 0;
  const written: IngestCounts = { prices: 0, systemLoad: 0, asPrices: 0, hashprices: 0, gridEvents: 0 };
  const inChunks = async <T>(items: readonly T[] | undefined, write: (part: T[]) => Promise<void>, key: keyof IngestCounts) => {
    if (!items) return;
    for (let i = 0; i < items.length; i += chunk) {
      const part = items.slice(i, i + chunk);
      await write(part);
      written[key] = (written[key] ?? 0) + part.length;
      done += part.length;
      opts.onProgress?.(done, total);
    }
  };
  await inChunks(batch.prices, (p) => repo.putPrices(p), 'prices');
  await inChunks(batch.systemLoad, (p) => repo.putSystemLoad(p), 'systemLoad');
  await inChunks(batch.asPrices, (p) => repo.putAsPrices(p), 'asPrices');
  await inChunks(batch.hashprices, (p) => repo.putHashprices(p), 'hashprices');
  await inChunks(batch.gridEvents, (events) => putGridEvents(repo, events), 'gridEvents');
  if (batch.fxRates) {
    written.fxRates = 0;
    await inChunks(batch.fxRates, (p) => repo.putFxRates(p), 'fxRates');
  }
  let dayAhead: DayAheadStoreResult[] | undefined;
  if (batch.dayAhead) {
    dayAhead = [];
    for (const day of batch.dayAhead) {
      const [r] = await storeDayAhead(repo, opts.audit, [day], { source: batch.source, nowMs: opts.nowMs ?? Date.now() });
      dayAhead.push(r!);
      if (r!.outcome !== 'kept') written.prices += day.prices.length;
      done += day.prices.length;
      opts.onProgress?.(done, total);
    }
  }
  const { source, rows, rejects, gaps, duplicates } = batch;
  const report = { source, rows, written, rejects, gaps, duplicates };
  return dayAhead ? { ...report, dayAhead } : report;
}

/** Grid events are single-item writes: a few at a time. */
async function putGridEvents(repo: MarketDataRepository, events: readonly GridEvent[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < events.length) await repo.putGridEvent(events[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, events.length) }, worker));
}

/** Pulls prices for a UTC window from an API feed and stores them. */
export async function ingestPrices(
  repo: MarketDataRepository,
  feed: PriceFeed,
  request: { fromMs: number; toMs: number; nodes: readonly string[] },
  opts: IngestOptions = {},
): Promise<IngestReport> {
  const r = await feed.fetchPrices(request);
  return ingestBatch(
    repo,
    { source: feed.name, prices: r.points, rows: r.rows, rejects: r.rejects, gaps: r.gaps, duplicates: r.duplicates },
    opts,
  );
}

export interface HashpriceIngestReport {
  /** Values written, each with the source it came from. */
  written: HashpricePoint[];
  /** Days whose stored value came from a source of higher priority than any that answered now: left as they were. */
  kept: string[];
  /** Days of the range no source could give. */
  missing: string[];
  /** Sources that failed, in the order tried. */
  errors: { source: string; error: string }[];
}

/** Every UTC day from `fromDay` to `toDay`, inclusive. */
export function daysBetween(fromDay: string, toDay: string): string[] {
  const out: string[] = [];
  for (let d = parseUtcDay(fromDay); d <= parseUtcDay(toDay); d += DAY_MS) out.push(utcDay(d));
  return out;
}

/**
 * Daily hashprice for [fromDay, toDay] from sources in priority order: the first source gives
 * what it can, each next one fills only the days still missing; a source that fails is recorded
 * and skipped. A stored value is replaced only by a source of the same or higher priority (a
 * stored value from a source outside the list, e.g. a file backfill or demo data, ranks lowest).
 */
export async function ingestHashprices(
  repo: MarketDataRepository,
  sources: readonly HashpriceSource[],
  range: { fromDay: string; toDay: string },
): Promise<HashpriceIngestReport> {
  const rank = (source: string) => {
    const i = sources.findIndex((s) => s.name === source);
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  const days = daysBetween(range.fromDay, range.toDay);
  const chosen = new Map<string, HashpricePoint>();
  const errors: HashpriceIngestReport['errors'] = [];
  for (const source of sources) {
    if (chosen.size === days.length) break;
    try {
      for (const p of await source.fetchHashprices(range.fromDay, range.toDay)) {
        if (p.date < range.fromDay || p.date > range.toDay || chosen.has(p.date)) continue;
        if (!Number.isFinite(p.usdPerPhDay) || p.usdPerPhDay <= 0) continue;
        chosen.set(p.date, { date: p.date, usdPerPhDay: p.usdPerPhDay, source: source.name });
      }
    } catch (err) {
      errors.push({ source: source.name, error: (err as Error).message });
    }
  }
  const stored = new Map((await repo.getHashprices(range.fromDay, range.toDay)).map((p) => [p.date, p]));
  const written: HashpricePoint[] = [];
  const kept: string[] = [];
  for (const p of [...chosen.values()].sort((a, b) => (a.date < b.date ? -1 : 1))) {
    const old = stored.get(p.date);
    if (old && rank(old.source) < rank(p.source)) kept.push(p.date);
    else written.push(p);
  }
  if (written.length > 0) await repo.putHashprices(written);
  return { written, kept, missing: days.filter((d) => !chosen.has(d)), errors };
}

/** Grid event types that are emergencies: published as `GridEmergency` for controllers and alerting. */
const EMERGENCY_TYPES = new Set<GridEvent['type']>(['EEA', 'SB6_DIRECTIVE']);

/**
 * Stores grid events (an operator file or message) and publishes a `GridEmergency` event for
 * each EEA or SB 6 directive among them. Event ids are the grid events' ids, so a re-ingested
 * file is published under the same ids and consumers can drop the repeat.
 */
export async function ingestGridEvents(
  repo: MarketDataRepository,
  publisher: EventPublisher,
  events: readonly GridEvent[],
  nowMs: number,
): Promise<{ stored: number; published: PublishResult }> {
  await putGridEvents(repo, events);
  const emergencies: DomainEvent[] = events
    .filter((e) => EMERGENCY_TYPES.has(e.type))
    .map((e) => ({
      detailType: 'GridEmergency',
      id: `grid#${e.market}#${e.id}`,
      timeMs: nowMs,
      detail: {
        gridEventId: e.id,
        type: e.type,
        market: e.market,
        ...(e.siteId ? { siteId: e.siteId } : {}),
        ...(e.level !== undefined ? { level: e.level } : {}),
        start: new Date(e.startMs).toISOString(),
        end: new Date(e.endMs).toISOString(),
        ...(e.note ? { note: e.note } : {}),
      },
    }));
  const published = emergencies.length > 0 ? await publisher.publish(emergencies) : { sent: [], failed: [] };
  return { stored: events.length, published };
}
