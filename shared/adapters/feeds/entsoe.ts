/**
 * ENTSO-E Transparency Platform day-ahead prices (documentType A44):
 * `GET https://web-api.tp.entsoe.eu/api?securityToken=…&documentType=A44&in_Domain=<EIC>&out_Domain=<EIC>`
 *     `&periodStart=yyyyMMddHHmm&periodEnd=…`
 * (UTC), answered with a `Publication_MarketDocument`:
 *
 *   TimeSeries                       one per auction result; `in_Domain.mRID` is the bidding zone's EIC
 *     currency_Unit.name             EUR
 *     price_Measure_Unit.name        MWH
 *     classificationSequence_AttributeInstanceComponent.position
 *                                    several results for the same zone are numbered; the lowest is the
 *                                    day-ahead auction proper, and it wins wherever series overlap
 *     curveType                      A01: every position present; A03: a missing position repeats the
 *                                    price before it (runs of equal prices are sent once)
 *     Period
 *       timeInterval/start, end      UTC, `2025-10-25T22:00Z`
 *       resolution                   PT15M | PT60M
 *       Point/position, price.amount position 1 is the interval at `start`
 *
 * When there is nothing to return the platform answers an `Acknowledgement_MarketDocument` (with
 * HTTP 200 or 400) whose `Reason/text` says "No matching data found…": the result is not published
 * yet. Any other acknowledgement is an error. The security token is a secret: it travels in the
 * query string and is removed from every error this module raises.
 */
import { ValidationError } from '#domain/errors.ts';
import { MINUTE_MS, parseInstant } from '#domain/time.ts';
import type { SettingsReader } from './credentials.ts';
import { MAX_ABS_PRICE_USD_PER_MWH, parseDecimal } from './csv.ts';
import {
  checkCoversDay,
  type DayAheadDay,
  type DayAheadFetch,
  type DayAheadPrice,
  type DayAheadSource,
  deliveryDayOf,
  deliveryDayWindow,
} from './day-ahead.ts';
import { FeedError, type HttpOptions } from './http.ts';
import { requestText, statusError } from './http-text.ts';
import { children, childText, parseXml, type XmlNode } from './xml.ts';

export const ENTSOE_BASE_URL = 'https://web-api.tp.entsoe.eu/api';
/** The setting that holds the security token (`ENTSOE_SECURITY_TOKEN`, `…_PARAM` or `…_SECRET`; see credentials.ts). */
export const ENTSOE_TOKEN_SETTING = 'ENTSOE_SECURITY_TOKEN';

/** Bidding zones by their Nord Pool names and their EIC codes on the Transparency Platform. */
export const BIDDING_ZONE_EIC: Readonly<Record<string, string>> = {
  NO1: '10YNO-1--------2',
  NO2: '10YNO-2--------T',
  NO3: '10YNO-3--------J',
  NO4: '10YNO-4--------9',
  NO5: '10Y1001A1001A48H',
  SE1: '10Y1001A1001A44P',
  SE2: '10Y1001A1001A45N',
  SE3: '10Y1001A1001A46L',
  SE4: '10Y1001A1001A47J',
  FI: '10YFI-1--------U',
  DK1: '10YDK-1--------W',
  DK2: '10YDK-2--------M',
};
const AREA_OF_EIC = new Map(Object.entries(BIDDING_ZONE_EIC).map(([area, eic]) => [eic, area]));

const WHAT = 'ENTSO-E A44 XML';
const FEED = 'ENTSO-E';
const RESOLUTION_MINUTES: Record<string, 15 | 60> = { PT15M: 15, PT60M: 60 };

export type EntsoeDocument =
  | {
      kind: 'publication';
      /** The document's `revisionNumber`. */
      revision: number;
      /** Every interval of the document, one per area and interval (the lowest classification wins), ascending. */
      prices: DayAheadPrice[];
    }
  | { kind: 'acknowledgement'; code: string; text: string };

/** True for the acknowledgement the platform sends when a query matches nothing (yet). */
export function isNoMatchingData(doc: EntsoeDocument): boolean {
  return doc.kind === 'acknowledgement' && /no matching data found/i.test(doc.text);
}

/**
 * Parses an A44 publication or an acknowledgement. Errors are ValidationErrors naming the line and
 * element, e.g. `ENTSO-E A44 XML, line 41: TimeSeries[1]/Period[1]/Point[7]/price.amount: "n/a" is not a number`.
 */
