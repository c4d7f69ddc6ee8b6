/** Stored day-ahead bids (DESIGN §2 "Bids"): one record per site and local operating day. */
import type { SiteBids } from '#domain/bids.ts';

export interface BidRepository {
  /**
   * Stores a site's bids for an operating day. Preparing the same day again replaces them (the
   * newest preparation is what the scheduling entity submits); `preparedAt` tells them apart.
   */
  put(bids: SiteBids): Promise<void>;
  /** One site's bids for a local operating day (YYYY-MM-DD), or null. */
  get(siteId: string, operatingDay: string): Promise<SiteBids | null>;
}
