/**
 * Scheduled pulls from market-data APIs: what the ingest Lambdas do in AWS and the local runtime
 * does before each run when real feeds are configured.
 */

import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, hourStart, utcDay } from '#domain/time.ts';
import type { HashpriceSource, PriceFeed } from '#ports/feeds.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { type HashpriceIngestReport, type IngestOptions, type IngestReport, ingestHashprices, ingestPrices } from './ingest.ts';

export interface PullWindow {
  fromMs: number;
  toMs: number;
}

/** Real-time prices of the last hours; day-ahead prices for the rest of today and tomorrow (published the afternoon before). */
export function liveWindows(nowMs: number, lookbackHours: number): { rt: PullWindow; da: PullWindow } {
  return {
    rt: { fromMs: hourStart(nowMs) - lookbackHours * HOUR_MS, toMs: nowMs },
    da: { fromMs: hourStart(nowMs), toMs: hourStart(nowMs) + 48 * HOUR_MS },
  };
}

/** Settlement points of the configured sites in one market. */
export function nodesOf(sites: readonly Site[], market: string): string[] {
  return [...new Set(sites.filter((s) => s.market === market && s.settlementPoint).map((s) => s.settlementPoint!))];
}

/** What a pull logs of one feed's ingest: counts, and how many stored prices it changed. */
export function ingestLogFields(r: IngestReport): Record<string, unknown> {
  return {
    feed: r.source,
    rows: r.rows,
    written: r.written.prices,
    changed: r.prices.changed,
    new: r.prices.new,
    unchanged: r.prices.unchanged,
    rejects: r.rejects.length,
    gaps: r.gaps.length,
    ...(r.replacedUnfinished ? { replacedUnfinishedFrom: new Date(r.replacedUnfinished.startedAtMs).toISOString() } : {}),
  };
}

/**
 * Pulls RT and DA prices for the nodes; a feed that fails is reported in `errors`, the other still runs. `opts` carries
 * the audit trail and the ingest markers (each feed window is an ingest of its own).
 */
export async function pullPrices(
  repo: MarketDataRepository,
  feeds: { rt: PriceFeed; da: PriceFeed },
  nodes: readonly string[],
  windows: { rt: PullWindow; da: PullWindow },
  log: Logger,
  opts: Pick<IngestOptions, 'audit' | 'markers'> = {},
): Promise<{ reports: IngestReport[]; errors: string[] }> {
  const reports: IngestReport[] = [];
  const errors: string[] = [];
  if (nodes.length === 0) return { reports, errors };
  for (const [feed, window] of [
    [feeds.rt, windows.rt],
    [feeds.da, windows.da],
  ] as const) {
    try {
      const r = await ingestPrices(repo, feed, { ...window, nodes }, opts);
      reports.push(r);
      log.info('prices ingested', ingestLogFields(r));
      if (r.prices.changed > 0) log.warn('stored prices changed', { feed: r.source, changed: r.prices.changed, sample: r.changedSample });
    } catch (err) {
      errors.push(`${feed.name}: ${(err as Error).message}`);
      log.error('price ingest failed', { feed: feed.name, error: (err as Error).message });
    }
  }
  return { reports, errors };
}

/** The days a scheduled hashprice pull covers: the last `lookbackDays` days up to today (UTC). */
export function hashpriceRange(nowMs: number, lookbackDays: number): { fromDay: string; toDay: string } {
  return { fromDay: utcDay(nowMs - lookbackDays * DAY_MS), toDay: utcDay(nowMs) };
}

/** Daily hashprice for the days of `range` from the sources in priority order; logs what was written and which source failed. */
export async function pullHashprices(
  repo: MarketDataRepository,
  sources: readonly HashpriceSource[],
  range: { fromDay: string; toDay: string },
  log: Logger,
): Promise<HashpriceIngestReport> {
  const report = await ingestHashprices(repo, sources, range);
  log.info('hashprice ingested', {
    ...range,
    written: report.written.map((w) => `${w.date}:${w.source}`),
    kept: report.kept,
    missing: report.missing,
  });
  for (const e of report.errors) log.warn('hashprice source failed', e);
  return report;
}
