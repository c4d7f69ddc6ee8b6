/**
 * ERCOT public API client (https://api.ercot.com/api/public-reports): real-time 15-minute SPPs
 * (`np6-905-cd/spp_node_zone_hub`) and day-ahead hourly SPPs (`np4-190-cd/dam_stlmnt_pnt_prices`).
 *
 * Every request carries `Ocp-Apim-Subscription-Key` and `Authorization: Bearer <id_token>`; the
 * token comes from ERCOT's Azure B2C tenant by the ROPC password grant, is reused until shortly
 * before it expires, and is fetched anew once when the API answers 401. Responses are
 * `{ _meta: { totalPages, currentPage, … }, fields: [{ name, … }], data: [[…], …] }`, read page by
 * page; rows go through the same DST-aware conversion as the MIS files.
 */
import * as z from 'zod';
import { MINUTE_MS } from '#domain/time.ts';
import type { Clock } from '#ports/clock.ts';
import { systemClock } from '#ports/clock.ts';
import type { FeedParseResult, PriceFeed } from '#ports/feeds.ts';
import type { PriceKind, PricePoint } from '#ports/market-data.ts';
import { cptDateOf } from './cpt.ts';
import { findGaps } from './csv.ts';
import { ERCOT, HourEndingBuilder } from './ercot-mis.ts';
import { FeedError, requestJson, type HttpOptions } from './http.ts';

export const ERCOT_API_BASE_URL = 'https://api.ercot.com/api/public-reports';
export const ERCOT_TOKEN_URL =
  'https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token';
/** The public client id ERCOT documents for its API (a setting; not a secret). */
export const ERCOT_CLIENT_ID = 'fec253ea-0d06-4272-a5e6-b478baeecd70';

export interface ErcotApiCredentials {
  username: string;
  password: string;
  subscriptionKey: string;
}

export interface ErcotApiConfig extends ErcotApiCredentials {
  baseUrl?: string;
  tokenUrl?: string;
  clientId?: string;
  /** Rows per page. Default 10,000. */
  pageSize?: number;
  /** Fetch a new token this long before the current one expires. Default 5 minutes. */
  tokenRefreshMarginMs?: number;
  http?: HttpOptions;
  clock?: Clock;
}

const FEED = 'ERCOT API';

const TokenResponse = z.object({
  id_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  id_token_expires_in: z.coerce.number().positive().optional(),
});

const PageResponse = z.object({
  _meta: z.object({ totalPages: z.number().int().min(0), currentPage: z.number().int().min(0) }),
  fields: z.array(z.object({ name: z.string() })),
  data: z.array(z.array(z.unknown())),
});
type Page = z.infer<typeof PageResponse>;

/** Obtains and caches the B2C id_token. Concurrent callers share one request. */
export class ErcotTokenProvider {
  private cached: { token: string; expiresAtMs: number } | null = null;
  private inFlight: Promise<string> | null = null;

  constructor(
    private readonly cfg: Required<Pick<ErcotApiConfig, 'username' | 'password' | 'tokenUrl' | 'clientId' | 'tokenRefreshMarginMs'>>,
    private readonly http: HttpOptions,
    private readonly clock: Clock,
  ) {}

  async token(): Promise<string> {
    const now = this.clock.nowMs();
    if (this.cached && now < this.cached.expiresAtMs - this.cfg.tokenRefreshMarginMs) return this.cached.token;
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Forget the cached token (after a 401). */
  invalidate(): void {
    this.cached = null;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      username: this.cfg.username,
      password: this.cfg.password,
      grant_type: 'password',
      scope: `openid ${this.cfg.clientId} offline_access`,
      client_id: this.cfg.clientId,
      response_type: 'id_token',
    });
    const issuedAt = this.clock.nowMs();
    let res: z.infer<typeof TokenResponse>;
    try {
      res = await requestJson(
        {
          feed: `${FEED} token`,
          url: new URL(this.cfg.tokenUrl),
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          schema: TokenResponse,
        },
        this.http,
      );
    } catch (err) {
      if (err instanceof FeedError && (err.status === 400 || err.status === 401)) {
        throw new FeedError(`${FEED}: the token endpoint refused the credentials (HTTP ${err.status}): ${err.bodyExcerpt ?? ''}`, FEED, err.status);
      }
      throw err;
    }
    const lifetimeS = res.id_token_expires_in ?? res.expires_in ?? 3600;
    this.cached = { token: res.id_token, expiresAtMs: issuedAt + lifetimeS * 1000 };
    return res.id_token;
  }
}

