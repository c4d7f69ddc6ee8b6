/**
 * Market-data feeds: what a parser or an API pull hands to the ingest use case.
 * Added for the feeds issue; nothing here changes the MarketDataRepository port.
 */
import type { GridEvent } from '#domain/grid.ts';
import type { AsPricePoint, FxRatePoint, HashpricePoint, PricePoint, SystemLoadPoint } from './market-data.ts';

/** A whole day-ahead delivery day of one area with its revision (the shape of adapters/feeds/day-ahead.ts DayAheadDay). */
export interface DayAheadDayBatch {
  area: string;
  deliveryDay: string;
  currency: string;
  intervalMinutes: 15 | 60;
  revision: { version: number; state: string; updatedAtMs?: number | undefined };
  prices: { area: string; intervalStartMs: number; intervalMinutes: 15 | 60; price: number; currency: string }[];
}

/** A row that was not accepted, with the 1-based line (or API row) number and the field at fault. */
export interface FeedReject {
  line: number;
  field?: string | undefined;
  message: string;
}

/** Missing intervals of one series between the first and last expected interval. */
export interface FeedGap {
  /** The series, e.g. `ERCOT HB_HUBAVG RT` or `ERCOT ACTUAL`. */
  series: string;
  /** Start of the first missing interval. */
  fromMs: number;
  /** End of the last missing interval (the start of the next present one, or the expected end). */
  toMs: number;
  missingIntervals: number;
}

export interface FeedParseResult<T> {
  points: T[];
  /** Rows skipped because they were invalid (only with `skipBadRows`; otherwise the parse throws). */
  rejects: FeedReject[];
  gaps: FeedGap[];
  /** Data rows read (header and blank lines excluded). */
  rows: number;
  /** Rows that repeated an earlier row's key with the same value: dropped, the data is unchanged. */
  duplicates: number;
}

/** Options every file parser accepts. */
export interface FeedParseOptions {
  /** Report invalid rows in `rejects` instead of throwing on the first one. */
  skipBadRows?: boolean;
}

/** A pull of prices from a provider API for a window of UTC time. */
export interface PriceFeed {
  readonly name: string;
  fetchPrices(request: { fromMs: number; toMs: number; nodes: readonly string[] }): Promise<FeedParseResult<PricePoint>>;
}

/** A provider of daily hashprice values (days are UTC `YYYY-MM-DD`, inclusive). */
export interface HashpriceSource {
  /** Stored with every value it provides, e.g. `mempool`, `hashrateindex`, `btc-network-csv`. */
  readonly name: string;
  fetchHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]>;
}

/** Everything one file or API pull yields, ready for the ingest use case. */
export interface FeedBatch {
  /** The feed it came from, e.g. `ercot-rtm-csv`. */
  source: string;
  prices?: PricePoint[];
  systemLoad?: SystemLoadPoint[];
  asPrices?: AsPricePoint[];
  hashprices?: HashpricePoint[];
  gridEvents?: GridEvent[];
  /** Day-ahead delivery days, stored with their revision (a later revision replaces an earlier one). */
  dayAhead?: DayAheadDayBatch[];
  fxRates?: FxRatePoint[];
  rows: number;
  rejects: FeedReject[];
  gaps: FeedGap[];
  duplicates: number;
}
