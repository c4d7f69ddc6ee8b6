/**
 * What the policy knows before any rule applies: the site's loads in the orders the rules need, which inputs
 * are usable, which grid events and overrides are in force. Read once per decision; the steps never change it.
 */
import { revenuePerMwh } from '../economics.ts';
import type { GridEvent, Override } from '../grid.ts';
import { overlaps } from '../grid.ts';
import { compareEfficiency, interconnectHeadroomMw, type PowerOption, powerOptions } from '../physics.ts';
import type { AiLoad, MiningLoad, Site } from '../sites.ts';
import { localParts, MINUTE_MS } from '../time.ts';
import type { Situation } from './plans.ts';
import type { DecisionInput, HashpriceInput, PriceInput } from './types.ts';

/** A site's loads prepared for the rules; computed once per site object. */
export interface SiteModel {
  /** Mining loads in the order of the sites file. */
  mining: MiningLoad[];
  /** Mining loads, most efficient first. */
  byEfficiency: MiningLoad[];
  /** The place in `mining` of each load of `byEfficiency`. */
  positions: number[];
  /** Each mining load's power options, highest MW first. */
  options: Map<string, PowerOption[]>;
  ai: AiLoad[];
  /** MW the loads may draw: the interconnect less the base load. */
  capacityMw: number;
  peakHours: Set<number>;
  fourCpMonths: Set<number>;
}

const models = new WeakMap<Site, SiteModel>();

export function siteModel(site: Site): SiteModel {
  let m = models.get(site);
  if (m) return m;
  const mining = site.loads.filter((l): l is MiningLoad => l.kind === 'mining');
  const options = new Map<string, PowerOption[]>();
  for (const l of mining) options.set(l.id, powerOptions(l));
  const byEfficiency = [...mining].sort(compareEfficiency);
  m = {
    mining,
    byEfficiency,
    positions: byEfficiency.map((l) => mining.indexOf(l)),
    options,
    ai: site.loads.filter((l): l is AiLoad => l.kind === 'ai'),
    capacityMw: interconnectHeadroomMw(site),
    peakHours: new Set(site.policy.failSafe.peakHoursLocal),
    fourCpMonths: new Set(site.fourCp.months),
  };
  models.set(site, m);
  return m;
}

/** Which of the price and hashprice are usable, and what follows from them. */
export interface InputsRead {
  /** Both inputs are present, fresh and finite: the economics decide; otherwise the fail-safe does. */
  usable: boolean;
  /** The expected price, when it is usable. */
  expectedUsdPerMwh: number | null;
  /** Breakeven of each mining load at full power, whenever a finite hashprice is known (even a stale one). */
  breakevens: Record<string, number> | null;
  /** MISSING_/STALE_ flags for each input, and DEMO_INPUTS. */
  flags: string[];
}

export function readInputs(
  site: Site,
  model: SiteModel,
  price: PriceInput | null,
  hashprice: HashpriceInput | null,
  peakRiskUnknown = false,
): InputsRead {
  const policy = site.policy;
  const priceOk = price !== null && Number.isFinite(price.expectedUsdPerMwh) && price.ageMinutes <= policy.maxPriceAgeMinutes;
  const hashOk = hashprice !== null && Number.isFinite(hashprice.usdPerPhDay) && hashprice.ageDays <= policy.maxHashpriceAgeDays;
  const flags: string[] = [];
  if (price === null) flags.push('MISSING_PRICE');
  else if (!priceOk) flags.push('STALE_PRICE');
  if (hashprice === null) flags.push('MISSING_HASHPRICE');
  else if (!hashOk) flags.push('STALE_HASHPRICE');
  if (peakRiskUnknown) flags.push('MISSING_SYSTEM_LOAD');
  if (price?.demo || hashprice?.demo) flags.push('DEMO_INPUTS');
  let breakevens: Record<string, number> | null = null;
  if (hashprice !== null && Number.isFinite(hashprice.usdPerPhDay)) {
    breakevens = {};
    for (const l of model.mining) breakevens[l.id] = revenuePerMwh(hashprice.usdPerPhDay, l.efficiencyJPerTh, l.poolFeePct);
  }
  return {
    usable: priceOk && hashOk && !peakRiskUnknown && breakevens !== null,
    expectedUsdPerMwh: priceOk ? price.expectedUsdPerMwh : null,
    breakevens,
    flags,
  };
}

/** The grid events in force for the site during the interval, reduced to what the rules act on. */
export interface GridSituation {
  eventIds: string[];
  /** The reason code that curtails all mining (SB 6, an EEA at the site's level, an appeal it heeds), if any. */
  miningEmergency: string | null;
  /** Interruptible tenants are reduced and backup generation started. */
  aiEmergency: boolean;
  /** MW that deployments (demand response, ancillary services) require curtailed. */
  curtailMw: number;
  /** The deployment types, joined with "+", in the order first seen. */
  curtailCode: string;
  /** MW of awards not deployed, which curtailable load must be kept running for. */
  reserveMw: number;
}

