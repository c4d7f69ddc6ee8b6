/** The decision policy's public types: what `decide` takes and what it returns. */

import type { CarbonInput } from '../emissions.ts';
import type { GridEvent, Override } from '../grid.ts';
import type { Site } from '../sites.ts';

export type AllocationAction = 'RUN' | 'CURTAIL' | 'PARTIAL' | 'SERVE';

export interface Allocation {
  loadId: string;
  kind: 'mining' | 'ai';
  action: AllocationAction;
  /** Grid draw of the load in this interval. */
  mw: number;
  /** The power mode, when a mining load runs in a reduced profile. */
  modeId?: string;
  /** Mining loads: the real-time price above which a controller curtails it; null when not price-responsive. */
  curtailAboveUsdPerMwh?: number | null;
  /** AI loads: MW carried by backup generation in this interval. */
  backupGenMw?: number;
  reasons: string[];
}

export interface PriceInput {
  /** The engine's expected real-time price for the interval. */
  expectedUsdPerMwh: number;
  /** How the expectation was formed (e.g. FORECAST, DA, RT_LAST, FIXED). */
  source: string;
  daUsdPerMwh: number | null;
  lastRtUsdPerMwh: number | null;
  lastRtIntervalStartMs: number | null;
  /** Age of the newest known price at decision time, minutes. */
  ageMinutes: number;
  demo: boolean;
  /** Set when the price was published in another currency (Nord Pool EUR) and converted to USD. */
  fx?: FxConversion;
}

/** How a price in another currency became USD: `pricePerMwh` × `usdPerUnit` = the USD price. */
export interface FxConversion {
  currency: string;
  /** The published price, per MWh in `currency`. */
  pricePerMwh: number;
  /** USD per unit of `currency` (ECB: USD per EUR). */
  usdPerUnit: number;
  /** The day the rate was published for (the latest out at decision time). */
  rateDay: string;
  /** `ecb-fx-xml`, `ecb`, `demo`, `fixed`, … */
  rateSource: string;
}

export interface HashpriceInput {
  usdPerPhDay: number;
  day: string;
  /** Days between the hashprice day and the interval's day (1 = the last complete day). */
  ageDays: number;
  source: string;
  demo: boolean;
}

/** Each load's state at the end of the previous interval. */
export interface LoadState {
  mw: number;
  /** When the load last switched between running and curtailed. */
  sinceMs: number;
}
export type PreviousState = Readonly<Record<string, LoadState>>;

export interface DecisionInput {
  site: Site;
  intervalStartMs: number;
  intervalMinutes: number;
  price: PriceInput | null;
  hashprice: HashpriceInput | null;
  /** Probability that this interval sets a coincident peak (0 when not applicable). */
  peakProbability: number;
  /**
   * The site prices coincident peaks in this interval's month but no system load forecast is known:
   * the peak risk is unknown, so the fail-safe decides (flag MISSING_SYSTEM_LOAD) instead of a risk of 0.
   */
  peakRiskUnknown?: boolean;
  /** Grid events that may apply (filtered here by window and site). */
  gridEvents: readonly GridEvent[];
  /** The site's overrides that may apply (filtered here by window). */
  overrides: readonly Override[];
  previous: PreviousState | null;
  /** The day-ahead optimum's MW per mining load for this interval, where the whole day's prices are known (Nord Pool). */
  dayAheadPlan?: Readonly<Record<string, number>>;
  /** The grid's carbon intensity for the interval, where one is stored (emissions; a site's shadow carbon price). */
  carbon?: CarbonInput | null;
}

export interface DecisionEconomics {
  expectedPriceUsdPerMwh: number | null;
  miningRevenueUsd: number;
  energyCostUsd: number;
  miningNetUsd: number;
  runningMw: number;
  curtailedMw: number;
  aiServedMw: number;
  aiRevenueUsd: number;
  gridDrawMw: number;
}

export interface DecisionCore {
  allocations: Allocation[];
  /** Every reason code, site-level and per load, without repeats. */
  reasons: string[];
  /** Conditions that need a human's attention (stale inputs, overridden obligations, shortfalls). */
  flags: string[];
  /** Breakeven (= revenue per MWh) of each mining load at full power; null when hashprice is unknown. */
  breakevens: Record<string, number> | null;
  economics: DecisionEconomics;
  /** Ids of the grid events and overrides that applied. */
  gridEventIds: string[];
  overrideIds: string[];
}
