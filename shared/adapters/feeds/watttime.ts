/**
 * WattTime API v3 (`https://api.watttime.org`): marginal operating emission rates (`co2_moer`, what
 * one more MWh emits), an optional source beside the average intensity from the fuel mix.
 *
 * - `GET /login` with HTTP Basic → `{ "token": "<JWT>" }`, valid 30 minutes (100 logins / 5 min);
 *   every other call sends `Authorization: Bearer <token>`. A 401 means the token expired: log in
 *   again once and repeat the call.
 * - `GET /v3/signal-index?region=&signal_type=co2_moer` → the current value as a 0–100 percentile of
 *   the next day's forecast (`units: "percentile"`).
 * - `GET /v3/forecast?region=&signal_type=&horizon_hours=` (0–72) → the latest forecast.
 * - `GET /v3/historical?region=&start=&end=&signal_type=` → past values; `start` and `end` are both
 *   inclusive, and one request spans at most 32 days, so longer windows are asked for in 30-day
 *   chunks (as WattTime's own client does).
 *
 * Every data response is `{ "data": [{ "point_time", "value" }], "meta": { region, signal_type, units,
 * data_point_period_seconds, model: { date }, generated_at, warnings, … } }`, point times in UTC.
 */
import * as z from 'zod';
import { iso, MINUTE_MS } from '#domain/time.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import { FeedError, type HttpOptions, requestJson } from './http.ts';

export const WATTTIME_BASE_URL = 'https://api.watttime.org';
export type WattTimeSignal = 'co2_moer' | 'co2_aoer' | 'health_damage';

const FEED = 'WattTime';
/** Tokens last 30 minutes; renew a little early so a call never carries one about to lapse. */
const TOKEN_LIFETIME_MS = 29 * MINUTE_MS;
/** WattTime refuses windows over 32 days. */
const HISTORICAL_CHUNK_MS = 30 * 24 * 60 * MINUTE_MS;

const LoginResponse = z.object({ token: z.string().min(1) });
const Point = z.object({ point_time: z.string().datetime({ offset: true }), value: z.number().finite() });
const Meta = z
  .object({
    region: z.string(),
    signal_type: z.string(),
    units: z.string(),
    data_point_period_seconds: z.number().int().positive().optional(),
    generated_at: z.string().datetime({ offset: true }).optional(),
    model: z.object({ date: z.string() }).passthrough().optional(),
    warnings: z.array(z.object({ type: z.string(), message: z.string() }).passthrough()).optional(),
  })
  .passthrough();
export const WattTimeDataResponse = z.object({ data: z.array(Point), meta: Meta });
type DataResponse = z.infer<typeof WattTimeDataResponse>;

export interface WattTimePoint {
  /** The interval start, UTC epoch ms. */
  pointTimeMs: number;
  value: number;
}

export interface WattTimeSeries {
  region: string;
  signalType: string;
  /** `lbs_co2_per_mwh` for co2_moer/co2_aoer data; `percentile` for the signal index. */
  units: string;
  /** Usually 300 (5-minute points). */
  periodSeconds: number | null;
  /** When WattTime made the forecast (forecast only). */
  generatedAtMs: number | null;
  modelDate: string | null;
  warnings: string[];
  /** Ascending by point time, one per point time. */
  points: WattTimePoint[];
}

export interface WattTimeCredentials {
  username: string;
  password: string;
}

export interface WattTimeConfig {
  baseUrl?: string;
  http?: HttpOptions;
  clock?: Clock;
}

function toSeries(body: DataResponse): WattTimeSeries {
  const m = body.meta;
  return {
    region: m.region,
    signalType: m.signal_type,
    units: m.units,
    periodSeconds: m.data_point_period_seconds ?? null,
    generatedAtMs: m.generated_at ? Date.parse(m.generated_at) : null,
    modelDate: m.model?.date ?? null,
    warnings: (m.warnings ?? []).map((w) => `${w.type}: ${w.message}`),
    points: body.data.map((p) => ({ pointTimeMs: Date.parse(p.point_time), value: p.value })).sort((a, b) => a.pointTimeMs - b.pointTimeMs),
  };
}

