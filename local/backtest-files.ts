/**
 * Reads the backtest's input files (the providers' published layouts) into market data, naming
 * the flag and file in every error.
 */
import { readFileSync } from 'node:fs';
import { hashpricePointsFromNetwork, parseBtcNetworkCsv } from '#adapters/feeds/btc-network.ts';
import { compareRevisions, type DayAheadDay, deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import { parseEcbRates, rateOn } from '#adapters/feeds/ecb-fx.ts';
import { parseEntsoeDays } from '#adapters/feeds/entsoe.ts';
import {
  parseErcotDamCsv,
  parseErcotLoadForecastCsv,
  parseErcotNativeLoadCsv,
  parseErcotRtmCsv,
  parseHubHourlyCsv,
} from '#adapters/feeds/ercot-mis.ts';
import { parseErcotScedLmpCsv } from '#adapters/feeds/ercot-sced-lmp.ts';
import { parseNordPoolDayAhead } from '#adapters/feeds/nordpool.ts';
import type { BacktestMarketData, ScedLmpPoint } from '#app/backtest/index.ts';
import { DAY_AHEAD_MARKET } from '#app/day-ahead.ts';
import { latestRateDayKnownAt } from '#app/market-view.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { ValidationError } from '#domain/errors.ts';
import { MINUTE_MS } from '#domain/time.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { UsageError } from './commands/types.ts';

export interface BacktestFiles {
  rtm: string;
  dam: string;
  btc: string;
  load?: string | undefined;
  loadForecast?: string | undefined;
  /** Hub hourly layout with ancillary-service clearing prices (MCPC). */
  asPrices?: string | undefined;
  /** 5-minute LMPs, ERCOT NP6-788-CD (`SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP`). */
  rtm5?: string | undefined;
}

/**
 * The 5-minute prices the backtest uses, from the points the NP6-788-CD reader gives (SCED
 * timestamps already in UTC, the repeated fall-back hour resolved): those of the settlement points
 * asked for, in time order.
 */
export function fiveMinutePrices(points: readonly ScedLmpPoint[], settlementPoints?: readonly string[]): ScedLmpPoint[] {
  const wanted = settlementPoints ? new Set(settlementPoints) : null;
  return points
    .filter((p) => (wanted === null || wanted.has(p.settlementPoint)) && Number.isFinite(p.scedMs))
    .sort((a, b) => a.scedMs - b.scedMs);
}

/** Reads a file for a flag; a missing or unreadable file is a usage error naming the flag. */
function read(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(
      `--${flag} ${path}: ${code === 'ENOENT' ? 'file not found' : `cannot be read (${code ?? (err as Error).message})`}`,
    );
  }
}

/** Runs a parser; its ValidationError (which names the line and field) is prefixed with the flag and file. */
function parse<T>(flag: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError) throw new ValidationError(`--${flag} ${path}: ${err.what}`, err.issues);
    throw err;
  }
}

/** The hashprice series of a `--btc` file (daily network data); errors name the flag, file and line. */
export function readHashpriceFile(path: string): HashpriceSeries {
  const days = parse('btc', path, () => parseBtcNetworkCsv(read('btc', path))).points;
  return new HashpriceSeries(hashpricePointsFromNetwork(days));
}

export function readBacktestFiles(files: BacktestFiles, settlementPoints?: readonly string[]): BacktestMarketData & { asRejects?: number } {
  const opts = settlementPoints ? { settlementPoints } : {};
  const rt = parse('rtm', files.rtm, () => parseErcotRtmCsv(read('rtm', files.rtm), opts)).points;
  const da = parse('dam', files.dam, () => parseErcotDamCsv(read('dam', files.dam), opts)).points;
  const days = parse('btc', files.btc, () => parseBtcNetworkCsv(read('btc', files.btc))).points;
  const data: BacktestMarketData & { asRejects?: number } = { rt, da, hashprice: new HashpriceSeries(hashpricePointsFromNetwork(days)) };
  if (files.load) {
    const path = files.load;
    data.loadActual = parse('load', path, () => parseErcotNativeLoadCsv(read('load', path))).points;
  }
  if (files.loadForecast) {
    const path = files.loadForecast;
    data.loadForecast = parse('load-forecast', path, () => parseErcotLoadForecastCsv(read('load-forecast', path))).points;
  }
  if (files.asPrices) {
    const path = files.asPrices;
    // Clearing prices are system-wide; rows the parser cannot place (the file's own gaps) are skipped and reported.
    const r = parse('as-prices', path, () => parseHubHourlyCsv(read('as-prices', path), { skipBadRows: true }));
    data.asPrices = r.asPrices;
    data.asRejects = r.rejects.length;
  }
  if (files.rtm5) {
    const path = files.rtm5;
    const points = parse('rtm5', path, () => parseErcotScedLmpCsv(read('rtm5', path), opts)).points;
    const lmps = points.map((p) => ({ scedMs: p.scedTimestampMs, settlementPoint: p.node, lmp: p.lmpUsdPerMwh }));
    data.rt5 = fiveMinutePrices(lmps, settlementPoints);
  }
  return data;
}

/**
 * EUR→USD when a Nord Pool backtest is given no ECB rates file (`--eur-usd` overrides it): about the
 * ECB reference rate's 2024 average (1.0824). A fixed rate ignores the currency's own swings, so
 * the summary says which rate was used.
 */
