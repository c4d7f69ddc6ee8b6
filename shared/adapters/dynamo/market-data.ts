/** Market data in DynamoDB, upserted idempotently by natural key. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AsProduct, GridEvent } from '#domain/grid.ts';
import { iso } from '#domain/time.ts';
import type {
  AsPricePoint,
  AsPriceProduct,
  DayAheadRevisionRecord,
  FxRatePoint,
  HashpricePoint,
  IntensityKind,
  IntensityPoint,
  MarketDataRepository,
  PriceKind,
  PricePoint,
  SystemLoadKind,
  SystemLoadPoint,
} from '#ports/market-data.ts';
import { settlementRank } from '#ports/market-data.ts';
import { after, batchPut, bumpVersion, deepFreeze, type Item, queryAll, readVersion, VersionedReads } from './io.ts';
import { documentClient } from './table.ts';

/**
 * One partition per (market, node, kind), sorted by the interval start as an ISO instant with milliseconds: RT5
 * points keep their SCED timestamps to the second, and a day of them (288 runs, 300 on a fall-back day, about 60 bytes
 * each) is one Query page.
 */
const pricePk = (market: string, node: string, kind: string) => `PRICE#${market}#${node}#${kind}`;
const loadPk = (market: string, kind: string) => `LOAD#${market}#${kind}`;
const asPk = (market: string, node: string, product: string) => `ASP#${market}#${node}#${product}`;
const HASH_PK = 'HASHPRICE';
const gridPk = (market: string) => `GRID#${market}`;
const fxPk = (base: string, quote: string) => `FX#${base}#${quote}`;
const daRevPk = (market: string, area: string) => `DAREV#${market}#${area}`;

/** A price item keeps its currency only when it is not USD, so USD items (and every older one) stay as they were. */
function priceItem(p: PricePoint): Item {
  const item: Item = { pk: pricePk(p.market, p.node, p.kind), sk: iso(p.intervalStartMs), v: p.priceUsdPerMwh, m: p.intervalMinutes };
  if (p.currency !== undefined && p.currency !== 'USD') item.c = p.currency;
  return item;
}

function toPrice(market: string, node: string, kind: PriceKind, it: Item): PricePoint {
  const intervalStartMs = Date.parse(it.sk as string);
  const p: PricePoint = { market, node, kind, intervalStartMs, intervalMinutes: it.m as number, priceUsdPerMwh: it.v as number };
  if (typeof it.c === 'string') p.currency = it.c;
  return p;
}
const intensityPk = (market: string, kind: string) => `CO2#${market}#${kind}`;

/** Items of a series keyed by interval start keep only the value and its length. */
function rangeQuery(table: string, pk: string, fromMs: number, toMs: number) {
  return {
    TableName: table,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
    ExpressionAttributeValues: { ':pk': pk, ':a': iso(fromMs), ':b': iso(toMs - 1) },
  };
}

/**
 * The market data's version: one counter every write adds to once its items are stored. A reader
 * that read version v and then the data keeps what it read under v; a later reader that still
 * finds v knows nothing was written since, and may answer from memory (`view`).
 */
const VERSION_KEY = { pk: 'MARKETDATA', sk: 'VERSION' };
/** Reads kept per repository, the most recently used first to stay. */
const READS_CACHED = 512;
/** A read is asked again after this long whatever the version says: a writer that stopped between its items and the counter is caught up within it. */
const READ_MAX_AGE_MS = 60_000;

type Reads = Pick<
  MarketDataRepository,
  | 'getPrices'
  | 'latestPrice'
  | 'getSystemLoad'
  | 'getAsPrices'
  | 'getHashprices'
  | 'latestHashprice'
  | 'getFxRates'
  | 'latestFxRate'
  | 'getDayAheadRevision'
  | 'getIntensity'
  | 'getGridEvents'
>;
const READS: readonly (keyof Reads)[] = [
  'getPrices',
  'latestPrice',
  'getSystemLoad',
  'getAsPrices',
  'getHashprices',
  'latestHashprice',
  'getFxRates',
  'latestFxRate',
  'getDayAheadRevision',
  'getIntensity',
  'getGridEvents',
];

