/**
 * Storing European day-ahead results and euro reference rates. Prices are stored in the currency
 * the exchange published (EUR for Nord Pool and ENTSO-E); the economics convert them when they are
 * used. A delivery day is stored with its revision: a later revision (higher version, or Final after
 * Preliminary at the same version) replaces the stored prices and the replacement is written to the
 * audit trail; an older or the same revision leaves them as they are.
 */
import { compareRevisions } from '#adapters/feeds/day-ahead.ts';
import type { EcbRateDay } from '#adapters/feeds/ecb-fx.ts';
import { iso } from '#domain/time.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { DayAheadDayBatch as DayAheadDay } from '#ports/feeds.ts';
import type { DayAheadRevisionRecord, FxRatePoint, MarketDataRepository, PricePoint } from '#ports/market-data.ts';

/** The market name stored with Nord Pool and ENTSO-E day-ahead prices; the node is the bidding zone (NO3). */
export const DAY_AHEAD_MARKET = 'NORDPOOL';

export type DayAheadOutcome = 'stored' | 'replaced' | 'kept';

export interface DayAheadStoreResult {
  area: string;
  deliveryDay: string;
  outcome: DayAheadOutcome;
  /** The revision now stored. */
  revision: { version: number; state: string };
  /** The revision it replaced, for `replaced`. */
  previous?: { version: number; state: string };
}

export interface DayAheadStoreOptions {
  /** Where the day came from, stored with its revision (`nordpool`, `entsoe`, `nordpool-json`, …). */
  source: string;
  nowMs: number;
  /** Who the audit record names; default the source. */
  actor?: string;
  market?: string;
}

/** The DA price points of a delivery day, in the day's currency. */
export function dayAheadPoints(day: DayAheadDay, market = DAY_AHEAD_MARKET): PricePoint[] {
  return day.prices.map((p) => ({
    market,
    node: day.area,
    kind: 'DA' as const,
    intervalStartMs: p.intervalStartMs,
    intervalMinutes: p.intervalMinutes,
    priceUsdPerMwh: p.price,
    currency: p.currency,
  }));
}

/** Stores each day unless a newer or the same revision is stored already; a replacement is audited. */
export async function storeDayAhead(
  repo: MarketDataRepository,
  audit: AuditRepository | undefined,
  days: readonly DayAheadDay[],
  opts: DayAheadStoreOptions,
): Promise<DayAheadStoreResult[]> {
  const market = opts.market ?? DAY_AHEAD_MARKET;
  const results: DayAheadStoreResult[] = [];
  for (const day of days) {
    const stored = await repo.getDayAheadRevision(market, day.area, day.deliveryDay);
    const revision = { version: day.revision.version, state: day.revision.state };
    if (stored && compareRevisions(day.revision, stored) <= 0) {
      results.push({
        area: day.area,
        deliveryDay: day.deliveryDay,
        outcome: 'kept',
        revision: { version: stored.version, state: stored.state },
      });
      continue;
    }
    const record: DayAheadRevisionRecord = {
      market,
      area: day.area,
      deliveryDay: day.deliveryDay,
      ...revision,
      source: opts.source,
      currency: day.currency,
      intervalMinutes: day.intervalMinutes,
      ...(day.revision.updatedAtMs !== undefined ? { updatedAtMs: day.revision.updatedAtMs } : {}),
      storedAtMs: opts.nowMs,
    };
    // Prices first, then the revision: a write cut short between them is repeated by the next ingest.
    await repo.putPrices(dayAheadPoints(day, market));
    if (stored && audit) await audit.append(replacementRecord(stored, record, opts));
    await repo.putDayAheadRevision(record);
    const previous = stored ? { version: stored.version, state: stored.state } : undefined;
    results.push({
      area: day.area,
      deliveryDay: day.deliveryDay,
      outcome: stored ? 'replaced' : 'stored',
      revision,
      ...(previous ? { previous } : {}),
    });
  }
  return results;
}

function replacementRecord(before: DayAheadRevisionRecord, after: DayAheadRevisionRecord, opts: DayAheadStoreOptions): AuditRecord {
  const id = `dayahead:${after.market}:${after.area}:${after.deliveryDay}:v${after.version}:${after.state}:DAY_AHEAD_REPLACED`;
  const summary = (r: DayAheadRevisionRecord) => ({
    version: r.version,
    state: r.state,
    source: r.source,
    currency: r.currency,
    intervalMinutes: r.intervalMinutes,
    ...(r.updatedAtMs !== undefined ? { updatedAt: iso(r.updatedAtMs) } : {}),
    storedAt: iso(r.storedAtMs),
  });
  return {
    id,
    at: iso(opts.nowMs),
    actor: opts.actor ?? opts.source,
    action: 'DAY_AHEAD_REPLACED',
    entity: { type: 'day-ahead', id: `${after.market}:${after.area}:${after.deliveryDay}` },
    before: summary(before),
    after: summary(after),
    reason: `${after.state} version ${after.version} replaces ${before.state} version ${before.version}`,
  };
}

/** ECB rate days as stored series, one per quoted currency per euro (only `quotes`, default USD). */
export function fxRatePoints(days: readonly EcbRateDay[], source: string, quotes: readonly string[] = ['USD']): FxRatePoint[] {
  const out: FxRatePoint[] = [];
  for (const d of days) {
    for (const quote of quotes) {
      const rate = d.perEur[quote];
      if (rate !== undefined) out.push({ date: d.date, base: 'EUR', quote, rate, source });
    }
  }
  return out;
}
