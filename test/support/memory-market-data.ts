/** An in-memory MarketDataRepository with the Dynamo one's semantics, for unit tests. */
import type { GridEvent } from '#domain/grid.ts';
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

type Keyed<T> = Map<string, Map<number, T>>;

function put<T>(store: Keyed<T>, series: string, t: number, v: T): void {
  let m = store.get(series);
  if (!m) store.set(series, (m = new Map()));
  m.set(t, v);
}

function range<T>(store: Keyed<T>, series: string, fromMs: number, toMs: number): T[] {
  const m = store.get(series);
  if (!m) return [];
  return [...m.entries()]
    .filter(([t]) => t >= fromMs && t < toMs)
    .sort(([a], [b]) => a - b)
    .map(([, v]) => v);
}

export class MemoryMarketDataRepository implements MarketDataRepository {
  readonly prices: Keyed<PricePoint> = new Map();
  readonly load: Keyed<SystemLoadPoint> = new Map();
  readonly asPrices: Keyed<AsPricePoint> = new Map();
  readonly hashprices = new Map<string, HashpricePoint>();
  readonly gridEvents = new Map<string, GridEvent>();
  readonly fxRates = new Map<string, FxRatePoint>();
  readonly dayAheadRevisions = new Map<string, DayAheadRevisionRecord>();
  readonly intensity: Keyed<IntensityPoint> = new Map();
  /** Sizes of the batches each put received, by method: lets tests see that writes are batched. */
  readonly calls: { method: string; size: number }[] = [];
  /** When set, the n-th put call (1-based) throws: for tests of partial failure. */
  failOnCall?: number;

  private record(method: string, size: number): void {
    this.calls.push({ method, size });
    if (this.failOnCall === this.calls.length) throw new Error(`injected failure in ${method}`);
  }

  async putPrices(points: readonly PricePoint[]): Promise<void> {
    this.record('putPrices', points.length);
    for (const p of points) {
      // As in Dynamo, a USD price is stored without a currency.
      const { currency, ...rest } = p;
      put(this.prices, `${p.market}|${p.node}|${p.kind}`, p.intervalStartMs, currency && currency !== 'USD' ? { ...rest, currency } : rest);
    }
  }

  async getPrices(market: string, node: string, kind: PriceKind, fromMs: number, toMs: number): Promise<PricePoint[]> {
    return range(this.prices, `${market}|${node}|${kind}`, fromMs, toMs);
  }

  async latestPrice(market: string, node: string, kind: PriceKind, beforeMs: number): Promise<PricePoint | null> {
    return range(this.prices, `${market}|${node}|${kind}`, -Infinity, beforeMs).at(-1) ?? null;
  }

  async putSystemLoad(points: readonly SystemLoadPoint[]): Promise<void> {
    this.record('putSystemLoad', points.length);
    for (const p of points) put(this.load, `${p.market}|${p.kind}`, p.intervalStartMs, { ...p });
  }

  async getSystemLoad(market: string, kind: SystemLoadKind, fromMs: number, toMs: number): Promise<SystemLoadPoint[]> {
    return range(this.load, `${market}|${kind}`, fromMs, toMs);
  }

  async putAsPrices(points: readonly AsPricePoint[]): Promise<void> {
    this.record('putAsPrices', points.length);
    for (const p of points) put(this.asPrices, `${p.market}|${p.node}|${p.product}`, p.intervalStartMs, { ...p });
  }

  async getAsPrices(market: string, node: string, product: AsPriceProduct, fromMs: number, toMs: number): Promise<AsPricePoint[]> {
    return range(this.asPrices, `${market}|${node}|${product}`, fromMs, toMs);
  }

  async putHashprices(points: readonly HashpricePoint[]): Promise<void> {
    this.record('putHashprices', points.length);
    for (const p of points) this.hashprices.set(p.date, { ...p });
  }

  async getHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]> {
    return [...this.hashprices.values()].filter((p) => p.date >= fromDay && p.date <= toDay).sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  async latestHashprice(onOrBeforeDay: string): Promise<HashpricePoint | null> {
    return (await this.getHashprices('0000-00-00', onOrBeforeDay)).at(-1) ?? null;
  }

  async putFxRates(points: readonly FxRatePoint[]): Promise<void> {
    this.record('putFxRates', points.length);
    for (const p of points) this.fxRates.set(`${p.base}|${p.quote}|${p.date}`, { ...p });
  }

  async getFxRates(base: string, quote: string, fromDay: string, toDay: string): Promise<FxRatePoint[]> {
    return [...this.fxRates.values()]
      .filter((p) => p.base === base && p.quote === quote && p.date >= fromDay && p.date <= toDay)
      .sort((a, b) => (a.date < b.date ? -1 : 1));
  }

  async latestFxRate(base: string, quote: string, onOrBeforeDay: string): Promise<FxRatePoint | null> {
    return (await this.getFxRates(base, quote, '0000-00-00', onOrBeforeDay)).at(-1) ?? null;
  }

  async getDayAheadRevision(market: string, area: string, deliveryDay: string): Promise<DayAheadRevisionRecord | null> {
    const r = this.dayAheadRevisions.get(`${market}|${area}|${deliveryDay}`);
    return r ? { ...r } : null;
  }

  async putDayAheadRevision(record: DayAheadRevisionRecord): Promise<void> {
    this.record('putDayAheadRevision', 1);
    this.dayAheadRevisions.set(`${record.market}|${record.area}|${record.deliveryDay}`, { ...record });
  }

  async putGridEvent(event: GridEvent): Promise<void> {
    this.record('putGridEvent', 1);
    this.gridEvents.set(`${event.market}|${event.id}`, { ...event });
  }

  async getGridEvents(market: string, fromMs: number, toMs: number): Promise<GridEvent[]> {
    return [...this.gridEvents.values()]
      .filter((e) => e.market === market && e.startMs < toMs && e.endMs > fromMs)
      .sort((a, b) => a.startMs - b.startMs);
  }

  async putIntensity(points: readonly IntensityPoint[]): Promise<number> {
    this.record('putIntensity', points.length);
    let written = 0;
    for (const p of points) {
      const series = `${p.market}|${p.kind}`;
      const stored = this.intensity.get(series)?.get(p.intervalStartMs);
      if (stored && settlementRank(stored.settlementType) > settlementRank(p.settlementType)) continue;
      put(this.intensity, series, p.intervalStartMs, { ...p });
      written++;
    }
    return written;
  }

  async getIntensity(market: string, kind: IntensityKind, fromMs: number, toMs: number): Promise<IntensityPoint[]> {
    return range(this.intensity, `${market}|${kind}`, fromMs, toMs);
  }
}