export function parseEntsoeA44(text: string): EntsoeDocument {
  const doc = parseXml(text, WHAT, ['TimeSeries', 'Period', 'Point', 'Reason']);
  if (doc.rootName === 'Acknowledgement_MarketDocument') {
    const reason = children(doc.root, 'Reason')[0] ?? {};
    return { kind: 'acknowledgement', code: childText(reason, 'code') ?? '', text: childText(reason, 'text') ?? '' };
  }
  if (doc.rootName !== 'Publication_MarketDocument') {
    const message = 'expected a Publication_MarketDocument or an Acknowledgement_MarketDocument';
    throw new ValidationError(WHAT, [{ path: doc.rootName, message }]);
  }
  const fail = (node: XmlNode, path: string, message: string): never => {
    const line = doc.lineOf(node);
    throw new ValidationError(line ? `${WHAT}, line ${line}` : WHAT, [{ path, message }]);
  };
  const type = childText(doc.root, 'type');
  if (type !== 'A44') fail(doc.root, 'type', `is ${type ?? 'missing'}; day-ahead prices are document type A44`);
  const revisionText = childText(doc.root, 'revisionNumber') ?? '1';
  const revision = Number(revisionText);
  if (!/^\d+$/.test(revisionText)) fail(doc.root, 'revisionNumber', `"${revisionText}" is not a whole number`);

  const candidates = children(doc.root, 'TimeSeries').flatMap((ts, i) => seriesPrices(ts, `TimeSeries[${i + 1}]`, fail));
  return { kind: 'publication', revision, prices: lowestClassification(candidates, fail) };
}

interface Candidate extends DayAheadPrice {
  classification: number;
  node: XmlNode;
  path: string;
}

type Fail = (node: XmlNode, path: string, message: string) => never;

function seriesPrices(ts: XmlNode, at: string, fail: Fail): Candidate[] {
  const eic = childText(ts, 'in_Domain.mRID');
  if (!eic) return fail(ts, `${at}/in_Domain.mRID`, 'is missing');
  const area = AREA_OF_EIC.get(eic) ?? eic;
  const currency = childText(ts, 'currency_Unit.name');
  if (!currency || !/^[A-Z]{3}$/.test(currency)) fail(ts, `${at}/currency_Unit.name`, `"${currency ?? ''}" is not an ISO 4217 code`);
  const unit = childText(ts, 'price_Measure_Unit.name');
  if (unit !== 'MWH') fail(ts, `${at}/price_Measure_Unit.name`, `is ${unit ?? 'missing'}; expected MWH`);
  const curve = childText(ts, 'curveType') ?? 'A01';
  if (curve !== 'A01' && curve !== 'A03') fail(ts, `${at}/curveType`, `${curve} is neither A01 (every position) nor A03 (gaps repeat)`);
  const classText = childText(ts, 'classificationSequence_AttributeInstanceComponent.position') ?? '1';
  const classification = Number(classText);
  if (!/^\d+$/.test(classText)) {
    fail(ts, `${at}/classificationSequence_AttributeInstanceComponent.position`, `"${classText}" is not a whole number`);
  }

  return children(ts, 'Period').flatMap((period, p) => {
    const pAt = `${at}/Period[${p + 1}]`;
    const interval = period.timeInterval;
    const startText = interval && typeof interval === 'object' ? childText(interval as XmlNode, 'start') : undefined;
    const endText = interval && typeof interval === 'object' ? childText(interval as XmlNode, 'end') : undefined;
    const startMs = parseInstant(startText ?? '');
    const endMs = parseInstant(endText ?? '');
    if (Number.isNaN(startMs)) fail(period, `${pAt}/timeInterval/start`, `"${startText ?? ''}" is not a UTC instant`);
    if (Number.isNaN(endMs)) fail(period, `${pAt}/timeInterval/end`, `"${endText ?? ''}" is not a UTC instant`);
    const resolution = childText(period, 'resolution') ?? '';
    const minutes = RESOLUTION_MINUTES[resolution];
    if (!minutes) return fail(period, `${pAt}/resolution`, `"${resolution}" is neither PT15M nor PT60M`);
    const count = (endMs - startMs) / (minutes * MINUTE_MS);
    if (!Number.isInteger(count) || count < 1) {
      fail(period, `${pAt}/timeInterval`, `${startText} to ${endText} is not a whole number of ${resolution}`);
    }

    const byPosition = new Map<number, number>();
    children(period, 'Point').forEach((point, k) => {
      const ptAt = `${pAt}/Point[${k + 1}]`;
      const posText = childText(point, 'position') ?? '';
      const position = Number(posText);
      if (!/^\d+$/.test(posText) || position < 1 || position > count) {
        fail(point, `${ptAt}/position`, `"${posText}" is not a position from 1 to ${count}`);
      }
      if (byPosition.has(position)) fail(point, `${ptAt}/position`, `position ${position} appears twice in the period`);
      const priceText = childText(point, 'price.amount') ?? '';
      const price = parseDecimal(priceText);
      if (Number.isNaN(price)) fail(point, `${ptAt}/price.amount`, `"${priceText}" is not a number`);
      if (Math.abs(price) > MAX_ABS_PRICE_USD_PER_MWH) {
        fail(point, `${ptAt}/price.amount`, `${price} ${currency}/MWh is beyond any price limit`);
      }
      byPosition.set(position, price);
    });

    const out: Candidate[] = [];
    let last: number | undefined;
    for (let position = 1; position <= count; position++) {
      let price = byPosition.get(position);
      if (price === undefined) {
        // A01 sends every position; A03 leaves out a position whose price equals the one before it.
        if (curve === 'A01') fail(period, `${pAt}/Point`, `curve type A01 needs every position; position ${position} is missing`);
        if (last === undefined) fail(period, `${pAt}/Point`, 'position 1 is missing, so there is no price for later gaps to repeat');
        price = last;
      }
      last = price;
      const intervalStartMs = startMs + (position - 1) * minutes * MINUTE_MS;
      const origin = { classification, node: period, path: pAt };
      out.push({ area, intervalStartMs, intervalMinutes: minutes, price: price!, currency: currency!, ...origin });
    }
    return out;
  });
}

