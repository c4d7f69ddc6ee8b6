/**
 * The values the policy's steps pass along. A step takes plans and returns new ones; it never changes
 * the plans it was given.
 */

import type { CarbonInput } from '../emissions.ts';
import type { Override } from '../grid.ts';
import type { PowerOption } from '../physics.ts';
import type { AiLoad, MiningLoad, Site } from '../sites.ts';
import type { GridSituation, InputsRead, SiteModel } from './situation.ts';
import type { HashpriceInput, PreviousState } from './types.ts';

/**
 * Which rule holds a mining load's level, and so the order in which loads get interconnect capacity:
 * lower first. Physics holds a load that must run or stay off and no later rule moved it within its bounds.
 */
export const Priority = { Physics: 0, Obligation: 1, Override: 2, Economics: 3 } as const;
export type Priority = (typeof Priority)[keyof typeof Priority];

/** A mining load's plan for the interval, as the steps build it. */
export interface MinerPlan {
  readonly load: MiningLoad;
  /** The load's place among the mining loads of the sites file. */
  readonly position: number;
  /** The load's power options, highest MW first. */
  readonly options: readonly PowerOption[];
  readonly priority: Priority;
  /** The level the rules ask for, before physics and the interconnect are enforced. */
  readonly mw: number;
  readonly modeId: string | undefined;
  readonly minMw: number;
  readonly maxMw: number;
  /** The minimum run time holds the load on. */
  readonly minRun: boolean;
  /** The minimum off time holds the load off. */
  readonly minOff: boolean;
  /** The real-time price above which a controller curtails the load; null when not price-responsive. */
  readonly threshold: number | null;
  readonly reasons: readonly string[];
  /** Reason code of the grid obligation that set the level, if one did. */
  readonly obligation: string | null;
  /** A trader override set the level. */
  readonly overridden: boolean;
  /**
   * A site-wide CAP (an override without a load) holds this load: the mining loads under it share its
   * MW, most efficient first, after every other rule has set their levels.
   */
  readonly siteCapMw?: number;
}

/** An AI tenant's plan for the interval, as the steps build it. */
export interface TenantPlan {
  readonly load: AiLoad;
  /** MW to draw from the grid, before the interconnect is enforced. */
  readonly wantMw: number;
  /** MW carried by backup generation. */
  readonly backupMw: number;
  /** A grid emergency reduces this tenant or moves it to backup generation. */
  readonly obligated: boolean;
  readonly reasons: readonly string[];
}

/** What every step may read: the input, prepared once. */
export interface Situation {
  readonly site: Site;
  readonly model: SiteModel;
  readonly t: number;
  readonly intervalMinutes: number;
  readonly hours: number;
  readonly previous: PreviousState | null;
  readonly hashprice: HashpriceInput | null;
  readonly peakProbability: number;
  readonly inputs: InputsRead;
  readonly grid: GridSituation;
  readonly overrides: readonly Override[];
  /** The interval's grid intensity, where one is stored. */
  readonly carbon: CarbonInput | null;
}

/** Plans of one kind after a step, with the site-level flags the step raised. */
export interface Stepped<P> {
  readonly plans: readonly P[];
  readonly flags: readonly string[];
}

/** Plans after an override step, with the ids of the overrides that applied. */
export interface Overridden<P> extends Stepped<P> {
  readonly overrideIds: readonly string[];
}

/** A new list with `item` appended unless already present. */
export function withUnique(list: readonly string[], item: string): readonly string[] {
  return list.includes(item) ? list : [...list, item];
}

/** No flags. Shared, so typed read-only; not frozen, since frozen arrays take V8's slow paths. */
export const NO_FLAGS: readonly string[] = [];
