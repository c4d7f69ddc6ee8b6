/**
 * ERCOT's live fuel-mix dashboard (`/api/1/services/read/dashboards/fuel-mix.json`, no key; today
 * and yesterday, refreshed about every 5 minutes). Its wire format:
 *
 *     { "lastUpdated": "2024-07-01 09:31:00-0500",
 *       "monthlyCapacity": { "Natural Gas": 68441, … },
 *       "data": { "2024-07-01": { "2024-07-01 09:30:12-0500": { "Wind": { "gen": 5950.07, … }, … }, … }, … } }
 *
 * Timestamps are local with their UTC offset (so the repeated fall-back hour is unambiguous) and a
 * few seconds off the 5-minute ticks; `gen` is MW. The fuels are the dashboard's own, coarser than
 * the workbook's (gas is not split into combined cycle and the rest; storage is net output, signed).
 * A reading becomes one point per fuel at its instant rounded to the minute, in UTC.
 */
import * as z from 'zod';
import { ValidationError } from '#domain/errors.ts';
import { MINUTE_MS } from '#domain/time.ts';
import { cptDay, cptOffsetMs } from './cpt.ts';
import { ERCOT } from './ercot-rows.ts';
import { FeedError, type HttpOptions, requestJson } from './http.ts';

export const ERCOT_DASHBOARD_BASE_URL = 'https://www.ercot.com';
export const ERCOT_FUEL_MIX_LIVE_PATH = '/api/1/services/read/dashboards/fuel-mix.json';

/** The dashboard's fuels, as it spells them. */
export const ERCOT_LIVE_FUELS = ['Coal and Lignite', 'Hydro', 'Nuclear', 'Power Storage', 'Solar', 'Wind', 'Natural Gas', 'Other'] as const;

const FEED = 'ERCOT fuel-mix dashboard';

const FuelReading = z.object({ gen: z.number().finite() }).passthrough();
export const ErcotFuelMixLiveResponse = z.object({
  lastUpdated: z.string(),
  monthlyCapacity: z.record(z.string(), z.number()).optional(),
  data: z.record(z.string(), z.record(z.string(), z.record(z.string(), FuelReading))),
});
export type ErcotFuelMixLiveResponse = z.infer<typeof ErcotFuelMixLiveResponse>;

export interface LiveFuelPoint {
  market: string;
  /** The dashboard's fuel name, e.g. `Natural Gas`. */
  fuel: string;
  /** The reading's instant, rounded to the minute (UTC epoch ms). */
  atMs: number;
  mw: number;
}

export interface LiveFuelMix {
  /** When ERCOT last refreshed the dashboard (UTC epoch ms). */
  lastUpdatedMs: number;
  /** Ascending by instant, then by fuel in dashboard order. */
  points: LiveFuelPoint[];
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:([+-])(\d{2}):?(\d{2}))?$/;

/**
 * `2024-07-01 09:30:12-0500` → UTC ms. Without an offset the wall clock is read as Central time;
 * the repeated fall-back hour is then ambiguous and refused, and a time the spring skips does not exist.
 */
export function parseDashboardTime(text: string): number | string {
  const m = STAMP.exec(text);
  if (!m) return `expected "YYYY-MM-DD HH:MM:SS-0600", got "${text}"`;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (!cptDay(y, mo, d) || h > 23 || mi > 59 || s > 59) return `"${text}" is not a valid time`;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (m[7]) {
    const offset = (Number(m[8]) * 60 + Number(m[9])) * MINUTE_MS;
    return m[7] === '-' ? wall + offset : wall - offset;
  }
  const candidates = [5, 6].map((hours) => wall + hours * 3_600_000).filter((utc) => utc - cptOffsetMs(utc) === wall);
  if (candidates.length === 0) return `"${text}" does not exist in Central time (the spring-forward gap)`;
  if (candidates.length > 1) return `"${text}" falls in the repeated fall-back hour; it needs its UTC offset`;
  return candidates[0]!;
}