interface Report {
  path: string;
  kind: PriceKind;
  intervalMinutes: number;
  what: string;
}

const RTM: Report = { path: 'np6-905-cd/spp_node_zone_hub', kind: 'RT', intervalMinutes: 15, what: 'ERCOT API np6-905-cd' };
const DAM: Report = { path: 'np4-190-cd/dam_stlmnt_pnt_prices', kind: 'DA', intervalMinutes: 60, what: 'ERCOT API np4-190-cd' };

export interface PriceRequest {
  fromMs: number;
  toMs: number;
  nodes: readonly string[];
  skipBadRows?: boolean;
}

export class ErcotApiClient {
  private readonly tokens: ErcotTokenProvider;
  private readonly baseUrl: string;
  private readonly pageSize: number;
  private readonly http: HttpOptions;

  constructor(private readonly cfg: ErcotApiConfig) {
    this.baseUrl = (cfg.baseUrl ?? ERCOT_API_BASE_URL).replace(/\/+$/, '');
    this.pageSize = cfg.pageSize ?? 10_000;
    this.http = cfg.http ?? {};
    this.tokens = new ErcotTokenProvider(
      {
        username: cfg.username,
        password: cfg.password,
        tokenUrl: cfg.tokenUrl ?? ERCOT_TOKEN_URL,
        clientId: cfg.clientId ?? ERCOT_CLIENT_ID,
        tokenRefreshMarginMs: cfg.tokenRefreshMarginMs ?? 5 * MINUTE_MS,
      },
      this.http,
      cfg.clock ?? systemClock,
    );
  }

  /** Real-time 15-minute SPPs with interval start in [fromMs, toMs). */
  fetchRtmPrices(req: PriceRequest): Promise<FeedParseResult<PricePoint>> {
    return this.fetchReport(RTM, req);
  }

  /** Day-ahead hourly SPPs with interval start in [fromMs, toMs). */
  fetchDamPrices(req: PriceRequest): Promise<FeedParseResult<PricePoint>> {
    return this.fetchReport(DAM, req);
  }

  /** The two reports as PriceFeeds for the ingest use case. */
  feeds(): { rtm: PriceFeed; dam: PriceFeed } {
    return {
      rtm: { name: 'ercot-api-rtm', fetchPrices: (r) => this.fetchRtmPrices(r) },
      dam: { name: 'ercot-api-dam', fetchPrices: (r) => this.fetchDamPrices(r) },
    };
  }

