/**
 * `switchyard backtest` (DESIGN §6): replays price, hashprice and load files through the live
 * policy and writes `summary.json`, `intervals.csv` and `report.html` into `--out`.
 */

import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { readSitesFile } from '#adapters/sites-file.ts';
import {
  type BacktestResult,
  DEFAULT_PRICE_LAG_MINUTES,
  DEFAULT_REACTION_LAG_SCED,
  DEFAULT_TIMING,
  engineWork,
  runBacktest,
  type Summary,
  summarize,
} from '#app/backtest/index.ts';
import { intervalCsv } from '#app/backtest/report-csv.ts';
import { renderHtmlReport } from '#app/backtest/report-html.ts';
import { type WalkForwardMonth, walkForwardForecaster, walkForwardMonthly } from '#app/forecast-fit.ts';
import { operatingDayHours } from '#domain/bids.ts';
import { lastPriceForecaster, type PriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { parseInstant } from '#domain/time.ts';
import { choiceFlag, parseFlags, requireFlag } from '../args.ts';
import { carbonSummaries, readIntensityFlags, shadowPricesFlag } from '../backtest-carbon.ts';
import {
  type BacktestFx,
  DEFAULT_EUR_USD,
  type NordPoolBacktestData,
  readBacktestFiles,
  readHashpriceFile,
  readNordPoolBacktestFiles,
} from '../backtest-files.ts';
import { type Command, UsageError } from './types.ts';

/** Products a curtailable load resource can be offered into. */
const AS_OFFER_PRODUCTS = ['RRS', 'ECRS', 'NSPIN'] as const;

export const FORECASTERS: Record<string, () => PriceForecaster> = {
  'spike-persistence': () => spikePersistenceForecaster(),
  'last-price': () => lastPriceForecaster,
};

/**
 * A `--from`/`--to` value: an ISO instant as given, or a day `YYYY-MM-DD` meaning local midnight at
 * the sites (the operating day a trader means).
 */
export function windowFlag(value: string | undefined, flag: string, timeZone: string): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const hours = Number.isFinite(Date.parse(`${value}T00:00:00Z`)) ? operatingDayHours(value, timeZone) : [];
    if (hours.length === 0) throw new UsageError(`--${flag} "${value}" is not a calendar day`);
    return hours[0]!;
  }
  const ms = parseInstant(value);
  if (!Number.isFinite(ms))
    throw new UsageError(`--${flag} must be a day such as 2024-07-01 or an ISO instant such as 2024-07-01T05:00:00Z (got "${value}")`);
  return ms;
}

/** A whole number of minutes or intervals, at least 0 and at most `max`, or the default when the flag is absent. */
function countFlag(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!(n <= max)) throw new UsageError(`--${flag} must be a whole number from 0 to ${max} (got "${value}")`);
  return n;
}

/** A Nord Pool backtest's summary says where its prices came from and which EUR→USD rate converted them. */
export interface NordPoolSummary {
  prices: { market: 'NORDPOOL'; area: string; days: NordPoolBacktestData['days'] };
  fx: BacktestFx;
}

/** A rate from `--eur-usd`: a positive decimal (USD per EUR). */
function rateFlag(value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n > 0)) throw new UsageError(`--eur-usd must be a positive number of USD per EUR, such as 1.08 (got "${value}")`);
  return n;
}

const fileList = (value: string | undefined) => (value ?? '').split(',').filter((f) => f !== '');

export interface BacktestOutputs {
  summary: Summary & { nordpool?: NordPoolSummary };
  result: BacktestResult;
  files: { summary: string; csv: string; html: string };
}

