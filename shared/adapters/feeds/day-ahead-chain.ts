/**
 * The day-ahead feed chain: Nord Pool first, ENTSO-E when Nord Pool fails. "Not published yet" is an
 * answer, not a failure — Nord Pool's 204 before ≈ 13:00 CET means ask again later, and another
 * source would say the same or, worse, something Nord Pool has not confirmed — so it ends the chain.
 * Every result says which source gave it and, after a fallback, why the earlier sources were passed over.
 */

import type { DayAheadDay, DayAheadSource } from './day-ahead.ts';
import { FeedError } from './http.ts';

export interface SourceFailure {
  source: string;
  message: string;
}

export type DayAheadChainResult =
  | { status: 'published'; source: string; day: DayAheadDay; failed: SourceFailure[] }
  | { status: 'not-published'; source: string; area: string; deliveryDay: string; detail: string; failed: SourceFailure[] };

/** Asks `sources` in order; throws a FeedError naming every source's failure when all of them fail. */
export async function fetchDayAhead(sources: readonly DayAheadSource[], deliveryDay: string, area: string): Promise<DayAheadChainResult> {
  const failed: SourceFailure[] = [];
  for (const source of sources) {
    let result: Awaited<ReturnType<DayAheadSource['fetchDay']>>;
    try {
      result = await source.fetchDay(deliveryDay, area);
    } catch (err) {
      failed.push({ source: source.name, message: (err as Error).message });
      continue;
    }
    if (result.status === 'published') return { status: 'published', source: source.name, day: result.day, failed };
    return { status: 'not-published', source: source.name, area, deliveryDay, detail: result.detail, failed };
  }
  const why = failed.map((f) => `${f.source}: ${f.message}`).join('; ');
  throw new FeedError(`day-ahead ${area} ${deliveryDay}: every source failed (${why || 'no sources configured'})`, 'day-ahead');
}