/**
 * Where series of one area overlap, the lowest classification position wins (it is the day-ahead
 * auction; higher ones are e.g. a separate auction or, before October 2025, a quarter-hourly
 * series beside the hourly one). Overlap within one classification is a conflict unless the
 * two say the same.
 */
function lowestClassification(candidates: Candidate[], fail: Fail): DayAheadPrice[] {
  const sorted = [...candidates].sort((a, b) => a.classification - b.classification || a.intervalStartMs - b.intervalStartMs);
  // Occupancy on a 15-minute grid, which both resolutions fall on.
  const owner = new Map<string, Candidate>();
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const slots: string[] = [];
    const endMs = c.intervalStartMs + c.intervalMinutes * MINUTE_MS;
    for (let t = c.intervalStartMs; t < endMs; t += 15 * MINUTE_MS) slots.push(`${c.area}|${t}`);
    const taken = slots.map((s) => owner.get(s)).find((o) => o !== undefined);
    if (taken) {
      if (taken.classification < c.classification) continue;
      const same = taken.intervalStartMs === c.intervalStartMs && taken.intervalMinutes === c.intervalMinutes && taken.price === c.price;
      if (same && taken.currency === c.currency) continue;
      fail(c.node, c.path, `${new Date(c.intervalStartMs).toISOString()} has two different prices in classification ${c.classification}`);
    }
    for (const s of slots) owner.set(s, c);
    kept.push(c);
  }
  return kept
    .sort((a, b) => (a.area < b.area ? -1 : a.area > b.area ? 1 : a.intervalStartMs - b.intervalStartMs))
    .map(({ area, intervalStartMs, intervalMinutes, price, currency }) => ({ area, intervalStartMs, intervalMinutes, price, currency }));
}

/** yyyyMMddHHmm in UTC, the platform's period format. */
export function entsoePeriod(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace(/[-T:]/g, '');
}

export interface EntsoeConfig {
  /** The security token, or a function that reads it (from a setting) when first needed. */
  securityToken: string | (() => Promise<string>);
  /** Default ENTSOE_BASE_URL. */
  baseUrl?: string;
  http?: HttpOptions;
}

/** The Transparency Platform as a DayAheadSource. */
export class EntsoeDayAheadClient implements DayAheadSource {
  readonly name = 'entsoe';

  constructor(private readonly config: EntsoeConfig) {}

  async fetchDay(deliveryDay: string, area: string): Promise<DayAheadFetch> {
    const eic = BIDDING_ZONE_EIC[area];
    if (!eic) throw new FeedError(`${FEED}: no EIC code known for bidding zone ${area}`, FEED);
    const token = typeof this.config.securityToken === 'string' ? this.config.securityToken : await this.config.securityToken();
    try {
      return await this.fetchWith(token, eic, deliveryDay, area);
    } catch (err) {
      throw redacted(err, token);
    }
  }

