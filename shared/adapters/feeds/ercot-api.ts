/**
 * ERCOT public API client (https://api.ercot.com/api/public-reports): real-time 15-minute SPPs
 * (NP6-905-CD) and day-ahead hourly SPPs (NP4-190-CD); the paths are in ercot-reports.ts. The SCED
 * LMPs (NP6-788-CD) are read through `pages` by ercot-sced-lmp-api.ts.
 *
 * Every request carries `Ocp-Apim-Subscription-Key` and `Authorization: Bearer <id_token>`; the
 * token comes from ERCOT's Azure B2C tenant by the ROPC password grant, is reused until shortly
 * before it expires, and is fetched anew once when the API answers 401. Responses are
 * `{ _meta: { totalPages, currentPage, … }, fields: [{ name, … }], data: [[…], …] }`, read page by
 * page; rows go through the same row loop and DST-aware conversion as the MIS files (ercot-rows.ts).
 */
import * as z from 'zod';
import { MINUTE_MS } from '#domain/time.ts';
import type { Clock } from '#ports/clock.ts';
import { systemClock } from '#ports/clock.ts';
import type { FeedParseResult, PriceFeed } from '#ports/feeds.ts';
import type { PriceKind, PricePoint } from '#ports/market-data.ts';
import { cptDateOf } from './cpt.ts';
import { checkPrice, findGaps } from './csv.ts';
import { pricePoints } from './ercot-mis.ts';
import { DAM_SPP_REPORT, type ErcotReport, RTM_SPP_REPORT } from './ercot-reports.ts';
import { ERCOT, type ErcotLayout, ErcotReader, HOUR_ENDING, pageTable, seriesKey, seriesLabel } from './ercot-rows.ts';
import { FeedError, type HttpOptions, requestJson } from './http.ts';

export const ERCOT_API_BASE_URL = 'https://api.ercot.com/api/public-reports';
export const ERCOT_TOKEN_URL = 'https://ercotb2c.b2clogin.com/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token';
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

/** A page of any report: `fields` name the columns of the `data` rows. */
export const PageResponse = z.object({
  _meta: z.object({ totalPages: z.number().int().min(0), currentPage: z.number().int().min(0) }),
  fields: z.array(z.object({ name: z.string() })),
  data: z.array(z.array(z.unknown())),
});
export type Page = z.infer<typeof PageResponse>;

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
        throw new FeedError(
          `${FEED}: the token endpoint refused the credentials (HTTP ${err.status}): ${err.bodyExcerpt ?? ''}`,
          FEED,
          err.status,
        );
      }
      throw err;
    }
    const lifetimeS = res.id_token_expires_in ?? res.expires_in ?? 3600;
    this.cached = { token: res.id_token, expiresAtMs: issuedAt + lifetimeS * 1000 };
    return res.id_token;
  }
}

/** A price report as the API serves it: its product, and the layout of its rows. */
interface ApiPriceReport {
  report: ErcotReport;
  kind: PriceKind;
  layout: ErcotLayout<PriceKind>;
}

type ApiLayoutSpec = Pick<ErcotLayout<PriceKind>, 'columns' | 'intervalMinutes'> & { kind: PriceKind };

function apiReport(report: ErcotReport, layout: ApiLayoutSpec): ApiPriceReport {
  const { kind, columns, intervalMinutes } = layout;
  return {
    report,
    kind,
    layout: {
      what: `ERCOT API ${report.id.toLowerCase()}`,
      product: report,
      columns,
      time: HOUR_ENDING,
      values: [{ field: 'settlementPointPrice', kind, check: checkPrice }],
      intervalMinutes,
      gapsOver: 'days',
    },
  };
}

const RTM = apiReport(RTM_SPP_REPORT, {
  kind: 'RT',
  intervalMinutes: 15,
  columns: {
    deliveryDate: 'deliveryDate',
    hourEnding: 'deliveryHour',
    interval: 'deliveryInterval',
    settlementPoint: 'settlementPoint',
    settlementPointPrice: 'settlementPointPrice',
    repeatedHour: 'DSTFlag',
  },
});

const DAM = apiReport(DAM_SPP_REPORT, {
  kind: 'DA',
  intervalMinutes: 60,
  columns: {
    deliveryDate: 'deliveryDate',
    hourEndingLabel: 'hourEnding',
    settlementPoint: 'settlementPoint',
    settlementPointPrice: 'settlementPointPrice',
    repeatedHour: 'DSTFlag',
  },
});

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

  private async fetchReport(api: ApiPriceReport, req: PriceRequest): Promise<FeedParseResult<PricePoint>> {
    const { layout, kind } = api;
    if (req.nodes.length === 0) throw new FeedError(`${layout.what}: no settlement points requested`, FEED);
    const reader = new ErcotReader(layout, { skipBadRows: req.skipBadRows ?? false, settlementPoints: req.nodes, unit: 'row' });
    const onMissing = (missing: string[], got: string[]): never => {
      throw new FeedError(`${layout.what}: the response's fields lack ${missing.join(', ')} (got ${got.join(', ')})`, FEED);
    };
    // Delivery dates are local operating days: ask for every day the UTC window touches.
    const fromDate = cptDateOf(req.fromMs);
    const toDate = cptDateOf(req.toMs - 1);
    // Rows are numbered across pages and settlement points, in the order received.
    let rowsSeen = 0;
    for (const node of req.nodes) {
      for (let page = 1, totalPages = 1; page <= totalPages; page++) {
        const body = await this.page(api.report, {
          deliveryDateFrom: fromDate,
          deliveryDateTo: toDate,
          settlementPoint: node,
          page: String(page),
          size: String(this.pageSize),
        });
        totalPages = body._meta.totalPages;
        reader.read(pageTable(layout, body, { rowOffset: rowsSeen, onMissing }));
        rowsSeen += body.data.length;
      }
    }
    const done = reader.finish();
    const step = layout.intervalMinutes * MINUTE_MS;
    const inWindow = (startMs: number) => startMs >= req.fromMs && startMs < req.toMs;
    const points = pricePoints(done, layout.intervalMinutes, inWindow);
    // Gaps over the window asked for, for every node asked for (also those the API had nothing for).
    const gaps = req.nodes.flatMap((node) => {
      const key = seriesKey(ERCOT, node, kind);
      const starts = (done.series.find((s) => s.key === key)?.points ?? []).map((p) => p.startMs).filter(inWindow);
      return findGaps(seriesLabel(key), starts, step, alignUp(req.fromMs, step), alignUp(req.toMs, step));
    });
    return { points, rejects: done.rejects, gaps, rows: done.rows, duplicates: done.duplicates };
  }

  /**
   * Every page of one query of a report, in order, `page` and `size` set here: for readers of other reports
   * (ercot-sced-lmp-api.ts) that share the token, the subscription key and the retry policy.
   */
  async *pages(report: ErcotReport, query: Record<string, string>): AsyncGenerator<Page> {
    for (let page = 1, totalPages = 1; page <= totalPages; page++) {
      const body = await this.page(report, { ...query, page: String(page), size: String(this.pageSize) });
      totalPages = body._meta.totalPages;
      yield body;
    }
  }

  private async page(report: ErcotReport, query: Record<string, string>): Promise<Page> {
    const url = new URL(`${this.baseUrl}/${report.apiPath}`);
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
          throw new FeedError(
            `${FEED}: still unauthorized (HTTP 401) with a fresh token: check the subscription key and account`,
            FEED,
            401,
          );
        }
        throw again;
      }
    }
  }
}

const alignUp = (ms: number, step: number) => Math.ceil(ms / step) * step;
