/**
 * Ingest use cases: store what a feed file or an API pull produced, in batches; pull prices from a
 * PriceFeed; pull daily hashprice from sources in a configured primary → fallback order, storing
 * each value with its source. Parsing happens before the first write, so a bad file (without
 * skip-bad-rows) stores nothing; writes are idempotent upserts, so a run cut short is repaired by
 * running it again. Each chunk of prices is compared with what is stored before it is written: a
 * report counts new, changed and unchanged prices, and an ingest that changed stored prices is
 * written to the audit trail with a sample of the intervals (old → new). With a marker repository an
 * ingest records its start, its progress and its completion (#ports/ingest-markers.ts).
 */
import type { GridEvent } from '#domain/grid.ts';
import { DAY_MS, iso, parseUtcDay, utcDay } from '#domain/time.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { DomainEvent, EventPublisher, PublishResult } from '#ports/events.ts';
import type { FeedBatch, FeedGap, FeedReject, HashpriceSource, PriceFeed } from '#ports/feeds.ts';
import {
  type IngestMarker,
  type IngestMarkerRepository,
  type IngestTarget,
  ingestKey,
  type PriceChangeCounts,
} from '#ports/ingest-markers.ts';
import { type HashpricePoint, type MarketDataRepository, type PricePoint, priceCurrency } from '#ports/market-data.ts';
import { type DayAheadStoreResult, storeDayAhead } from './day-ahead.ts';

export interface IngestOptions {
  /** Points per repository call (the repository splits them again into 25-item batch writes). Default 2,000. */
  chunkSize?: number;
  /** Called after each chunk with points written so far and the total. */
  onProgress?: (done: number, total: number) => void;
  /** Where the replacement of a stored day-ahead revision is recorded. */
  audit?: AuditRepository;
  /** The time stored with day-ahead revisions, price corrections and markers. Default now. */
  nowMs?: number;
  /** What is ingested: names the audit record of a correction and the marker. */
  target?: IngestTarget;
  /** Where the ingest records its start and completion (with `target`). */
  markers?: IngestMarkerRepository;
  /** Called when the previous ingest of the same target did not complete: this one replaces it. */
  onUnfinished?: (previous: IngestMarker) => void;
  /** Who the audit record of a correction names; default the source. */
  actor?: string;
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
  /** The batch's prices against what was stored (day-ahead days of a revision are counted by `dayAhead`). */
  prices: PriceChangeCounts;
  /** Up to CHANGE_SAMPLE intervals whose stored price changed, first ones first. */
  changedSample: PriceChange[];
  /** The previous ingest of the same target, when it had not completed: this one replaced it. */
  replacedUnfinished?: IngestMarker;
}

export interface PriceChange {
  /** `<market>:<node>:<kind>`. */
  series: string;
  intervalStartMs: number;
  old: number;
  new: number;
  /** When the currency changed too. */
  oldCurrency?: string;
}

/** How many changed intervals a report and its audit record list. */
export const CHANGE_SAMPLE = 20;

const seriesOf = (p: Pick<PricePoint, 'market' | 'node' | 'kind'>) => `${p.market}:${p.node}:${p.kind}`;

/**
 * Compares points with the stored prices of their series (one range read per series) and counts them; changed
 * intervals are added to `sample` up to CHANGE_SAMPLE.
 */
export async function classifyPrices(
  repo: MarketDataRepository,
  points: readonly PricePoint[],
  counts: PriceChangeCounts,
  sample: PriceChange[],
): Promise<void> {
  const bySeries = new Map<string, PricePoint[]>();
  for (const p of points) {
    const list = bySeries.get(seriesOf(p));
    if (list) list.push(p);
    else bySeries.set(seriesOf(p), [p]);
  }
  for (const [series, list] of bySeries) {
    const { market, node, kind } = list[0]!;
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    for (const p of list) {
      from = Math.min(from, p.intervalStartMs);
      to = Math.max(to, p.intervalStartMs);
    }
    const stored = new Map((await repo.getPrices(market, node, kind, from, to + 1)).map((p) => [p.intervalStartMs, p]));
    for (const p of list) {
      const old = stored.get(p.intervalStartMs);
      if (!old) counts.new++;
      else if (old.priceUsdPerMwh === p.priceUsdPerMwh && priceCurrency(old) === priceCurrency(p)) counts.unchanged++;
      else {
        counts.changed++;
        if (sample.length < CHANGE_SAMPLE) {
          const currencyChanged = priceCurrency(old) !== priceCurrency(p);
          sample.push({
            series,
            intervalStartMs: p.intervalStartMs,
            old: old.priceUsdPerMwh,
            new: p.priceUsdPerMwh,
            ...(currencyChanged ? { oldCurrency: priceCurrency(old) } : {}),
          });
        }
      }
    }
  }
}

export function batchSize(b: FeedBatch): number {
  const dayAhead = b.dayAhead?.reduce((s, d) => s + d.prices.length, 0) ?? 0;
  const n = (b.prices?.length ?? 0) + (b.systemLoad?.length ?? 0) + (b.asPrices?.length ?? 0) + (b.hashprices?.length ?? 0);
  return n + (b.gridEvents?.length ?? 0) + dayAhead + (b.fxRates?.length ?? 0);
}