async function writeCsv(path: string, chunks: Iterable<string>): Promise<void> {
  const out = createWriteStream(path);
  for (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
}

/** Runs the command's work; `progress` shows a bar on stderr when it is a terminal. */
export async function backtestCommand(argv: string[], progress = process.stderr.isTTY === true): Promise<BacktestOutputs> {
  const flags = parseFlags(argv, {
    sites: { type: 'string' },
    rtm: { type: 'string' },
    dam: { type: 'string' },
    btc: { type: 'string' },
    load: { type: 'string' },
    'load-forecast': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    out: { type: 'string' },
    forecaster: { type: 'string' },
    'as-prices': { type: 'string' },
    'as-product': { type: 'string' },
    'price-lag-minutes': { type: 'string' },
    'reaction-lag-sced': { type: 'string' },
    rtm5: { type: 'string' },
    'walk-forward': { type: 'string' },
    'nordpool-json': { type: 'string' },
    'entsoe-xml': { type: 'string' },
    'ecb-fx-xml': { type: 'string' },
    'eur-usd': { type: 'string' },
    'shadow-carbon-prices': { type: 'string' },
    intensity: { type: 'string' },
    'fuel-mix': { type: 'string' },
  });
  // When a settlement price is known after its interval ends; the site agent's lag in SCED intervals.
  const priceLagMinutes = countFlag(flags['price-lag-minutes'], 'price-lag-minutes', DEFAULT_PRICE_LAG_MINUTES, 24 * 60);
  const reactionLagSced = countFlag(flags['reaction-lag-sced'], 'reaction-lag-sced', DEFAULT_REACTION_LAG_SCED, 288);
  const sitesPath = requireFlag(flags.sites, 'sites');
  const nordpoolFiles = { nordpoolJson: fileList(flags['nordpool-json']), entsoeXml: fileList(flags['entsoe-xml']) };
  if (nordpoolFiles.nordpoolJson.length > 0 || nordpoolFiles.entsoeXml.length > 0) {
    return nordPoolBacktest(flags, sitesPath, nordpoolFiles, { priceLagMinutes, reactionLagSced }, progress);
  }
  for (const flag of ['ecb-fx-xml', 'eur-usd'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} converts Nord Pool prices: give --nordpool-json or --entsoe-xml`);
  }
  const files = {
    rtm: requireFlag(flags.rtm, 'rtm'),
    dam: requireFlag(flags.dam, 'dam'),
    btc: requireFlag(flags.btc, 'btc'),
    load: flags.load,
    loadForecast: flags['load-forecast'],
    asPrices: flags['as-prices'],
    rtm5: flags.rtm5,
  };
  if (flags['as-product'] !== undefined && !files.asPrices) throw new UsageError('--as-product needs --as-prices');
  const asProduct = files.asPrices
    ? flags['as-product'] === undefined
      ? 'RRS'
      : choiceFlag(flags['as-product'], 'as-product', AS_OFFER_PRODUCTS)
    : null;
  const outDir = resolve(requireFlag(flags.out, 'out'));
  const { forecasterName, walkForward } = forecasterFlags(flags);
  const shadowPrices = shadowPricesFlag(flags['shadow-carbon-prices']);
  if (!shadowPrices && (flags.intensity ?? flags['fuel-mix']) !== undefined) {
    const flag = flags.intensity !== undefined ? 'intensity' : 'fuel-mix';
    throw new UsageError(`--${flag} is the grid intensity of --shadow-carbon-prices: give that flag too`);
  }
  const intensity = shadowPrices ? await readIntensityFlags(flags) : null;
  const sites = readSitesFile(sitesPath).sites;
  const tz = sites[0]!.timezone;
  const { from, to } = windowFlags(flags, tz);
  for (const s of sites) {
    if (s.market !== 'ERCOT')
      throw new UsageError(
        `--sites ${sitesPath}: site "${s.id}" is in market ${s.market}; the backtest files are ERCOT` +
          (s.market === 'NORDPOOL' ? ' (give a NORDPOOL site --nordpool-json or --entsoe-xml)' : ''),
      );
    if (s.fourCp.enabled && !(files.load && files.loadForecast)) {
      throw new UsageError(`--sites ${sitesPath}: site "${s.id}" has 4CP enabled: give --load (actual system load) and --load-forecast`);
    }
  }
  const nodes = [...new Set(sites.map((s) => s.settlementPoint!))];
  if (nodes.length > 1)
    throw new UsageError(`--sites ${sitesPath}: all sites must settle at one point for one --rtm file (got ${nodes.join(', ')})`);
  const data = readBacktestFiles(files, nodes);
  if (data.asRejects)
    process.stderr.write(`switchyard backtest: --as-prices ${files.asPrices}: ${data.asRejects} row(s) skipped (see the file's gaps)\n`);
  if (data.rt.length === 0) throw new UsageError(`--rtm ${files.rtm}: no prices for ${nodes[0]}`);
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const p of data.rt) {
    first = Math.min(first, p.intervalStartMs);
    last = Math.max(last, p.intervalStartMs + p.intervalMinutes * 60_000);
  }
  const fromMs = from ?? first;
  const toMs = to ?? last;
  return runAndWrite(
    {
      sites,
      data,
      fromMs,
      toMs,
      tz,
      outDir,
      forecasterName,
      walkForward,
      asProduct,
      priceLagMinutes,
      reactionLagSced,
      ...(shadowPrices && intensity ? { carbon: { shadowPrices, intensity } } : {}),
    },
    progress,
  );
}

/** --forecaster and --walk-forward, checked together (a walk-forward refits the spike-persistence forecaster only). */
function forecasterFlags(flags: Record<string, string | undefined>): { forecasterName: string; walkForward: 'monthly' | null } {
  const forecasterName =
    flags.forecaster === undefined ? 'spike-persistence' : choiceFlag(flags.forecaster, 'forecaster', Object.keys(FORECASTERS));
  const walkForward = flags['walk-forward'] === undefined ? null : choiceFlag(flags['walk-forward'], 'walk-forward', ['monthly'] as const);
  if (walkForward && forecasterName !== 'spike-persistence') {
    throw new UsageError('--walk-forward refits the spike-persistence forecaster: drop --forecaster or give spike-persistence');
  }
  return { forecasterName, walkForward };
}

/** --from and --to in the sites' time zone; either may be absent, but not the wrong way round. */
function windowFlags(flags: Record<string, string | undefined>, tz: string): { from: number | undefined; to: number | undefined } {
  const from = windowFlag(flags.from, 'from', tz);
  const to = windowFlag(flags.to, 'to', tz);
  if (from !== undefined && to !== undefined && to <= from) throw new UsageError('--to must be after --from');
  return { from, to };
}

interface RunSpec {
  sites: Site[];
  data: ReturnType<typeof readBacktestFiles>;
  fromMs: number;
  toMs: number;
  tz: string;
  outDir: string;
  forecasterName: string;
  walkForward: 'monthly' | null;
  asProduct: (typeof AS_OFFER_PRODUCTS)[number] | null;
  priceLagMinutes: number;
  reactionLagSced: number;
  /** Added to summary.json. */
  nordpool?: NordPoolSummary;
  /** The shadow carbon prices swept ($/tCO2) and the grid intensity they apply to. */
  carbon?: { shadowPrices: number[]; intensity: NonNullable<Awaited<ReturnType<typeof readIntensityFlags>>> };
}

/** The backtest of a NORDPOOL site: its day-ahead prices are what it pays, so they are both the settlement and the day-ahead series. */
function nordPoolBacktest(
  flags: Record<string, string | undefined>,
  sitesPath: string,
  priceFiles: { nordpoolJson: string[]; entsoeXml: string[] },
  lags: { priceLagMinutes: number; reactionLagSced: number },
  progress: boolean,
): Promise<BacktestOutputs> {
  for (const flag of ['rtm', 'dam', 'rtm5', 'as-prices', 'as-product', 'load', 'load-forecast'] as const) {
    if (flags[flag] !== undefined) throw new UsageError(`--${flag} is an ERCOT file; a Nord Pool backtest takes none`);
  }
  if (flags['ecb-fx-xml'] !== undefined && flags['eur-usd'] !== undefined) {
    throw new UsageError('--eur-usd is the rate used without --ecb-fx-xml: give one of them');
  }
  const btc = requireFlag(flags.btc, 'btc');
  const outDir = resolve(requireFlag(flags.out, 'out'));
  const { forecasterName, walkForward } = forecasterFlags(flags);
  const sites = readSitesFile(sitesPath).sites;
  for (const s of sites) {
    if (s.market !== 'NORDPOOL') {
      throw new UsageError(
        `--sites ${sitesPath}: site "${s.id}" is in market ${s.market}; --nordpool-json and --entsoe-xml are Nord Pool prices`,
      );
    }
  }
  const areas = [...new Set(sites.map((s) => s.settlementPoint!))];
  if (areas.length > 1) throw new UsageError(`--sites ${sitesPath}: all sites must be in one bidding zone (got ${areas.join(', ')})`);
  const area = areas[0]!;
  const eurUsd = flags['eur-usd'] === undefined ? DEFAULT_EUR_USD : rateFlag(flags['eur-usd']);
  const np = readNordPoolBacktestFiles(
    { ...priceFiles, ecbFxXml: flags['ecb-fx-xml'], eurUsd, eurUsdGiven: flags['eur-usd'] !== undefined },
    area,
  );
  const data = {
    // Nord Pool sites pay the day-ahead price of each quarter-hour: it is their settlement price too.
    rt: np.points.map((p) => ({ ...p, kind: 'RT' as const })),
    da: np.points,
    hashprice: readHashpriceFile(btc),
  };
  const tz = sites[0]!.timezone;
  const { from, to } = windowFlags(flags, tz);
  const fromMs = from ?? np.points[0]!.intervalStartMs;
  const toMs = to ?? np.points.at(-1)!.intervalStartMs + 15 * 60_000;
  return runAndWrite(
    {
      sites,
      data,
      fromMs,
      toMs,
      tz,
      outDir,
      forecasterName,
      walkForward,
      asProduct: null,
      ...lags,
      nordpool: { prices: { market: 'NORDPOOL', area, days: np.days }, fx: np.fx },
    },
    progress,
  );
}

async function runAndWrite(spec: RunSpec, progress: boolean): Promise<BacktestOutputs> {
  const { sites, data, fromMs, toMs, tz, outDir, forecasterName, walkForward, asProduct, priceLagMinutes, reactionLagSced } = spec;
  const intervals = data.rt.filter((p) => p.intervalStartMs >= fromMs && p.intervalStartMs < toMs).length;
  if (intervals === 0) throw new UsageError(`no real-time prices between --from and --to`);
  // Each month's parameters fitted on the files' data published before the month began.
  let months: WalkForwardMonth[] | null = null;
  if (walkForward) {
    const log = progress ? (s: string) => process.stderr.write(`${s}\n`) : undefined;
    const timing = { ...DEFAULT_TIMING, priceLagMinutes };
    months = walkForwardMonthly(data, fromMs, toMs, { timeZone: tz, timing, ...(log ? { log } : {}) });
  }
  const forecaster = months ? walkForwardForecaster(months) : FORECASTERS[forecasterName]!();
  let bar: cliProgress.SingleBar | null = null;
  if (progress) {
    bar = new cliProgress.SingleBar(
      {
        format: 'backtest [{bar}] {percentage}% | {value}/{total} load-intervals | {eta_formatted} left',
        stream: process.stderr,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    // The engine policies run twice unless the forecaster is the last price (the second pass is the comparison).
    bar.start(engineWork(sites, intervals) * (forecaster === lastPriceForecaster ? 1 : 2), 0);
  }
  let result: BacktestResult;
  try {
    result = runBacktest({
      sites,
      data,
      fromMs,
      toMs,
      forecaster,
      record: true,
      compareLastPrice: true,
      ...(months ? { walkForward: months } : {}),
      timing: { priceLagMinutes },
      reactionLagSced,
      ...(asProduct ? { ancillary: { product: asProduct } } : {}),
      ...(bar ? { onProgress: (n: number) => bar!.increment(n) } : {}),
    });
  } finally {
    bar?.stop();
  }
  const summary = spec.nordpool ? { ...summarize(result), nordpool: spec.nordpool } : summarize(result);
  if (spec.carbon) {
    const carbon = carbonSummaries(result, data, spec.carbon.intensity, spec.carbon.shadowPrices, forecaster);
    summary.sites.forEach((s, k) => (s.carbon = carbon[k]!));
  }
  mkdirSync(outDir, { recursive: true });
  const out = { summary: join(outDir, 'summary.json'), csv: join(outDir, 'intervals.csv'), html: join(outDir, 'report.html') };
  writeFileSync(out.summary, `${JSON.stringify(summary, null, 2)}\n`);
  await writeCsv(out.csv, intervalCsv(result));
  writeFileSync(out.html, renderHtmlReport(result, summary));
  return { summary, result, files: out };
}

export const backtest: Command = {
  name: 'backtest',
  summary: 'replay market data through the engine and compare policies (summary.json, intervals.csv, report.html)',
  usage:
    'switchyard backtest --sites <file> --rtm <csv> --dam <csv> --btc <csv> [--load <csv>] [--load-forecast <csv>] [--from <date>] [--to <date>] --out <dir> ' +
    '[--forecaster spike-persistence|last-price] [--as-prices <hub-hourly-csv> [--as-product RRS|ECRS|NSPIN]] ' +
    `[--price-lag-minutes N (minutes after its interval a settlement price is known; default ${DEFAULT_PRICE_LAG_MINUTES}: ERCOT posts it after the interval)] ` +
    `[--reaction-lag-sced K (SCED intervals before the site acts on a 5-minute price; default ${DEFAULT_REACTION_LAG_SCED})] [--rtm5 <NP6-788-CD csv>] ` +
    '[--walk-forward monthly (refit the forecaster each month on the data published before it)] ' +
    '[--shadow-carbon-prices 0,25,50,100 (sweep $/tCO2: the trade-off of net margin against tCO2) ' +
    '--intensity <interval_start_utc,lb_co2_per_mwh csv> | --fuel-mix <ERCOT IntGenbyFuel xlsx>]\n' +
    '       switchyard backtest --sites <NORDPOOL sites> --nordpool-json <file,…> | --entsoe-xml <file,…> --btc <csv> --out <dir> ' +
    `[--ecb-fx-xml <eurofxref file> | --eur-usd R (USD per EUR when no rates file is given; default ${DEFAULT_EUR_USD})] [--from] [--to] [--forecaster]`,
  async run(argv) {
    const { summary, files } = await backtestCommand(argv);
    for (const s of summary.sites) {
      const cr = Object.entries(s.captureRatio)
        .map(([p, v]) => `${p} ${v.toFixed(4)}`)
        .join(', ');
      const bound = Object.entries(s.policies)
        .filter(([, v]) => v?.upperBound)
        .map(([p]) => p);
      const h = s.headline ? s.captureVsLastPrice?.[s.headline] : undefined;
      const vs = h ? `; ${s.headline} − last price ${h.delta.toFixed(4)} [${h.low.toFixed(4)}, ${h.high.toFixed(4)}]` : '';
      const bounds = bound.length ? ` (upper bounds: ${bound.join(', ')})` : '';
      process.stdout.write(`${s.siteId}: ${s.intervals} intervals; capture ${cr}; headline ${s.headline ?? '-'}${bounds}${vs}\n`);
    }
    if (summary.nordpool) process.stdout.write(`${fxLine(summary.nordpool.fx)}\n`);
    process.stdout.write(`wrote ${files.summary}\n      ${files.csv}\n      ${files.html}\n`);
    return 0;
  },
};

/** Which EUR→USD rate the prices were converted with, as the command prints it. */
export function fxLine(fx: BacktestFx): string {
  if (fx.source === 'fixed') {
    return `EUR→USD: fixed ${fx.eurUsd} (${fx.from === 'default' ? 'the default; --eur-usd or --ecb-fx-xml to change it' : '--eur-usd'})`;
  }
  const rates = [...new Set(fx.days.map((d) => `${d.rateDay} ${d.eurUsd}`))].join(', ');
  return `EUR→USD: ECB reference rates from ${fx.file}, each delivery day at the rate out at its start (${rates})`;
}