  private async fetchWith(token: string, eic: string, deliveryDay: string, area: string): Promise<DayAheadFetch> {
    const { startMs, endMs } = deliveryDayWindow(deliveryDay);
    const url = new URL(this.config.baseUrl ?? ENTSOE_BASE_URL);
    url.search = new URLSearchParams({
      securityToken: token,
      documentType: 'A44',
      in_Domain: eic,
      out_Domain: eic,
      periodStart: entsoePeriod(startMs),
      periodEnd: entsoePeriod(endMs),
    }).toString();
    const req = { feed: FEED, url, accept: 'application/xml' };
    const res = await requestText(req, this.config.http);
    const where = `${FEED} GET ${url.origin}${url.pathname}`;
    // A refusal (400, 401, …) usually carries an Acknowledgement whose reason says more than the status.
    const looksXml = /^\s*<[?A-Za-z_]/.test(res.text);
    if (res.status !== 200 && !(res.status >= 400 && looksXml)) throw statusError(req, res);
    let doc: EntsoeDocument;
    try {
      doc = parseEntsoeA44(res.text);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      if (res.status !== 200) throw statusError(req, res);
      throw new FeedError(`${where}: unusable answer: ${err.message}`, FEED, res.status);
    }
    if (doc.kind === 'acknowledgement') {
      if (isNoMatchingData(doc)) return { status: 'not-published', area, deliveryDay, detail: `${FEED}: ${doc.text}` };
      const reason = `acknowledgement ${doc.code || '(no code)'}: ${doc.text || '(no reason given)'}`;
      throw new FeedError(`${where}: HTTP ${res.status}, ${reason}`, FEED, res.status);
    }
    if (res.status !== 200) throw statusError(req, res);
    const prices = doc.prices.filter((p) => p.area === area && p.intervalStartMs >= startMs && p.intervalStartMs < endMs);
    const what = `${where}: ${WHAT}`;
    let intervalMinutes: 15 | 60;
    try {
      intervalMinutes = checkCoversDay(what, deliveryDay, prices);
    } catch (err) {
      if (err instanceof ValidationError) throw new FeedError(err.message, FEED, res.status);
      throw err;
    }
    const currencies = [...new Set(prices.map((p) => p.currency))];
    if (currencies.length !== 1) throw new FeedError(`${what}: the day mixes currencies ${currencies.join(', ')}`, FEED, res.status);
    return {
      status: 'published',
      day: { area, deliveryDay, currency: currencies[0]!, intervalMinutes, revision: { version: doc.revision, state: 'Final' }, prices },
    };
  }
}

/** A client whose token is read from the `ENTSOE_SECURITY_TOKEN` setting on first use. */
export function entsoeFromSettings(settings: SettingsReader, config: Omit<EntsoeConfig, 'securityToken'> = {}): EntsoeDayAheadClient {
  return new EntsoeDayAheadClient({ ...config, securityToken: () => settings.required(ENTSOE_TOKEN_SETTING) });
}

/** The error with every occurrence of the token (plain or URL-encoded) masked. */
function redacted(err: unknown, token: string): unknown {
  if (!(err instanceof Error) || token === '') return err;
  const forms = [...new Set([token, encodeURIComponent(token), new URLSearchParams({ t: token }).toString().slice(2)])];
  const mask = (s: string | undefined) => (s === undefined ? s : forms.reduce((acc, f) => acc.split(f).join('***'), s));
  if (!forms.some((f) => err.message.includes(f) || (err instanceof FeedError && err.bodyExcerpt?.includes(f)))) return err;
  if (err instanceof FeedError) return new FeedError(mask(err.message)!, err.feed, err.status, mask(err.bodyExcerpt));
  return new Error(mask(err.message));
}

/**
 * An A44 file as whole delivery days, one per area and CET/CEST day it covers. A partly covered day,
 * a day mixing currencies or an acknowledgement instead of a publication is a ValidationError.
 */
export function parseEntsoeDays(text: string): DayAheadDay[] {
  const doc = parseEntsoeA44(text);
  if (doc.kind === 'acknowledgement') {
    const message = `no prices: ${doc.code} ${doc.text}`.trim();
    throw new ValidationError(WHAT, [{ path: 'Acknowledgement_MarketDocument/Reason', message }]);
  }
  const groups = new Map<string, DayAheadPrice[]>();
  for (const p of doc.prices) {
    const key = `${p.area}|${deliveryDayOf(p.intervalStartMs)}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(p);
  }
  return [...groups.entries()].map(([key, prices]) => {
    const [area, deliveryDay] = key.split('|') as [string, string];
    const intervalMinutes = checkCoversDay(`${WHAT}, ${area}`, deliveryDay, prices);
    const currencies = [...new Set(prices.map((p) => p.currency))];
    if (currencies.length !== 1) {
      const message = `mixes ${currencies.join(', ')}`;
      throw new ValidationError(`${WHAT}, ${area} ${deliveryDay}`, [{ path: 'currency_Unit.name', message }]);
    }
    return { area, deliveryDay, currency: currencies[0]!, intervalMinutes, revision: { version: doc.revision, state: 'Final' }, prices };
  });
}
