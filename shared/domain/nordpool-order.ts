/**
 * The day-ahead order of a Nord Pool site: one price-dependent curve per quarter-hour of the delivery
 * day, in the form Nord Pool's order entry takes a curve order — price/volume points in EUR/MWh within
 * the auction's limits (−500 to 4,000), purchase volumes positive, the volume never rising with the price.
 * Nord Pool interpolates linearly between points, so each mining load's step down is two points
 * 0.1 EUR apart: the load buys at and below its breakeven, converted to EUR, and not above it.
 * What is not price-responsive (the base load and the AI tenants) is bought at any price.
 */
import { revenuePerMwh } from './economics.ts';
import type { Site } from './sites.ts';

export const NORDPOOL_MIN_PRICE_EUR = -500;
export const NORDPOOL_MAX_PRICE_EUR = 4000;
/** Nord Pool takes prices with one decimal. */
const TICK = 0.1;

export interface CurvePoint {
  /** EUR/MWh. */
  price: number;
  /** MW bought (positive) in the market time unit. */
  volume: number;
}

export interface PeriodCurve {
  deliveryStart: string;
  deliveryEnd: string;
  curvePoints: CurvePoint[];
}

export interface NordPoolOrder {
  auction: 'DayAhead';
  area: string;
  deliveryDay: string;
  currency: 'EUR';
  siteId: string;
  /** The conversion used: USD per EUR and the rate's day. */
  rate: { usdPerEur: number; day: string; source: string };
  hashpriceUsdPerPhDay: number;
  curves: PeriodCurve[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number) => Math.min(NORDPOOL_MAX_PRICE_EUR, Math.max(NORDPOOL_MIN_PRICE_EUR, x));

/** One quarter-hour's curve: the MW bought at each price, stepping down at each mining load's EUR breakeven. */
export function purchaseCurve(site: Site, hashpriceUsdPerPhDay: number, usdPerEur: number): CurvePoint[] {
  const fixedMw = site.baseLoadMw + site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0);
  const capMw = Math.max(0, site.interconnectMw - fixedMw);
  const steps = site.loads
    .flatMap((l) =>
      l.kind === 'mining'
        ? [{ mw: l.powerMw, eur: clamp(round1(revenuePerMwh(hashpriceUsdPerPhDay, l.efficiencyJPerTh, l.poolFeePct) / usdPerEur)) }]
        : [],
    )
    .sort((a, b) => b.eur - a.eur);
  // Within the interconnect, the most valuable (highest breakeven) MW are the ones that stay.
  let room = capMw;
  const kept = steps.map((s) => {
    const mw = Math.min(s.mw, room);
    room -= mw;
    return { ...s, mw };
  });
  // Loads with the same breakeven step down together.
  const byPrice = new Map<number, number>();
  for (const k of kept) if (k.mw > 0 && k.eur < NORDPOOL_MAX_PRICE_EUR) byPrice.set(k.eur, (byPrice.get(k.eur) ?? 0) + k.mw);
  let volume = round3(fixedMw + kept.reduce((s, k) => s + k.mw, 0));
  const points: CurvePoint[] = [{ price: NORDPOOL_MIN_PRICE_EUR, volume }];
  for (const [eur, mw] of [...byPrice.entries()].sort(([a], [b]) => a - b)) {
    // A step at the floor keeps the floor's point; otherwise the full volume holds up to the breakeven.
    if (eur > points.at(-1)!.price) points.push({ price: eur, volume });
    volume = round3(volume - mw);
    points.push({ price: round1(Math.max(eur, points.at(-1)!.price) + TICK), volume });
  }
  if (points.at(-1)!.price < NORDPOOL_MAX_PRICE_EUR) points.push({ price: NORDPOOL_MAX_PRICE_EUR, volume });
  return points;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** The order for the delivery day's quarter-hours `starts` (UTC ms, ascending). */
export function nordPoolOrder(
  site: Site,
  deliveryDay: string,
  starts: readonly number[],
  intervalMinutes: number,
  hashpriceUsdPerPhDay: number,
  rate: NordPoolOrder['rate'],
): NordPoolOrder {
  const curve = purchaseCurve(site, hashpriceUsdPerPhDay, rate.usdPerEur);
  const z = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  return {
    auction: 'DayAhead',
    area: site.settlementPoint ?? '',
    deliveryDay,
    currency: 'EUR',
    siteId: site.id,
    rate,
    hashpriceUsdPerPhDay,
    curves: starts.map((t) => ({
      deliveryStart: z(t),
      deliveryEnd: z(t + intervalMinutes * 60_000),
      curvePoints: curve.map((p) => ({ ...p })),
    })),
  };
}
