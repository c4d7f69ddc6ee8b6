/**
 * ERCOT files in their published layouts (../shared/data/README.md), converted to UTC intervals:
 *
 * - RTM settlement point prices, MIS NP6-905-CD: 15-minute, hour-ending + interval, `DSTFlag`.
 * - DAM settlement point prices, MIS NP4-190-CD: hourly, `HourEnding` "01:00".."24:00".
 * - Native load archive: `Hour Ending` "MM/DD/YYYY HH:MM", "24:00" ends a day, "02:00 DST" is the
 *   repeated fall-back hour.
 * - Day-ahead load forecast: `interval_start_utc`.
 * - Hub hourly (plain layout): DA SPP, hourly mean of the RT SPPs, AS clearing prices.
 *
 * Each layout is data (its columns, how a row says when it is, its value columns); ercot-rows.ts
 * reads them all with one row loop and one DST-aware conversion. Local labels are Central
 * Prevailing Time: spring-forward days have 92 RT intervals (hour-ending 3 does not exist),
 * fall-back days 100 (hour-ending 2 twice, the second pass `DSTFlag=Y`). Files that number the
 * fall-back day's hours 1..25 instead are recognised per day.
 *
 * A bad row throws a ValidationError naming the line and field, unless `skipBadRows`, where every
 * rejected row is listed in `rejects`. Nothing here uses Intl: see cpt.ts.
 */
import type { FeedParseOptions, FeedParseResult } from '#ports/feeds.ts';
import type { AsPricePoint, AsPriceProduct, PriceKind, PricePoint, SystemLoadKind, SystemLoadPoint } from '#ports/market-data.ts';
import { checkPrice } from './csv.ts';
import { DAM_SPP_REPORT, NATIVE_LOAD_ARCHIVE, RTM_SPP_REPORT } from './ercot-reports.ts';
import {
  csvTable,
  type ErcotLayout,
  ErcotReader,
  type ErcotSeries,
  HOUR_ENDING,
  HOUR_ENDING_STAMP,
  type ReadOptions,
  UTC_START,
  type ValueColumn,
} from './ercot-rows.ts';

export { checkPrice, MAX_ABS_PRICE_USD_PER_MWH } from './csv.ts';
export { ERCOT } from './ercot-rows.ts';

export interface ErcotPriceParseOptions extends FeedParseOptions {
  /** When given, a row for any other settlement point is rejected. */
  settlementPoints?: readonly string[];
}

function checkLoadMw(v: number): string | null {
  return v > 0 && v < 1_000_000 ? null : `${v} MW is not a plausible system load`;
}

const price = <K extends string>(field: ValueColumn<K>['field'], kind: K): ValueColumn<K> => ({ field, kind, check: checkPrice });

/** Reads one CSV text of a layout. */
export function readErcotCsv<K extends string>(text: string, layout: ErcotLayout<K>, opts: ReadOptions = {}): ErcotSeries<K> {
  const reader = new ErcotReader(layout, opts);
  reader.read(csvTable(text, layout));
  return reader.finish();
}

/** Settlement point prices of one kind as PricePoints. */
export function pricePoints(done: ErcotSeries<PriceKind>, intervalMinutes: number, inWindow?: (startMs: number) => boolean): PricePoint[] {
  const points: PricePoint[] = [];
  for (const { key, points: values } of done.series) {
    for (const p of values) {
      if (inWindow && !inWindow(p.startMs)) continue;
      const { market, kind } = key;
      points.push({ market, node: key.node!, kind, intervalStartMs: p.startMs, intervalMinutes, priceUsdPerMwh: p.value });
    }
  }
  return points;
}

function priceResult(done: ErcotSeries<PriceKind>, intervalMinutes: number): FeedParseResult<PricePoint> {
  const { rejects, gaps, rows, duplicates } = done;
  return { points: pricePoints(done, intervalMinutes), rejects, gaps, rows, duplicates };
}

/** NP6-905-CD in the MIS layout. */
export const RTM_CSV_LAYOUT: ErcotLayout<PriceKind> = {
  what: 'ERCOT RTM CSV',
  product: RTM_SPP_REPORT,
  columns: {
    deliveryDate: 'DeliveryDate',
    hourEnding: 'DeliveryHour',
    interval: 'DeliveryInterval',
    settlementPoint: 'SettlementPointName',
    settlementPointType: 'SettlementPointType',
    settlementPointPrice: 'SettlementPointPrice',
    repeatedHour: 'DSTFlag',
  },
  time: HOUR_ENDING,
  values: [price('settlementPointPrice', 'RT')],
  intervalMinutes: 15,
  gapsOver: 'days',
};

/** Real-time 15-minute settlement point prices in the MIS layout (NP6-905-CD). */
export function parseErcotRtmCsv(text: string, opts: ErcotPriceParseOptions = {}): FeedParseResult<PricePoint> {
  return priceResult(readErcotCsv(text, RTM_CSV_LAYOUT, opts), RTM_CSV_LAYOUT.intervalMinutes);
}

/** NP4-190-CD in the MIS layout. */
export const DAM_CSV_LAYOUT: ErcotLayout<PriceKind> = {
  what: 'ERCOT DAM CSV',
  product: DAM_SPP_REPORT,
  columns: {
    deliveryDate: 'DeliveryDate',
    hourEndingLabel: 'HourEnding',
    settlementPoint: 'SettlementPoint',
    settlementPointPrice: 'SettlementPointPrice',
    repeatedHour: 'DSTFlag',
  },
  time: HOUR_ENDING,
  values: [price('settlementPointPrice', 'DA')],
  intervalMinutes: 60,
  gapsOver: 'days',
};

