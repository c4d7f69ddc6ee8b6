/**
 * Nord Pool Data Portal day-ahead prices:
 * `GET https://dataportal-api.nordpoolgroup.com/api/DayAheadPrices?market=DayAhead&date=YYYY-MM-DD&deliveryArea=NO3&currency=EUR`.
 *
 * The answer is one delivery day (CET/CEST) for the areas asked:
 * `{ deliveryDateCET, version, updatedAt, deliveryAreas, market, currency, areaStates: [{ state, areas }],
 *    multiAreaEntries: [{ deliveryStart, deliveryEnd, entryPerArea: { NO3: 41.2 } }], blockPriceAggregates, areaAverages }`,
 * with UTC instants and prices per MWh in `currency`. Before the auction result is out (≈ 12:45–13:00 CET)
 * the portal answers 204 No Content. A result may first be `Preliminary` and later `Final`, and its
 * `version` goes up when it is republished; both are returned so that a later one can replace an earlier one.
 * Entries are hours up to delivery day 2025-09-30 and quarter-hours from 2025-10-01; either is accepted
 * as long as one length covers the whole day (23/24/25 hours or 92/96/100 quarter-hours).
 */
import * as z from 'zod';
import { formatPath, ValidationError } from '#domain/errors.ts';
import { MINUTE_MS, parseInstant } from '#domain/time.ts';
import { MAX_ABS_PRICE_USD_PER_MWH } from './csv.ts';
import { checkCoversDay, type DayAheadDay, type DayAheadFetch, type DayAheadPrice, type DayAheadSource } from './day-ahead.ts';
import { FeedError, type HttpOptions } from './http.ts';
import { requestText, statusError } from './http-text.ts';
import { atJsonPosition, positionAt } from './json-position.ts';

export const NORDPOOL_BASE_URL = 'https://dataportal-api.nordpoolgroup.com';
export const NORDPOOL_DAY_AHEAD_PATH = '/api/DayAheadPrices';

const WHAT = 'Nord Pool DayAheadPrices JSON';
const FEED = 'Nord Pool';

const Entry = z.object({
  deliveryStart: z.string(),
  deliveryEnd: z.string(),
  entryPerArea: z.record(z.string(), z.number().nullable()),
});

/** The fields used; the aggregates (blocks, area averages) are derived from the entries and ignored. */
const DayAheadResponse = z.object({
  deliveryDateCET: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  version: z.number().int().nonnegative(),
  updatedAt: z.string().optional(),
  deliveryAreas: z.array(z.string()),
  market: z.string(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code'),
  multiAreaEntries: z.array(Entry),
  areaStates: z.array(z.object({ state: z.string(), areas: z.array(z.string()) })),
});
type DayAheadResponse = z.infer<typeof DayAheadResponse>;

export interface NordPoolParseOptions {
  /** Areas to return; default every area in `deliveryAreas`. */
  areas?: readonly string[];
  /** When given, a response for another delivery day is an error. */
  deliveryDay?: string;
  /** When given, a response in another currency is an error. */
  currency?: string;
}

/**
 * Parses a DayAheadPrices response — or a file holding an array of them — into one DayAheadDay per
 * area and delivery day. Anything unusable throws a ValidationError naming the line and column of the
 * offending value and its path, e.g. `…, line 52, column 16: multiAreaEntries[5].entryPerArea.NO3: is null`
 * (a missing field: where the object that lacks it begins; malformed JSON: the line only).
 */
export function parseNordPoolDayAhead(text: string, opts: NordPoolParseOptions = {}): DayAheadDay[] {
  const doc = parseJson(text);
  const responses = Array.isArray(doc) ? doc : [doc];
  return responses.flatMap((item, i) => dayAheadDays(text, item, Array.isArray(doc) ? [i] : [], opts));
}

function dayAheadDays(text: string, item: unknown, prefix: PropertyKey[], opts: NordPoolParseOptions): DayAheadDay[] {
  const fail = (path: PropertyKey[], message: string): never => {
    const full = [...prefix, ...path];
    throw new ValidationError(`${WHAT}${atJsonPosition(text, full)}`, [{ path: formatPath(full), message }]);
  };
  const parsed = DayAheadResponse.safeParse(item);
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    return fail(first.path, first.message);
  }
  const r = parsed.data;
  if (r.market !== 'DayAhead') fail(['market'], `"${r.market}" is not the day-ahead market (DayAhead)`);
  if (opts.deliveryDay && r.deliveryDateCET !== opts.deliveryDay) {
    fail(['deliveryDateCET'], `is ${r.deliveryDateCET}, ${opts.deliveryDay} was asked for`);
  }
  if (opts.currency && r.currency !== opts.currency) fail(['currency'], `is ${r.currency}, ${opts.currency} was asked for`);
  const updatedAtMs = r.updatedAt === undefined ? undefined : parseNordPoolInstant(r.updatedAt);
  if (Number.isNaN(updatedAtMs)) fail(['updatedAt'], `"${r.updatedAt}" is not an ISO-8601 instant`);

  const areas = opts.areas ?? r.deliveryAreas;
  return areas.map((area) => {
    if (!r.deliveryAreas.includes(area)) fail(['deliveryAreas'], `has no ${area} (it lists ${r.deliveryAreas.join(', ') || 'none'})`);
    const stateAt = r.areaStates.findIndex((s) => s.areas.includes(area));
    if (stateAt < 0) fail(['areaStates'], `gives no state for ${area}`);
    const prices = entriesOf(r, area, fail);
    const intervalMinutes = coverOrFail(r.deliveryDateCET, prices, (message) => fail(['multiAreaEntries'], message));
    return {
      area,
      deliveryDay: r.deliveryDateCET,
      currency: r.currency,
      intervalMinutes,
      revision: { version: r.version, state: r.areaStates[stateAt]!.state, updatedAtMs },
      prices,
    };
  });
}