/** Turns a dashboard body into points; a bad timestamp is a ValidationError naming its path. */
export function parseErcotFuelMixLive(body: unknown): LiveFuelMix {
  const parsed = ErcotFuelMixLiveResponse.safeParse(body);
  if (!parsed.success) {
    throw new ValidationError(
      FEED,
      parsed.error.issues.slice(0, 5).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  const { lastUpdated, data } = parsed.data;
  const lastUpdatedMs = parseDashboardTime(lastUpdated);
  if (typeof lastUpdatedMs === 'string') throw new ValidationError(FEED, [{ path: 'lastUpdated', message: lastUpdatedMs }]);

  const order = new Map<string, number>(ERCOT_LIVE_FUELS.map((f, i) => [f, i]));
  const byKey = new Map<string, LiveFuelPoint>();
  for (const [day, readings] of Object.entries(data)) {
    for (const [stamp, fuels] of Object.entries(readings)) {
      const at = parseDashboardTime(stamp);
      if (typeof at === 'string') throw new ValidationError(FEED, [{ path: `data.${day}.${stamp}`, message: at }]);
      const atMs = Math.round(at / MINUTE_MS) * MINUTE_MS;
      for (const [fuel, reading] of Object.entries(fuels)) {
        // Yesterday's last reading can reappear under today: one point per fuel and minute, the later wins.
        byKey.set(`${fuel}@${atMs}`, { market: ERCOT, fuel, atMs, mw: reading.gen });
      }
    }
  }
  const rank = (f: string) => order.get(f) ?? ERCOT_LIVE_FUELS.length;
  const points = [...byKey.values()].sort((a, b) => a.atMs - b.atMs || rank(a.fuel) - rank(b.fuel) || a.fuel.localeCompare(b.fuel));
  return { lastUpdatedMs, points };
}

/** Means of the 5-minute readings per quarter hour, as MWh (mean MW × ¼ h): the workbook's unit. */
export function liveQuarterHours(
  points: readonly LiveFuelPoint[],
): { fuel: string; intervalStartMs: number; mwh: number; readings: number }[] {
  const QUARTER = 15 * MINUTE_MS;
  const acc = new Map<string, { fuel: string; intervalStartMs: number; sum: number; n: number }>();
  for (const p of points) {
    const intervalStartMs = Math.floor(p.atMs / QUARTER) * QUARTER;
    const key = `${p.fuel}@${intervalStartMs}`;
    const a = acc.get(key) ?? { fuel: p.fuel, intervalStartMs, sum: 0, n: 0 };
    a.sum += p.mw;
    a.n++;
    acc.set(key, a);
  }
  return [...acc.values()]
    .sort((a, b) => a.intervalStartMs - b.intervalStartMs || a.fuel.localeCompare(b.fuel))
    .map((a) => ({ fuel: a.fuel, intervalStartMs: a.intervalStartMs, mwh: a.sum / a.n / 4, readings: a.n }));
}

export interface ErcotFuelMixLiveConfig {
  baseUrl?: string;
  http?: HttpOptions;
}

/** Pulls the dashboard; a body that is not the dashboard's format is a FeedError naming the field. */
export class ErcotFuelMixLiveFeed {
  readonly name = 'ercot-fuel-mix-live';
  private readonly url: URL;

  constructor(private readonly config: ErcotFuelMixLiveConfig = {}) {
    this.url = new URL(ERCOT_FUEL_MIX_LIVE_PATH, config.baseUrl ?? ERCOT_DASHBOARD_BASE_URL);
  }

  async fetch(): Promise<LiveFuelMix> {
    const body = await requestJson({ feed: FEED, url: this.url, schema: ErcotFuelMixLiveResponse }, this.config.http);
    try {
      return parseErcotFuelMixLive(body);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const issues = err.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw new FeedError(`${FEED} GET ${this.url.origin}${this.url.pathname}: ${issues}`, FEED);
    }
  }
}
