/**
 * ECB euro foreign exchange reference rates, `eurofxref-daily.xml` (the latest day) and
 * `eurofxref-hist.xml` (every day since 1999), both
 *
 *   <gesmes:Envelope …><Cube><Cube time="2024-06-14"><Cube currency="USD" rate="1.0697"/>…</Cube>…</Cube></gesmes:Envelope>
 *
 * A rate is units of the currency per euro. The ECB publishes around 16:00 CET on TARGET business
 * days only; a weekend or a TARGET holiday (New Year, Good Friday, Easter Monday, 1 May, 25–26
 * December) has no rate of its own, and `rateOn` gives it the latest earlier one.
 */
import { ValidationError } from '#domain/errors.ts';
import { DAY_MS, parseUtcDay } from '#domain/time.ts';
import { parseDecimal } from './csv.ts';
import { FeedError, type HttpOptions } from './http.ts';
import { requestText, statusError } from './http-text.ts';
import { children, parseXml, type XmlNode } from './xml.ts';

export const ECB_DAILY_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml';
export const ECB_HISTORY_URL = 'https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.xml';

const WHAT = 'ECB reference rates XML';
const FEED = 'ECB';
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** One TARGET day's reference rates. */
export interface EcbRateDay {
  /** YYYY-MM-DD. */
  date: string;
  /** Units of each currency per euro, e.g. `{ USD: 1.0697, NOK: 11.523 }`. */
  perEur: Readonly<Record<string, number>>;
}

/** Parses either file into days ascending; errors name the line, the element and the attribute at fault. */
export function parseEcbRates(text: string): EcbRateDay[] {
  const doc = parseXml(text, WHAT, ['Cube'], { attributes: true });
  const fail = (node: XmlNode, path: string, message: string): never => {
    const line = doc.lineOf(node);
    throw new ValidationError(line ? `${WHAT}, line ${line}` : WHAT, [{ path, message }]);
  };
  if (doc.rootName !== 'Envelope') fail(doc.root, doc.rootName, 'expected a gesmes:Envelope');
  const outer = children(doc.root, 'Cube');
  if (outer.length !== 1) fail(doc.root, 'Envelope/Cube', `expected one Cube holding the days, found ${outer.length}`);

  const seen = new Set<string>();
  const days = children(outer[0]!, 'Cube').map((dayCube, i): EcbRateDay => {
    const at = `Cube/Cube[${i + 1}]`;
    const date = dayCube['@_time'];
    if (typeof date !== 'string' || !DAY.test(date) || Number.isNaN(parseUtcDay(date))) {
      fail(dayCube, `${at}/@time`, `"${String(date ?? '')}" is not a day (YYYY-MM-DD)`);
    }
    if (seen.has(date as string)) fail(dayCube, `${at}/@time`, `${date} appears twice`);
    seen.add(date as string);
    const perEur: Record<string, number> = {};
    children(dayCube, 'Cube').forEach((rateCube, k) => {
      const rAt = `${at}/Cube[${k + 1}]`;
      const currency = rateCube['@_currency'];
      if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
        fail(rateCube, `${rAt}/@currency`, `"${String(currency ?? '')}" is not an ISO 4217 code`);
      }
      const rateText = typeof rateCube['@_rate'] === 'string' ? (rateCube['@_rate'] as string) : '';
      const rate = parseDecimal(rateText);
      if (!(rate > 0)) fail(rateCube, `${rAt}/@rate`, `${currency}: "${rateText}" is not a positive number`);
      if ((currency as string) in perEur) fail(rateCube, `${rAt}/@currency`, `${currency} appears twice on ${date}`);
      perEur[currency as string] = rate;
    });
    return { date: date as string, perEur };
  });
  return days.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

export interface RateOnDay {
  /** Units of the currency per euro. */
  rate: number;
  /** The TARGET day the rate was published for: `day` itself, or the latest earlier one. */
  publishedFor: string;
}

/**
 * The reference rate that applies on `day`: that day's, or for a day without one (a weekend, a
 * TARGET holiday) the latest earlier published rate, but not one older than `maxAgeDays` (the
 * longest regular gap, Good Friday to Easter Monday, is 4 days). Null when there is none.
 * `days` must be ascending, as parseEcbRates returns them.
 */
export function rateOn(days: readonly EcbRateDay[], day: string, currency = 'USD', maxAgeDays = 7): RateOnDay | null {
  let lo = 0;
  let hi = days.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (days[mid]!.date <= day) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = found; i >= 0; i--) {
    const d = days[i]!;
    if ((parseUtcDay(day) - parseUtcDay(d.date)) / DAY_MS > maxAgeDays) return null;
    const rate = d.perEur[currency];
    if (rate !== undefined) return { rate, publishedFor: d.date };
  }
  return null;
}

export interface EcbConfig {
  dailyUrl?: string;
  historyUrl?: string;
  http?: HttpOptions;
}

/** Fetches the ECB files. */
export class EcbRatesClient {
  constructor(private readonly config: EcbConfig = {}) {}

  /** The latest published day. */
  daily(): Promise<EcbRateDay[]> {
    return this.fetch(this.config.dailyUrl ?? ECB_DAILY_URL);
  }

  /** Every published day (several megabytes). */
  history(): Promise<EcbRateDay[]> {
    return this.fetch(this.config.historyUrl ?? ECB_HISTORY_URL);
  }

  private async fetch(href: string): Promise<EcbRateDay[]> {
    const req = { feed: FEED, url: new URL(href), accept: 'application/xml, text/xml' };
    const res = await requestText(req, this.config.http);
    if (res.status !== 200) throw statusError(req, res);
    try {
      return parseEcbRates(res.text);
    } catch (err) {
      if (err instanceof ValidationError) {
        throw new FeedError(`${FEED} GET ${req.url.origin}${req.url.pathname}: unusable answer: ${err.message}`, FEED, res.status);
      }
      throw err;
    }
  }
}