export const DEFAULT_EUR_USD = 1.08;

export interface NordPoolBacktestFiles {
  /** Nord Pool DayAheadPrices JSON files (a response, or an array of them). */
  nordpoolJson: readonly string[];
  /** ENTSO-E A44 XML files; where a day is in both, Nord Pool's wins (the live chain's order). */
  entsoeXml: readonly string[];
  /** An ECB eurofxref file (daily or history); without it every day uses `eurUsd`. */
  ecbFxXml?: string | undefined;
  eurUsd: number;
  /** Whether `eurUsd` was given (`--eur-usd`) or is DEFAULT_EUR_USD. */
  eurUsdGiven: boolean;
}

/** Which EUR→USD rate converted the prices, as summary.json reports it. */
export type BacktestFx =
  | { source: 'fixed'; eurUsd: number; from: '--eur-usd' | 'default' }
  | {
      source: 'ecb-fx-xml';
      file: string;
      /** Each delivery day's rate: the latest ECB reference rate out at the day's start (≈ 16:00 CET the day before). */
      days: { deliveryDay: string; rateDay: string; eurUsd: number }[];
    };

export interface NordPoolBacktestData {
  /** Quarter-hour prices in USD (hours before delivery day 2025-10-01 given as four quarter-hours each), ascending. */
  points: PricePoint[];
  fx: BacktestFx;
  /** Each delivery day, where it came from and its currency. */
  days: { deliveryDay: string; source: 'nordpool-json' | 'entsoe-xml'; currency: string; intervals: number; revision: string }[];
}

const QUARTER_MS = 15 * MINUTE_MS;

/**
 * The day-ahead prices of one bidding zone from Nord Pool and ENTSO-E files, in USD per MWh at the
 * rate of each delivery day known at its start. Errors name the flag and file (and, from the
 * readers, the line and field); a day with no rate in the rates file is a usage error naming it.
 */
export function readNordPoolBacktestFiles(files: NordPoolBacktestFiles, area: string): NordPoolBacktestData {
  const byDay = new Map<string, { day: DayAheadDay; source: 'nordpool-json' | 'entsoe-xml' }>();
  const add = (source: 'nordpool-json' | 'entsoe-xml', days: DayAheadDay[]) => {
    for (const day of days.filter((d) => d.area === area)) {
      const had = byDay.get(day.deliveryDay);
      const replaces = !had || (had.source === source && compareRevisions(day.revision, had.day.revision) > 0);
      if (replaces) byDay.set(day.deliveryDay, { day, source });
    }
  };
  for (const path of files.nordpoolJson)
    add(
      'nordpool-json',
      parse('nordpool-json', path, () => parseNordPoolDayAhead(read('nordpool-json', path))),
    );
  for (const path of files.entsoeXml)
    add(
      'entsoe-xml',
      parse('entsoe-xml', path, () => parseEntsoeDays(read('entsoe-xml', path))),
    );
  if (byDay.size === 0) {
    const given = [...files.nordpoolJson, ...files.entsoeXml].join(', ');
    throw new UsageError(`--nordpool-json / --entsoe-xml ${given}: no day-ahead prices for ${area}`);
  }

  const path = files.ecbFxXml;
  const rates = path ? parse('ecb-fx-xml', path, () => parseEcbRates(read('ecb-fx-xml', path))) : undefined;
  const fxDays: { deliveryDay: string; rateDay: string; eurUsd: number }[] = [];
  const points: PricePoint[] = [];
  const days: NordPoolBacktestData['days'] = [];
  for (const deliveryDay of [...byDay.keys()].sort()) {
    const { day, source } = byDay.get(deliveryDay)!;
    let rate = 1;
    if (day.currency === 'EUR') {
      if (rates) {
        const knownDay = latestRateDayKnownAt(deliveryDayWindow(deliveryDay).startMs);
        const r = rateOn(rates, knownDay, 'USD');
        if (!r)
          throw new UsageError(
            `--ecb-fx-xml ${path}: no USD rate on or within a week before ${knownDay} (for delivery day ${deliveryDay})`,
          );
        fxDays.push({ deliveryDay, rateDay: r.publishedFor, eurUsd: r.rate });
        rate = r.rate;
      } else rate = files.eurUsd;
    } else if (day.currency !== 'USD') {
      throw new UsageError(`--${source} ${deliveryDay} ${area}: prices in ${day.currency}; the backtest converts EUR (or takes USD)`);
    }
    days.push({
      deliveryDay,
      source,
      currency: day.currency,
      intervals: day.prices.length,
      revision: `${day.revision.state} version ${day.revision.version}`,
    });
    for (const p of day.prices) {
      // A Nord Pool site decides quarter-hours: an hourly price holds for each of its four.
      for (let t = p.intervalStartMs; t < p.intervalStartMs + p.intervalMinutes * MINUTE_MS; t += QUARTER_MS) {
        points.push({
          market: DAY_AHEAD_MARKET,
          node: area,
          kind: 'DA',
          intervalStartMs: t,
          intervalMinutes: 15,
          priceUsdPerMwh: p.price * rate,
          currency: 'USD',
        });
      }
    }
  }
  const fx: BacktestFx = path
    ? { source: 'ecb-fx-xml', file: path, days: fxDays }
    : { source: 'fixed', eurUsd: files.eurUsd, from: files.eurUsdGiven ? '--eur-usd' : 'default' };
  return { points, fx, days };
}