/**
 * Writes a parsed batch to the repository in chunks, reporting progress. With `markers` and `target` the ingest's
 * start is recorded before the first write, its progress after each chunk and its completion after the last.
 */
export async function ingestBatch(repo: MarketDataRepository, batch: FeedBatch, opts: IngestOptions = {}): Promise<IngestReport> {
  const chunk = Math.max(1, opts.chunkSize ?? 2_000);
  const total = batchSize(batch);
  const nowMs = () => opts.nowMs ?? Date.now();
  const tracked = opts.markers && opts.target ? { markers: opts.markers, key: ingestKey(opts.target), startedAtMs: nowMs() } : undefined;
  let replacedUnfinished: IngestMarker | undefined;
  if (tracked) {
    const previous = await tracked.markers.start({
      ...opts.target!,
      key: tracked.key,
      startedAtMs: tracked.startedAtMs,
      updatedAtMs: tracked.startedAtMs,
      expected: total,
      written: 0,
    });
    if (previous && previous.completedAtMs === undefined) {
      replacedUnfinished = previous;
      opts.onUnfinished?.(previous);
    }
  }
  let done = 0;
  const written: IngestCounts = { prices: 0, systemLoad: 0, asPrices: 0, hashprices: 0, gridEvents: 0 };
  const prices: PriceChangeCounts = { new: 0, changed: 0, unchanged: 0 };
  const changedSample: PriceChange[] = [];
  const progressed = async () => {
    opts.onProgress?.(done, total);
    if (tracked) await tracked.markers.progress(tracked.key, tracked.startedAtMs, done, nowMs());
  };
  const inChunks = async <T>(items: readonly T[] | undefined, write: (part: T[]) => Promise<void>, key: keyof IngestCounts) => {
    if (!items) return;
    for (let i = 0; i < items.length; i += chunk) {
      const part = items.slice(i, i + chunk);
      await write(part);
      written[key] = (written[key] ?? 0) + part.length;
      done += part.length;
      await progressed();
    }
  };
  await inChunks(
    batch.prices,
    async (p) => {
      // Read before the write: afterwards every point is there whether or not it changed.
      await classifyPrices(repo, p, prices, changedSample);
      await repo.putPrices(p);
    },
    'prices',
  );
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
      const [r] = await storeDayAhead(repo, opts.audit, [day], { source: batch.source, nowMs: nowMs() });
      dayAhead.push(r!);
      if (r!.outcome !== 'kept') written.prices += day.prices.length;
      done += day.prices.length;
      await progressed();
    }
  }
  // The correction is on record before the marker says the ingest completed.
  if (prices.changed > 0 && opts.audit) {
    await opts.audit.append(correctionRecord(batch.source, prices, changedSample, { ...opts, nowMs: tracked?.startedAtMs ?? nowMs() }));
  }
  if (tracked) await tracked.markers.complete(tracked.key, tracked.startedAtMs, { written: done, nowMs: nowMs(), prices });
  const { source, rows, rejects, gaps, duplicates } = batch;
  const report: IngestReport = { source, rows, written, rejects, gaps, duplicates, prices, changedSample };
  if (dayAhead) report.dayAhead = dayAhead;
  if (replacedUnfinished) report.replacedUnfinished = replacedUnfinished;
  return report;
}

/** The audit record of an ingest that changed stored prices: its counts per series and a sample, old → new. */
function correctionRecord(
  source: string,
  counts: PriceChangeCounts,
  sample: readonly PriceChange[],
  opts: IngestOptions & { nowMs: number },
): AuditRecord {
  const target: IngestTarget = opts.target ?? { kind: 'feed', source, name: 'batch' };
  const key = ingestKey(target);
  const series = [...new Set(sample.map((c) => c.series))];
  const at = (c: PriceChange) => `${c.series} ${iso(c.intervalStartMs)}`;
  const what = target.kind === 'file' ? `file ${target.name}` : `${target.source} window ${target.name}`;
  return {
    id: `prices:${key}:${iso(opts.nowMs)}:PRICES_CORRECTED`,
    at: iso(opts.nowMs),
    actor: opts.actor ?? source,
    action: 'PRICES_CORRECTED',
    entity: { type: 'prices', id: key },
    before: { prices: Object.fromEntries(sample.map((c) => [at(c), c.old])) },
    after: {
      source,
      [target.kind]: target.name,
      ...(target.hash ? { hash: target.hash } : {}),
      series,
      changed: counts.changed,
      new: counts.new,
      unchanged: counts.unchanged,
      sampled: sample.length,
      prices: Object.fromEntries(sample.map((c) => [at(c), c.new])),
    },
    reason: `${what} changed ${counts.changed} stored prices (${counts.new} new, ${counts.unchanged} unchanged)`,
  };
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
  const target: IngestTarget = { kind: 'feed', source: feed.name, name: `${iso(request.fromMs)}..${iso(request.toMs)}` };
  return ingestBatch(
    repo,
    { source: feed.name, prices: r.points, rows: r.rows, rejects: r.rejects, gaps: r.gaps, duplicates: r.duplicates },
    { target, ...opts },
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
