/** The file feeds by name (`switchyard ingest --source …`): each parses a text into a FeedBatch. */
import type { FeedBatch } from '#ports/feeds.ts';
import { hashpricePointsFromNetwork, parseBtcNetworkCsv } from './btc-network.ts';
import type { DayAheadDay } from './day-ahead.ts';
import { parseEcbRates } from './ecb-fx.ts';
import { parseEntsoeDays } from './entsoe.ts';
import { parseErcotDamCsv, parseErcotLoadForecastCsv, parseErcotNativeLoadCsv, parseErcotRtmCsv, parseHubHourlyCsv } from './ercot-mis.ts';
import { parseErcotScedLmpCsv } from './ercot-sced-lmp.ts';
import { rt5PricePoint } from './five-minute.ts';
import { parseGridEventsJson } from './grid-events.ts';
import { parseNordPoolDayAhead } from './nordpool.ts';
import { parsePjmDaCsv, parsePjmRt5Csv, parsePjmRtCsv } from './pjm.ts';

export interface FileParseOptions {
  skipBadRows?: boolean;
  /** Settlement points / pnodes to accept; others are rejected. */
  nodes?: readonly string[];
}

type Parser = (text: string, opts: FileParseOptions) => FeedBatch;

const nodeOpts = (o: FileParseOptions) => ({ skipBadRows: o.skipBadRows ?? false, ...(o.nodes ? { settlementPoints: o.nodes } : {}) });

const PARSERS = {
  'ercot-rtm-csv': (text, o) => {
    const { points, ...r } = parseErcotRtmCsv(text, nodeOpts(o));
    return { source: 'ercot-rtm-csv', prices: points, ...r };
  },
  'ercot-dam-csv': (text, o) => {
    const { points, ...r } = parseErcotDamCsv(text, nodeOpts(o));
    return { source: 'ercot-dam-csv', prices: points, ...r };
  },
  // NP6-788-CD, one SCED run per file (or several concatenated): RT5 points at the SCED timestamps. A file lists
  // every resource node, hub and zone, so with --nodes the others are left out rather than rejected.
  'ercot-rtm5-csv': (text, o) => {
    const { points, leftOut: _, ...r } = parseErcotScedLmpCsv(text, nodeOpts(o));
    return { source: 'ercot-rtm5-csv', prices: points.map(rt5PricePoint), ...r };
  },
  'ercot-load-csv': (text, o) => {
    const { points, ...r } = parseErcotNativeLoadCsv(text, { skipBadRows: o.skipBadRows ?? false });
    return { source: 'ercot-load-csv', systemLoad: points, ...r };
  },
  'ercot-load-forecast-csv': (text, o) => {
    const { points, ...r } = parseErcotLoadForecastCsv(text, { skipBadRows: o.skipBadRows ?? false });
    return { source: 'ercot-load-forecast-csv', systemLoad: points, ...r };
  },
  'ercot-hub-hourly-csv': (text, o) => ({ source: 'ercot-hub-hourly-csv', ...parseHubHourlyCsv(text, nodeOpts(o)) }),
  'pjm-rt-csv': (text, o) => {
    const {
      points,
      notCurrent: _,
      ...r
    } = parsePjmRtCsv(text, { skipBadRows: o.skipBadRows ?? false, ...(o.nodes ? { nodes: o.nodes } : {}) });
    return { source: 'pjm-rt-csv', prices: points, ...r };
  },
  'pjm-rt5-csv': (text, o) => {
    const {
      points,
      notCurrent: _,
      ...r
    } = parsePjmRt5Csv(text, { skipBadRows: o.skipBadRows ?? false, ...(o.nodes ? { nodes: o.nodes } : {}) });
    return { source: 'pjm-rt5-csv', prices: points, ...r };
  },
  'pjm-da-csv': (text, o) => {
    const {
      points,
      notCurrent: _,
      ...r
    } = parsePjmDaCsv(text, { skipBadRows: o.skipBadRows ?? false, ...(o.nodes ? { nodes: o.nodes } : {}) });
    return { source: 'pjm-da-csv', prices: points, ...r };
  },
  // Day-ahead results in EUR, stored per area and delivery day with their revision (see app/day-ahead.ts).
  'nordpool-json': (text, o) => {
    const days = parseNordPoolDayAhead(text, o.nodes ? { areas: o.nodes } : {});
    return dayAheadBatch('nordpool-json', days);
  },
  'entsoe-xml': (text, o) => {
    const days = parseEntsoeDays(text).filter((d) => !o.nodes || o.nodes.includes(d.area));
    return dayAheadBatch('entsoe-xml', days);
  },
  'ecb-fx-xml': (text) => {
    const days = parseEcbRates(text);
    const fxRates = days.flatMap((d) => {
      const rate = d.perEur.USD;
      return rate === undefined ? [] : [{ date: d.date, base: 'EUR', quote: 'USD', rate, source: 'ecb-fx-xml' }];
    });
    return { source: 'ecb-fx-xml', fxRates, rows: days.length, rejects: [], gaps: [], duplicates: 0 };
  },
  'btc-network-csv': (text, o) => {
    const { points, ...r } = parseBtcNetworkCsv(text, { skipBadRows: o.skipBadRows ?? false });
    return { source: 'btc-network-csv', hashprices: hashpricePointsFromNetwork(points), ...r };
  },
  'grid-events-json': (text, o) => {
    const { points, ...r } = parseGridEventsJson(text, { skipBadRows: o.skipBadRows ?? false });
    return { source: 'grid-events-json', gridEvents: points, ...r };
  },
} satisfies Record<string, Parser>;

function dayAheadBatch(source: string, days: DayAheadDay[]): FeedBatch {
  return { source, dayAhead: days, rows: days.reduce((s, d) => s + d.prices.length, 0), rejects: [], gaps: [], duplicates: 0 };
}

export type FileSource = keyof typeof PARSERS;
export const FILE_SOURCES = Object.keys(PARSERS) as FileSource[];

/** Parses a whole file; throws a ValidationError naming the line and field unless skipping bad rows. */
export function parseFeedFile(source: FileSource, text: string, opts: FileParseOptions = {}): FeedBatch {
  return PARSERS[source](text, opts);
}
