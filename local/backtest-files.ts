/**
 * Reads the backtest's input files (the providers' published layouts) into market data, naming
 * the flag and file in every error.
 */
import { readFileSync } from 'node:fs';
import { hashpricePointsFromNetwork, parseBtcNetworkCsv } from '#adapters/feeds/btc-network.ts';
import {
  parseErcotDamCsv,
  parseErcotLoadForecastCsv,
  parseErcotNativeLoadCsv,
  parseErcotRtmCsv,
  parseHubHourlyCsv,
} from '#adapters/feeds/ercot-mis.ts';
import { parseErcotScedLmpCsv } from '#adapters/feeds/ercot-sced-lmp.ts';
import type { BacktestMarketData, ScedLmpPoint } from '#app/backtest/index.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { ValidationError } from '#domain/errors.ts';
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