/** Day-ahead hourly settlement point prices in the MIS layout (NP4-190-CD). */
export function parseErcotDamCsv(text: string, opts: ErcotPriceParseOptions = {}): FeedParseResult<PricePoint> {
  return priceResult(readErcotCsv(text, DAM_CSV_LAYOUT, opts), DAM_CSV_LAYOUT.intervalMinutes);
}

function loadResult(done: ErcotSeries<SystemLoadKind>): FeedParseResult<SystemLoadPoint> {
  const points: SystemLoadPoint[] = [];
  for (const { key, points: values } of done.series) {
    const { market, kind } = key;
    for (const p of values) points.push({ market, kind, intervalStartMs: p.startMs, intervalMinutes: 60, mw: p.value });
  }
  const { rejects, gaps, rows, duplicates } = done;
  return { points, rejects, gaps, rows, duplicates };
}

/** The native load archive: weather zones, then the `ERCOT` system total, MW. */
const NATIVE_LOAD_LAYOUT: ErcotLayout<SystemLoadKind> = {
  what: 'ERCOT native load CSV',
  product: NATIVE_LOAD_ARCHIVE,
  columns: { hourEndingStamp: 'Hour Ending', systemLoad: 'ERCOT' },
  time: HOUR_ENDING_STAMP,
  values: [{ field: 'systemLoad', kind: 'ACTUAL', check: checkLoadMw }],
  intervalMinutes: 60,
  gapsOver: 'days',
};

/**
 * ERCOT's hourly native load archive: `Hour Ending` "MM/DD/YYYY HH:MM"
 * ("24:00" ends the day, the repeated fall-back hour "02:00 DST"), system total in the `ERCOT` column, MW.
 */
export function parseErcotNativeLoadCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<SystemLoadPoint> {
  return loadResult(readErcotCsv(text, NATIVE_LOAD_LAYOUT, opts));
}

const LOAD_FORECAST_LAYOUT: ErcotLayout<SystemLoadKind> = {
  what: 'ERCOT load forecast CSV',
  columns: { intervalStartUtc: 'interval_start_utc', loadForecast: 'da_demand_forecast_mw' },
  time: UTC_START,
  values: [{ field: 'loadForecast', kind: 'FORECAST', check: checkLoadMw }],
  intervalMinutes: 60,
  gapsOver: 'data',
};

/** ERCOT system day-ahead demand forecast, hourly, `interval_start_utc` (ISO-8601 with offset). */
export function parseErcotLoadForecastCsv(text: string, opts: FeedParseOptions = {}): FeedParseResult<SystemLoadPoint> {
  return loadResult(readErcotCsv(text, LOAD_FORECAST_LAYOUT, opts));
}

type HubKind = PriceKind | AsPriceProduct;

const HUB_LAYOUT: ErcotLayout<HubKind> = {
  what: 'ERCOT hub hourly CSV',
  columns: {
    deliveryDate: 'delivery_date',
    hourEnding: 'hour_ending',
    settlementPoint: 'settlement_point',
    damSpp: 'dam_spp',
    rtmSppHourlyMean: 'rtm_spp_hourly_mean',
    mcpcRegup: 'mcpc_regup',
    mcpcRegdn: 'mcpc_regdn',
    mcpcRrs: 'mcpc_rrs',
    mcpcNspin: 'mcpc_nspin',
    mcpcEcrs: 'mcpc_ecrs',
  },
  time: HOUR_ENDING,
  values: [
    price('damSpp', 'DA'),
    price('rtmSppHourlyMean', 'RT'),
    price('mcpcRegup', 'REGUP'),
    price('mcpcRegdn', 'REGDN'),
    price('mcpcRrs', 'RRS'),
    price('mcpcNspin', 'NSPIN'),
    price('mcpcEcrs', 'ECRS'),
  ],
  intervalMinutes: 60,
  gapsOver: 'days',
  emptyIsMissing: true,
};

export interface HubHourlyParseResult extends Omit<FeedParseResult<PricePoint>, 'points'> {
  /**
   * Day-ahead SPPs (kind `DA`, 60 min) and the hourly means of the 15-minute real-time SPPs
   * (kind `RT`, **60 min**: the interval length says they are hourly means, not settlement
   * intervals — do not store them for a node that also has 15-minute RT prices, as they share
   * the keys at the top of each hour).
   */
  prices: PricePoint[];
  /** Ancillary-service clearing prices (MCPC, $/MW per hour), hourly. */
  asPrices: AsPricePoint[];
}

const isPriceKind = (kind: HubKind): kind is PriceKind => kind === 'DA' || kind === 'RT';

/**
 * The plain hub hourly layout (`hub_hourly_HB_WEST`): `delivery_date` YYYY-MM-DD, `hour_ending`
 * 1..24 CPT (MIS labels: lag-0 aligned with the DAM file), DA SPP, RT hourly mean, five MCPCs.
 * An empty cell is a missing value (no point; it shows as a gap), not a bad row.
 */
export function parseHubHourlyCsv(text: string, opts: ErcotPriceParseOptions = {}): HubHourlyParseResult {
  const done = readErcotCsv(text, HUB_LAYOUT, opts);
  const prices: PricePoint[] = [];
  const asPrices: AsPricePoint[] = [];
  for (const { key, points } of done.series) {
    const { market, kind } = key;
    const node = key.node!;
    for (const p of points) {
      const at = { market, node, intervalStartMs: p.startMs, intervalMinutes: 60, priceUsdPerMwh: p.value };
      if (isPriceKind(kind)) prices.push({ ...at, kind });
      else asPrices.push({ ...at, product: kind });
    }
  }
  const { rejects, gaps, rows, duplicates } = done;
  return { prices, asPrices, rejects, gaps, rows, duplicates };
}