/** A WattTime v3 client; credentials are used only for `/login` and never appear in errors. */
export class WattTimeClient {
  private readonly base: string;
  private readonly clock: Clock;
  private token: { value: string; expiresMs: number } | null = null;

  constructor(
    private readonly credentials: WattTimeCredentials,
    private readonly config: WattTimeConfig = {},
  ) {
    this.base = config.baseUrl ?? WATTTIME_BASE_URL;
    this.clock = config.clock ?? systemClock;
  }

  /** The current index (0–100 percentile) for a region. */
  async signalIndex(region: string, signalType: WattTimeSignal = 'co2_moer'): Promise<WattTimeSeries> {
    return toSeries(await this.get('/v3/signal-index', { region, signal_type: signalType }));
  }

  /** The latest forecast, `horizonHours` ahead (0 gives the nowcast only; 72 at most). */
  async forecast(region: string, opts: { signalType?: WattTimeSignal; horizonHours?: number } = {}): Promise<WattTimeSeries> {
    const horizon = opts.horizonHours ?? 24;
    if (!Number.isInteger(horizon) || horizon < 0 || horizon > 72) throw new RangeError(`horizonHours must be 0..72, got ${horizon}`);
    return toSeries(await this.get('/v3/forecast', { region, signal_type: opts.signalType ?? 'co2_moer', horizon_hours: String(horizon) }));
  }

  /**
   * Past values with point times in [fromMs, toMs), fetched in 30-day chunks. WattTime's `end` is
   * inclusive, so each chunk asks up to one period short of the next chunk's start.
   */
  async historical(region: string, fromMs: number, toMs: number, signalType: WattTimeSignal = 'co2_moer'): Promise<WattTimeSeries> {
    if (!(toMs > fromMs)) throw new RangeError(`the window is empty: ${iso(fromMs)} .. ${iso(toMs)}`);
    let merged: WattTimeSeries | null = null;
    const byTime = new Map<number, number>();
    for (let start = fromMs; start < toMs; start += HISTORICAL_CHUNK_MS) {
      const end = Math.min(toMs, start + HISTORICAL_CHUNK_MS) - 1_000;
      const body = await this.get('/v3/historical', { region, signal_type: signalType, start: iso(start), end: iso(end) });
      const part = toSeries(body);
      if (merged && part.modelDate !== merged.modelDate) {
        throw new FeedError(`${FEED} /v3/historical: the window spans two models (${merged.modelDate} and ${part.modelDate})`, FEED);
      }
      merged ??= part;
      if (merged !== part) merged.warnings.push(...part.warnings);
      for (const p of part.points) if (p.pointTimeMs >= fromMs && p.pointTimeMs < toMs) byTime.set(p.pointTimeMs, p.value);
    }
    const points = [...byTime].map(([pointTimeMs, value]) => ({ pointTimeMs, value })).sort((a, b) => a.pointTimeMs - b.pointTimeMs);
    return { ...merged!, points };
  }

  private async login(): Promise<string> {
    const basic = Buffer.from(`${this.credentials.username}:${this.credentials.password}`).toString('base64');
    const body = await requestJson(
      { feed: FEED, url: new URL('/login', this.base), headers: { authorization: `Basic ${basic}` }, schema: LoginResponse },
      this.config.http,
    );
    this.token = { value: body.token, expiresMs: this.clock.nowMs() + TOKEN_LIFETIME_MS };
    return body.token;
  }

  private async bearer(): Promise<string> {
    return this.token && this.token.expiresMs > this.clock.nowMs() ? this.token.value : this.login();
  }

  private async get(path: string, query: Record<string, string>): Promise<DataResponse> {
    const url = new URL(path, this.base);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const call = async (token: string) =>
      requestJson({ feed: FEED, url, headers: { authorization: `Bearer ${token}` }, schema: WattTimeDataResponse }, this.config.http);
    try {
      return await call(await this.bearer());
    } catch (err) {
      if (!(err instanceof FeedError) || err.status !== 401) throw err;
      this.token = null;
      return call(await this.login());
    }
  }
}