export function readGrid(site: Site, events: readonly GridEvent[], t: number, lenMs: number): GridSituation {
  if (events.length === 0) return { eventIds: [], miningEmergency: null, aiEmergency: false, curtailMw: 0, curtailCode: '', reserveMw: 0 };
  const eventIds: string[] = [];
  let eeaLevel = 0;
  let appeal = false;
  let sb6 = false;
  let curtailMw = 0;
  const curtailCodes: string[] = [];
  const deployedProducts = new Set<string>();
  const awards: GridEvent[] = [];
  for (const e of events) {
    if (!overlaps(e.startMs, e.endMs, t, lenMs)) continue;
    if (e.siteId !== undefined && e.siteId !== site.id) continue;
    if (e.siteId === undefined && e.market !== site.market) continue;
    eventIds.push(e.id);
    switch (e.type) {
      case 'EEA':
        eeaLevel = Math.max(eeaLevel, e.level ?? 1);
        break;
      case 'CONSERVATION_APPEAL':
        appeal = true;
        break;
      case 'SB6_DIRECTIVE':
        sb6 = true;
        break;
      case 'DR_DEPLOYMENT':
      case 'AS_DEPLOYMENT':
        curtailMw += e.mw ?? 0;
        if (!curtailCodes.includes(e.type)) curtailCodes.push(e.type);
        if (e.product) deployedProducts.add(e.product);
        break;
      case 'AS_AWARD':
        awards.push(e);
        break;
    }
  }
  let reserveMw = 0;
  // An award whose product is being deployed is curtailing already, not held in reserve.
  for (const a of awards) if (!(a.product && deployedProducts.has(a.product))) reserveMw += a.mw ?? 0;
  const emergency = site.policy.emergency;
  const miningEmergency = sb6
    ? 'SB6_DIRECTIVE'
    : eeaLevel >= emergency.curtailMiningAtEeaLevel
      ? `GRID_EMERGENCY_EEA${eeaLevel}`
      : appeal && emergency.curtailOnConservationAppeal
        ? 'CONSERVATION_APPEAL'
        : null;
  const aiEmergency = sb6 || eeaLevel >= emergency.interruptAiAtEeaLevel;
  return { eventIds, miningEmergency, aiEmergency, curtailMw, curtailCode: curtailCodes.join('+'), reserveMw };
}

/** The site's overrides whose window overlaps the interval. */
export function activeOverrides(site: Site, overrides: readonly Override[], t: number, lenMs: number): readonly Override[] {
  if (overrides.length === 0) return overrides;
  return overrides.filter((o) => o.siteId === site.id && overlaps(o.fromMs, o.toMs, t, lenMs));
}

/** The override that applies to a load: one naming it beats a site-wide one (mining loads only); the newest wins. */
export function overrideFor(loadId: string, isMining: boolean, active: readonly Override[]): Override | undefined {
  let specific: Override | undefined;
  let general: Override | undefined;
  for (const o of active) {
    if (o.loadId === loadId) {
      if (!specific || newer(o, specific)) specific = o;
    } else if (o.loadId === undefined && isMining) {
      if (!general || newer(o, general)) general = o;
    }
  }
  return specific ?? general;
}

function newer(a: Override, b: Override): boolean {
  return a.createdAtMs > b.createdAtMs || (a.createdAtMs === b.createdAtMs && a.id > b.id);
}

/** The 4CP premium in $/MWh for the interval: the transmission charge the interval risks, spread over its MWh. */
export function fourCpPremium(site: Site, model: SiteModel, peakProbability: number, t: number, intervalMinutes: number): number {
  if (!site.fourCp.enabled || peakProbability < site.fourCp.minProbability) return 0;
  if (!model.fourCpMonths.has(localParts(t, site.timezone).month)) return 0;
  return (peakProbability * 1000 * site.fourCp.rateUsdPerKwYear) / (site.fourCp.peaksPerYear * (intervalMinutes / 60));
}

/** The input prepared once for every step: the site's model, usable inputs, grid events and overrides in force. */
export function readSituation(input: DecisionInput): Situation {
  const { site, intervalStartMs: t, intervalMinutes } = input;
  const model = siteModel(site);
  const lenMs = intervalMinutes * MINUTE_MS;
  return {
    site,
    model,
    t,
    intervalMinutes,
    hours: intervalMinutes / 60,
    previous: input.previous,
    hashprice: input.hashprice,
    peakProbability: input.peakProbability,
    inputs: readInputs(site, model, input.price, input.hashprice, input.peakRiskUnknown === true),
    grid: readGrid(site, input.gridEvents, t, lenMs),
    overrides: activeOverrides(site, input.overrides, t, lenMs),
    carbon: input.carbon ?? null,
  };
}
