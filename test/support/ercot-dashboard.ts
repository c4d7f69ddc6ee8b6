/**
 * A loopback route speaking ERCOT's fuel-mix dashboard JSON (ERCOT_FUEL_MIX_LIVE_PATH): readings every 5 minutes of
 * the half hour up to `endMs`, each coal 9,000 MW, gas 30,000, wind 11,000 and storage −300 (not generation).
 * With the default factors: (9,000 × 2,200 + 30,000 × 920) / 50,000 = 948 lb/MWh.
 */
import { ERCOT_FUEL_MIX_LIVE_PATH } from '#adapters/feeds/ercot-fuel-mix-live.ts';
import type { Handler } from '../contract/loopback.ts';

const MIN = 60_000;

/** A dashboard stamp: local CDT wall clock with its offset, 10 seconds past the tick. */
export const dashboardStamp = (ms: number) => `${new Date(ms - 5 * 3_600_000 + 10_000).toISOString().slice(0, 19).replace('T', ' ')}-0500`;

const reading = {
  'Coal and Lignite': { gen: 9_000 },
  'Natural Gas': { gen: 30_000 },
  Wind: { gen: 11_000 },
  'Power Storage': { gen: -300 },
};

/** Readings endMs − 30 min .. endMs (on the 5-minute grid): two full quarters before a quarter with one reading when endMs is on one. */
export function dashboardRoutes(endMs: number): Record<string, Handler> {
  const end = Math.floor(endMs / (5 * MIN)) * 5 * MIN;
  const day = new Date(end - 5 * 3_600_000).toISOString().slice(0, 10);
  const readings: Record<string, typeof reading> = {};
  for (let t = end - 30 * MIN; t <= end; t += 5 * MIN) readings[dashboardStamp(t)] = reading;
  return { [ERCOT_FUEL_MIX_LIVE_PATH]: () => ({ body: { lastUpdated: dashboardStamp(end), data: { [day]: readings } } }) };
}
