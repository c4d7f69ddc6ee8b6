/** Stored market data: prices, system load, ancillary-service prices, hashprice, grid events. */
import type { GridEvent } from '#domain/grid.ts';

/**
 * RT: real-time settlement prices (ERCOT 15-minute SPPs, PJM hourly LMPs); DA: day-ahead; RT5: the LMP of each
 * real-time dispatch run (ERCOT SCED, about every 5 minutes; PJM five-minute LMPs), stored at the run's timestamp
 * (a SCED timestamp carries seconds) with `intervalMinutes` 5.
 */
export type PriceKind = 'RT' | 'DA' | 'RT5';
export const PRICE_KINDS = ['RT', 'DA', 'RT5'] as const satisfies readonly PriceKind[];

export interface PricePoint {
  market: string;
  /** Settlement point / pricing node, e.g. HB_HUBAVG. */
  node: string;
  kind: PriceKind;
  intervalStartMs: number;
  intervalMinutes: number;
  /** Per MWh in `currency` (the name predates prices in other currencies: most markets settle in USD). */
  priceUsdPerMwh: number;
  /** ISO 4217 code of the price; absent means USD (every record stored before Nord Pool prices). */
  currency?: string;
}

/** The currency of a price point: records without one are in USD. */
export function priceCurrency(p: Pick<PricePoint, 'currency'>): string {
  return p.currency ?? 'USD';
}

/** A daily reference rate: `rate` units of `quote` per unit of `base` (ECB: USD per EUR). */
export interface FxRatePoint {
  /** The day the rate was published for, YYYY-MM-DD. */
  date: string;
  base: string;
  quote: string;
  rate: number;
  /** e.g. `ecb-fx-xml`, `ecb`, `demo`. */
  source: string;
}

/** Which revision of a day-ahead result is stored for an area and delivery day (see compareRevisions). */
export interface DayAheadRevisionRecord {
  market: string;
  area: string;
  /** The CET/CEST delivery day, YYYY-MM-DD. */
  deliveryDay: string;
  version: number;
  /** `Preliminary` or `Final`. */
  state: string;
  /** Where it came from: `nordpool`, `entsoe`, `nordpool-json`, … */
  source: string;
  currency: string;
  intervalMinutes: number;
  updatedAtMs?: number | undefined;
  storedAtMs: number;
}

export type SystemLoadKind = 'ACTUAL' | 'FORECAST';

export interface SystemLoadPoint {
  market: string;
  kind: SystemLoadKind;
  intervalStartMs: number;
  intervalMinutes: number;
  mw: number;
}

export const AS_PRICE_PRODUCTS = ['REGUP', 'REGDN', 'RRS', 'NSPIN', 'ECRS'] as const;
export type AsPriceProduct = (typeof AS_PRICE_PRODUCTS)[number];

export interface AsPricePoint {
  market: string;
  node: string;
  product: AsPriceProduct;
  intervalStartMs: number;
  intervalMinutes: number;
  priceUsdPerMwh: number;
}

export interface HashpricePoint {
  /** UTC day, YYYY-MM-DD. */
  date: string;
  usdPerPhDay: number;
  /** Where the value came from: btc-network-csv, mempool, hashrateindex, demo, … */
  source: string;
}

export interface MarketDataRepository extends IntensityRepository {
  /**
   * A view for one decision's reads that may answer a read from memory when nothing was written
   * since the same read was made (stores that can tell; the others have none).
   */
  view?(): MarketDataRepository;
  /** Upserts by (market, node, kind, interval start): re-writing the same point is a no-op. */
  putPrices(points: readonly PricePoint[]): Promise<void>;
  /** Points with interval start in [fromMs, toMs), ascending. */
  getPrices(market: string, node: string, kind: PriceKind, fromMs: number, toMs: number): Promise<PricePoint[]>;
  /** The newest point whose interval starts before `beforeMs`, or null. */
  latestPrice(market: string, node: string, kind: PriceKind, beforeMs: number): Promise<PricePoint | null>;

  putSystemLoad(points: readonly SystemLoadPoint[]): Promise<void>;
  getSystemLoad(market: string, kind: SystemLoadKind, fromMs: number, toMs: number): Promise<SystemLoadPoint[]>;

  putAsPrices(points: readonly AsPricePoint[]): Promise<void>;
  getAsPrices(market: string, node: string, product: AsPriceProduct, fromMs: number, toMs: number): Promise<AsPricePoint[]>;

  putHashprices(points: readonly HashpricePoint[]): Promise<void>;
  /** Days in [fromDay, toDay] inclusive, ascending. */
  getHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]>;
  /** The newest day on or before `day`, or null. */
  latestHashprice(onOrBeforeDay: string): Promise<HashpricePoint | null>;

  /** Upserts by (base, quote, date). */
  putFxRates(points: readonly FxRatePoint[]): Promise<void>;
  /** Days in [fromDay, toDay] inclusive, ascending. */
  getFxRates(base: string, quote: string, fromDay: string, toDay: string): Promise<FxRatePoint[]>;
  /** The newest day on or before `day`, or null. */
  latestFxRate(base: string, quote: string, onOrBeforeDay: string): Promise<FxRatePoint | null>;

  /** The revision of an area's delivery day stored with its prices, or null. */
  getDayAheadRevision(market: string, area: string, deliveryDay: string): Promise<DayAheadRevisionRecord | null>;
  putDayAheadRevision(record: DayAheadRevisionRecord): Promise<void>;

  putGridEvent(event: GridEvent): Promise<void>;
  /** Events of a market whose window overlaps [fromMs, toMs). */
  getGridEvents(market: string, fromMs: number, toMs: number): Promise<GridEvent[]>;
}

/**
 * Grid carbon intensity of a market per interval. AVERAGE: Σ generation × factor / Σ generation from the fuel mix
 * (location-based); MARGINAL: what one more MWh emits (WattTime's MOER), where a provider is configured.
 */
export type IntensityKind = 'AVERAGE' | 'MARGINAL';
export const INTENSITY_KINDS = ['AVERAGE', 'MARGINAL'] as const satisfies readonly IntensityKind[];

export interface IntensityPoint {
  market: string;
  kind: IntensityKind;
  intervalStartMs: number;
  intervalMinutes: number;
  lbCo2PerMwh: number;
  /** MWh generated that the average counts; null for a marginal signal. */
  generationMwh: number | null;
  /** ERCOT's settlement run of the fuel mix (INITIAL, FINAL, TRUEUP), or a provider's FORECAST / HISTORICAL. */
  settlementType: string;
  /** Where the value came from: ercot-fuel-mix-xlsx, ercot-fuel-mix-live, watttime, … */
  source: string;
}

/**
 * How settled an intensity is: a point replaces a stored one of the same interval only when it is at least as settled
 * (FINAL replaces INITIAL; an INITIAL re-ingested later does not undo a FINAL).
 */
export function settlementRank(type: string): number {
  return ({ FORECAST: 0, INITIAL: 1, HISTORICAL: 2, FINAL: 2, TRUEUP: 3 } as Record<string, number>)[type] ?? 0;
}

export interface IntensityRepository {
  /** Upserts by (market, kind, interval start), keeping the more settled point; returns how many were written. */
  putIntensity(points: readonly IntensityPoint[]): Promise<number>;
  /** Points with interval start in [fromMs, toMs), ascending. */
  getIntensity(market: string, kind: IntensityKind, fromMs: number, toMs: number): Promise<IntensityPoint[]>;
}