  private async fetchReport(report: Report, req: PriceRequest): Promise<FeedParseResult<PricePoint>> {
    if (req.nodes.length === 0) throw new FeedError(`${report.what}: no settlement points requested`, FEED);
    const b = new HourEndingBuilder(
      report.what,
      report.intervalMinutes,
      report.kind === 'RT'
        ? { date: 'deliveryDate', hour: 'deliveryHour', interval: 'deliveryInterval', node: 'settlementPoint', value: 'settlementPointPrice', dst: 'DSTFlag' }
        : { date: 'deliveryDate', hour: 'hourEnding', node: 'settlementPoint', value: 'settlementPointPrice', dst: 'DSTFlag' },
      { skipBadRows: req.skipBadRows ?? false, settlementPoints: req.nodes },
      'row',
    );
    // Delivery dates are local operating days: ask for every day the UTC window touches.
    const fromDate = cptDateOf(req.fromMs);
    const toDate = cptDateOf(req.toMs - 1);
    // Rows are numbered across pages and settlement points, in the order received.
    let rowsSeen = 0;
    for (const node of req.nodes) {
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        const body = await this.page(report, { deliveryDateFrom: fromDate, deliveryDateTo: toDate, settlementPoint: node, page: String(page), size: String(this.pageSize) });
        totalPages = body._meta.totalPages;
        this.addRows(report, b, body, rowsSeen);
        rowsSeen += body.data.length;
      }
    }
    const done = b.finish();
    const points: PricePoint[] = [];
    const gaps = [];
    const step = report.intervalMinutes * MINUTE_MS;
    for (const s of done.series) {
      const inWindow = s.points.filter((p) => p.startMs >= req.fromMs && p.startMs < req.toMs);
      for (const p of inWindow) {
        points.push({ market: ERCOT, node: s.name, kind: report.kind, intervalStartMs: p.startMs, intervalMinutes: report.intervalMinutes, priceUsdPerMwh: p.value });
      }
      gaps.push(...findGaps(`${ERCOT} ${s.name} ${report.kind}`, inWindow.map((p) => p.startMs), step, alignUp(req.fromMs, step), alignUp(req.toMs, step)));
    }
    for (const node of req.nodes) {
      if (!done.series.some((s) => s.name === node)) gaps.push(...findGaps(`${ERCOT} ${node} ${report.kind}`, [], step, alignUp(req.fromMs, step), alignUp(req.toMs, step)));
    }
    return { points, rejects: b.rejects.sorted(), gaps, rows: b.rows, duplicates: done.duplicates };
  }

  private addRows(report: Report, b: HourEndingBuilder, body: Page, rowOffset: number): void {
    const idx = (name: string) => body.fields.findIndex((f) => f.name === name);
    const at = {
      date: idx('deliveryDate'),
      hour: idx(report.kind === 'RT' ? 'deliveryHour' : 'hourEnding'),
      interval: report.kind === 'RT' ? idx('deliveryInterval') : -1,
      node: idx('settlementPoint'),
      price: idx('settlementPointPrice'),
      dst: idx('DSTFlag'),
    };
    const missing = Object.entries(at).filter(([k, i]) => i < 0 && !(k === 'interval' && report.kind === 'DA'));
    if (missing.length > 0) {
      throw new FeedError(`${report.what}: the response's fields lack ${missing.map(([k]) => k).join(', ')} (got ${body.fields.map((f) => f.name).join(', ')})`, FEED);
    }
    body.data.forEach((row, i) => {
      const line = rowOffset + i + 1;
      b.rows++;
      const dateText = String(row[at.date] ?? '');
      const day = b.day(line, dateText);
      if (!day) return;
      const node = b.node(line, String(row[at.node] ?? ''));
      if (node === null) return;
      const dst = row[at.dst];
      const repeated = dst === true || dst === 'Y' || dst === 'true' ? true : dst === false || dst === 'N' || dst === 'false' ? false : undefined;
      if (repeated === undefined) {
        b.rejects.reject(line, 'DSTFlag', `must be a boolean (got ${JSON.stringify(dst)})`);
        return;
      }
      const hour = report.kind === 'RT' ? toInt(row[at.hour]) : hourLabel(row[at.hour]);
      const interval = report.kind === 'RT' ? toInt(row[at.interval]) : 1;
      const price = typeof row[at.price] === 'number' ? (row[at.price] as number) : Number.NaN;
      b.add(line, day, hour, interval, repeated, node, price);
    });
  }

  private async page(report: Report, query: Record<string, string>): Promise<Page> {
    const url = new URL(`${this.baseUrl}/${report.path}`);
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    const send = async () =>
      requestJson(
        {
          feed: FEED,
          url,
          headers: { 'Ocp-Apim-Subscription-Key': this.cfg.subscriptionKey, Authorization: `Bearer ${await this.tokens.token()}` },
          schema: PageResponse,
        },
        this.http,
      );
    try {
      return await send();
    } catch (err) {
      if (!(err instanceof FeedError) || err.status !== 401) throw err;
      // The token may have been revoked or expired early: one fresh token, one more try.
      this.tokens.invalidate();
      try {
        return await send();
      } catch (again) {
        if (again instanceof FeedError && again.status === 401) {
          throw new FeedError(`${FEED}: still unauthorized (HTTP 401) with a fresh token: check the subscription key and account`, FEED, 401);
        }
        throw again;
      }
    }
  }
}

const alignUp = (ms: number, step: number) => Math.ceil(ms / step) * step;

function toInt(v: unknown): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{1,2}$/.test(v) ? Number(v) : Number.NaN;
  return Number.isInteger(n) ? n : Number.NaN;
}

/** `"01:00"` or `1` → 1. */
function hourLabel(v: unknown): number {
  if (typeof v === 'number') return toInt(v);
  if (typeof v === 'string') {
    const m = /^(\d{1,2}):00$/.exec(v);
    if (m) return Number(m[1]);
  }
  return Number.NaN;
}
