/** An in-memory BidRepository, for unit tests. */
import type { SiteBids } from '#domain/bids.ts';
import type { BidRepository } from '#ports/bids.ts';

export class MemoryBidRepository implements BidRepository {
  private readonly items = new Map<string, SiteBids>();

  async put(bids: SiteBids): Promise<void> {
    this.items.set(`${bids.operatingDay}|${bids.siteId}`, structuredClone(bids));
  }

  async get(siteId: string, operatingDay: string): Promise<SiteBids | null> {
    const hit = this.items.get(`${operatingDay}|${siteId}`);
    return hit ? structuredClone(hit) : null;
  }
}
