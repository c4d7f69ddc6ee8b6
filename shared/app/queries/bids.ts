/** Reading the prepared day-ahead bids. */
import type { SiteBids } from '#domain/bids.ts';
import type { Site } from '#domain/sites.ts';
import type { BidRepository } from '#ports/bids.ts';
import { siteOf } from '../sites.ts';

/** The bids of a local operating day (YYYY-MM-DD), of one site or of every site that has them. */
export async function bidsOfDay(
  deps: { sites: readonly Site[]; bids: BidRepository },
  q: { date: string; siteId?: string },
): Promise<SiteBids[]> {
  const sites = q.siteId !== undefined ? [siteOf(deps.sites, q.siteId)] : deps.sites;
  const found = await Promise.all(sites.map((s) => deps.bids.get(s.id, q.date)));
  return found.filter((b) => b !== null);
}