export class DynamoMarketDataRepository implements MarketDataRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly reads = new VersionedReads<unknown>(READS_CACHED, READ_MAX_AGE_MS);

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  /**
   * The market data as of one version, read (strongly) when the view first reads: each read is
   * answered from memory when the same read was made at that version within the last minute, and
   * from the table otherwise. A re-decision reads the same hour's prices, load, events, hashprice
   * and intensity that the one before it read: one read of the version instead of a query each,
   * until something is written. Results are shared and frozen.
   */
  view(): MarketDataRepository {
    let version: Promise<number> | undefined;
    const at = () => (version ??= this.version());
    const view: MarketDataRepository = Object.create(this) as MarketDataRepository;
    for (const name of READS) {
      const read = (this[name] as (...args: unknown[]) => Promise<unknown>).bind(this);
      (view as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) =>
        this.reads.read(`${name}|${JSON.stringify(args)}`, await at(), () => read(...args).then(deepFreeze));
    }
    return view;
  }

  private version(): Promise<number> {
    return readVersion(this.doc, this.table, VERSION_KEY);
  }

  /** Marks a write: views that read after it read the table again. */
  private changed(): Promise<void> {
    return bumpVersion(this.doc, this.table, VERSION_KEY);
  }

  async putPrices(points: readonly PricePoint[]): Promise<void> {
    await batchPut(this.doc, this.table, dedupe(points.map(priceItem)));
    await this.changed();
  }

  async getPrices(market: string, node: string, kind: PriceKind, fromMs: number, toMs: number): Promise<PricePoint[]> {
    if (toMs <= fromMs) return [];
    const items = await queryAll(this.doc, rangeQuery(this.table, pricePk(market, node, kind), fromMs, toMs));
    return items.map((it) => toPrice(market, node, kind, it));
  }

  async latestPrice(market: string, node: string, kind: PriceKind, beforeMs: number): Promise<PricePoint | null> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk < :b',
        ExpressionAttributeValues: { ':pk': pricePk(market, node, kind), ':b': iso(beforeMs) },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const it = res.Items?.[0];
    return it ? toPrice(market, node, kind, it) : null;
  }

  async putSystemLoad(points: readonly SystemLoadPoint[]): Promise<void> {
    await batchPut(
      this.doc,
      this.table,
      dedupe(points.map((p) => ({ pk: loadPk(p.market, p.kind), sk: iso(p.intervalStartMs), v: p.mw, m: p.intervalMinutes }))),
    );
    await this.changed();
  }

  async getSystemLoad(market: string, kind: SystemLoadKind, fromMs: number, toMs: number): Promise<SystemLoadPoint[]> {
    if (toMs <= fromMs) return [];
    const items = await queryAll(this.doc, rangeQuery(this.table, loadPk(market, kind), fromMs, toMs));
    return items.map((it) => ({
      market,
      kind,
      intervalStartMs: Date.parse(it.sk as string),
      intervalMinutes: it.m as number,
      mw: it.v as number,
    }));
  }

  async putAsPrices(points: readonly AsPricePoint[]): Promise<void> {
    await batchPut(
      this.doc,
      this.table,
      dedupe(
        points.map((p) => ({
          pk: asPk(p.market, p.node, p.product),
          sk: iso(p.intervalStartMs),
          v: p.priceUsdPerMwh,
          m: p.intervalMinutes,
        })),
      ),
    );
    await this.changed();
  }

  async getAsPrices(market: string, node: string, product: AsPriceProduct, fromMs: number, toMs: number): Promise<AsPricePoint[]> {
    if (toMs <= fromMs) return [];
    const items = await queryAll(this.doc, rangeQuery(this.table, asPk(market, node, product), fromMs, toMs));
    return items.map((it) => ({
      market,
      node,
      product,
      intervalStartMs: Date.parse(it.sk as string),
      intervalMinutes: it.m as number,
      priceUsdPerMwh: it.v as number,
    }));
  }

  async putHashprices(points: readonly HashpricePoint[]): Promise<void> {
    await batchPut(this.doc, this.table, dedupe(points.map((p) => ({ pk: HASH_PK, sk: p.date, v: p.usdPerPhDay, source: p.source }))));
    await this.changed();
  }

  async getHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': HASH_PK, ':a': fromDay, ':b': toDay },
    });
    return items.map(toHashprice);
  }

  async latestHashprice(onOrBeforeDay: string): Promise<HashpricePoint | null> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk <= :d',
        ExpressionAttributeValues: { ':pk': HASH_PK, ':d': onOrBeforeDay },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return res.Items?.[0] ? toHashprice(res.Items[0]) : null;
  }

  async putFxRates(points: readonly FxRatePoint[]): Promise<void> {
    const items = points.map((p) => ({ pk: fxPk(p.base, p.quote), sk: p.date, v: p.rate, source: p.source }));
    await batchPut(this.doc, this.table, dedupe(items));
    await this.changed();
  }

  async getFxRates(base: string, quote: string, fromDay: string, toDay: string): Promise<FxRatePoint[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':pk': fxPk(base, quote), ':a': fromDay, ':b': toDay },
    });
    return items.map((it) => toFxRate(base, quote, it));
  }

  async latestFxRate(base: string, quote: string, onOrBeforeDay: string): Promise<FxRatePoint | null> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk <= :d',
        ExpressionAttributeValues: { ':pk': fxPk(base, quote), ':d': onOrBeforeDay },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    return res.Items?.[0] ? toFxRate(base, quote, res.Items[0]) : null;
  }

  async getDayAheadRevision(market: string, area: string, deliveryDay: string): Promise<DayAheadRevisionRecord | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: daRevPk(market, area), sk: deliveryDay } }));
    if (!res.Item) return null;
    const { pk: _pk, sk: _sk, entity: _entity, ...rest } = res.Item;
    return rest as DayAheadRevisionRecord;
  }

  async putDayAheadRevision(record: DayAheadRevisionRecord): Promise<void> {
    const item: Item = { pk: daRevPk(record.market, record.area), sk: record.deliveryDay, entity: 'DayAheadRevision', ...record };
    if (item.updatedAtMs === undefined) delete item.updatedAtMs;
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
    await this.changed();
  }

  /**
   * Reads what is stored over the points' span first (one query per series, a year of quarter hours is a few pages) and
   * writes only the points at least as settled as the stored ones: a batch write cannot be conditional, and ingest is
   * the one writer of a series.
   */
  async putIntensity(points: readonly IntensityPoint[]): Promise<number> {
    const series = new Map<string, IntensityPoint[]>();
    for (const p of points) {
      const key = intensityPk(p.market, p.kind);
      const list = series.get(key);
      if (list) list.push(p);
      else series.set(key, [p]);
    }
    const items: Item[] = [];
    for (const [pk, list] of series) {
      let from = Infinity;
      let to = -Infinity;
      for (const p of list) {
        from = Math.min(from, p.intervalStartMs);
        to = Math.max(to, p.intervalStartMs + 1);
      }
      const stored = new Map<string, number>();
      for (const it of await queryAll(this.doc, rangeQuery(this.table, pk, from, to)))
        stored.set(it.sk as string, settlementRank(it.st as string));
      for (const p of list) {
        const sk = iso(p.intervalStartMs);
        if ((stored.get(sk) ?? -1) > settlementRank(p.settlementType)) continue;
        items.push({
          pk,
          sk,
          v: p.lbCo2PerMwh,
          m: p.intervalMinutes,
          st: p.settlementType,
          src: p.source,
          ...(p.generationMwh === null ? {} : { g: p.generationMwh }),
        });
      }
    }
    const unique = dedupe(items);
    await batchPut(this.doc, this.table, unique);
    if (unique.length > 0) await this.changed();
    return unique.length;
  }

  async getIntensity(market: string, kind: IntensityKind, fromMs: number, toMs: number): Promise<IntensityPoint[]> {
    if (toMs <= fromMs) return [];
    const items = await queryAll(this.doc, rangeQuery(this.table, intensityPk(market, kind), fromMs, toMs));
    return items.map((it) => toIntensity(market, kind, it));
  }

  async putGridEvent(event: GridEvent): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: gridPk(event.market), sk: `${iso(event.endMs)}#${event.id}`, entity: 'GridEvent', ...event },
      }),
    );
    await this.changed();
  }

  async getGridEvents(market: string, fromMs: number, toMs: number): Promise<GridEvent[]> {
    // Sorted by end: every event that ends after `fromMs`, then keep those that start before `toMs`.
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk > :a',
      FilterExpression: 'startMs < :to',
      ExpressionAttributeValues: { ':pk': gridPk(market), ':a': after(fromMs), ':to': toMs },
    });
    return items.map((it) => {
      const { pk: _pk, sk: _sk, entity: _entity, ...event } = it;
      return event as unknown as GridEvent & { product?: AsProduct };
    });
  }
}

function toFxRate(base: string, quote: string, it: Item): FxRatePoint {
  return { date: it.sk as string, base, quote, rate: it.v as number, source: it.source as string };
}

function toIntensity(market: string, kind: IntensityKind, it: Item): IntensityPoint {
  return {
    market,
    kind,
    intervalStartMs: Date.parse(it.sk as string),
    intervalMinutes: it.m as number,
    lbCo2PerMwh: it.v as number,
    generationMwh: (it.g as number | undefined) ?? null,
    settlementType: it.st as string,
    source: it.src as string,
  };
}

function toHashprice(it: Item): HashpricePoint {
  return { date: it.sk as string, usdPerPhDay: it.v as number, source: it.source as string };
}

/** BatchWriteItem rejects two puts of one key in a batch: the last value of a key wins. */
function dedupe(items: Item[]): Item[] {
  const byKey = new Map<string, Item>();
  for (const it of items) byKey.set(`${it.pk as string}|${it.sk as string}`, it);
  return byKey.size === items.length ? items : [...byKey.values()];
}