function entriesOf(r: DayAheadResponse, area: string, fail: (path: PropertyKey[], message: string) => never): DayAheadPrice[] {
  const prices = r.multiAreaEntries.map((e, i): DayAheadPrice => {
    const startMs = parseNordPoolInstant(e.deliveryStart);
    const endMs = parseNordPoolInstant(e.deliveryEnd);
    if (Number.isNaN(startMs)) fail(['multiAreaEntries', i, 'deliveryStart'], `"${e.deliveryStart}" is not an ISO-8601 instant`);
    if (Number.isNaN(endMs)) fail(['multiAreaEntries', i, 'deliveryEnd'], `"${e.deliveryEnd}" is not an ISO-8601 instant`);
    const minutes = (endMs - startMs) / MINUTE_MS;
    if (minutes !== 15 && minutes !== 60) {
      fail(['multiAreaEntries', i, 'deliveryEnd'], `the entry is ${minutes} minutes long; expected 15 or 60`);
    }
    const price = e.entryPerArea[area];
    if (typeof price !== 'number') fail(['multiAreaEntries', i, 'entryPerArea', area], price === null ? 'is null' : 'is missing');
    if (Math.abs(price!) > MAX_ABS_PRICE_USD_PER_MWH) {
      fail(['multiAreaEntries', i, 'entryPerArea', area], `${price} ${r.currency}/MWh is beyond any price limit`);
    }
    return { area, intervalStartMs: startMs, intervalMinutes: minutes as 15 | 60, price: price!, currency: r.currency };
  });
  return prices.sort((a, b) => a.intervalStartMs - b.intervalStartMs);
}

function coverOrFail(deliveryDay: string, prices: DayAheadPrice[], fail: (message: string) => never): 15 | 60 {
  try {
    return checkCoversDay(WHAT, deliveryDay, prices);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return fail(`delivery day ${deliveryDay}: ${err.issues[0]!.message}`);
  }
}

/** Nord Pool writes `updatedAt` with 7 fractional digits; the instants are otherwise plain ISO-8601. */
function parseNordPoolInstant(text: string): number {
  return parseInstant(text.replace(/(\.\d{3})\d+/, '$1'));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const at = pos ? positionAt(text, Number(pos[1])) : undefined;
    const where = at ? `${WHAT}, line ${at.line}, column ${at.column}` : WHAT;
    throw new ValidationError(where, [{ path: '', message: `not valid JSON: ${msg}` }]);
  }
}

export interface NordPoolConfig {
  /** Default NORDPOOL_BASE_URL. */
  baseUrl?: string;
  /** The currency prices are asked in. Default EUR. */
  currency?: string;
  http?: HttpOptions;
}

/** The Data Portal as a DayAheadSource. */
export class NordPoolDayAheadClient implements DayAheadSource {
  readonly name = 'nordpool';
  private readonly baseUrl: string;
  private readonly currency: string;

  constructor(private readonly config: NordPoolConfig = {}) {
    this.baseUrl = (config.baseUrl ?? NORDPOOL_BASE_URL).replace(/\/+$/, '');
    this.currency = config.currency ?? 'EUR';
  }

  async fetchDay(deliveryDay: string, area: string): Promise<DayAheadFetch> {
    const url = new URL(`${this.baseUrl}${NORDPOOL_DAY_AHEAD_PATH}`);
    url.search = new URLSearchParams({ market: 'DayAhead', date: deliveryDay, deliveryArea: area, currency: this.currency }).toString();
    const req = { feed: FEED, url, accept: 'application/json' };
    const res = await requestText(req, this.config.http);
    if (res.status === 204) {
      return { status: 'not-published', area, deliveryDay, detail: `${FEED}: HTTP 204, the day-ahead result is not out yet` };
    }
    if (res.status !== 200) throw statusError(req, res);
    try {
      const [day] = parseNordPoolDayAhead(res.text, { areas: [area], deliveryDay, currency: this.currency });
      return { status: 'published', day: day! };
    } catch (err) {
      if (err instanceof ValidationError) {
        throw new FeedError(`${FEED} GET ${url.origin}${url.pathname}: unusable answer: ${err.message}`, FEED, res.status);
      }
      throw err;
    }
  }
}
