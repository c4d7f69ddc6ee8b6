/**
 * A new price re-decides what it informs, against dynalite: the hour is decided at its start with
 * the prices known then; when the settlement price of the interval that just ended is stored, the
 * site's open intervals get a new revision (source AUTO, reason PRICE_UPDATE) decided with it,
 * announced to controllers and readable as current. The same price again records nothing, and a
 * site on another settlement point is not touched.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { ingestBatch } from '#app/ingest.ts';
import { ingestPricesJob } from '#app/jobs/ingest-prices.ts';
import { informedIntervals, newPriceRecorder, PRICE_UPDATE, priceRedecideJob } from '#app/jobs/price-redecide.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { Decision } from '#domain/decision.ts';
import { Event } from '#functions/run-interval/contract.ts';
import { parseEvent } from '#functions/shared/settings.ts';
import type { LocalContext } from '#local/context.ts';
import { redecideOnPrices } from '#local/live-feeds.ts';
import { type Clock, fixedClock } from '#ports/clock.ts';
import type { PriceFeed } from '#ports/feeds.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const H = 3_600_000;
const Q = 15 * 60_000;
const HOUR = Date.parse('2024-07-15T20:00:00Z');
/** 20:20: the settlement price of 20:00–20:15 has just become known. */
const LATER = HOUR + Q + 5 * 60_000;
const SITE = site();
const WEST = site({ id: 'west', settlementPoint: 'HB_WEST' });
const SITES = [SITE, WEST];
const SPIKE = 900;

const rt = (node: string, ms: number, price: number): PricePoint => ({
  market: 'ERCOT',
  node,
  kind: 'RT',
  intervalStartMs: ms,
  intervalMinutes: 15,
  priceUsdPerMwh: price,
});

let t: TestTable;
let publisher: MemoryEventPublisher;
const deps = (clock: Clock) => runDeps({ sites: SITES, repos: t.repos, publisher, clock, log: silentLogger });

beforeEach(async () => {
  t = await freshTable();
  publisher = new MemoryEventPublisher();
  const points: PricePoint[] = [];
  for (let ms = HOUR - 24 * H; ms < HOUR; ms += Q) points.push(rt('HB_HUBAVG', ms, 30), rt('HB_WEST', ms, 30));
  for (const node of ['HB_HUBAVG', 'HB_WEST']) points.push({ ...rt(node, HOUR, 35), kind: 'DA', intervalMinutes: 60 });
  await t.repos.marketData.putPrices(points);
  await t.repos.marketData.putHashprices([{ date: '2024-07-14', usdPerPhDay: 50, source: 'test' }]);
  // The hour decided at its start, with the prices up to 19:45–20:00.
  await runInterval(deps(fixedClock(HOUR + 60_000)), { trigger: 'test' });
  publisher.events.length = 0;
});

const current = (siteId: string, ms: number) => t.repos.decisions.current(siteId, new Date(ms).toISOString());
const revisions = (siteId: string, ms: number) => t.repos.decisions.revisions(siteId, new Date(ms).toISOString());
const open = informedIntervals(SITE, LATER);

describe('re-deciding on a new price', () => {
  it('informs the open intervals of the hour: the current one and those after it', () => {
    expect(open.map((ms) => new Date(ms).toISOString())).toEqual([
      '2024-07-15T20:15:00.000Z',
      '2024-07-15T20:30:00.000Z',
      '2024-07-15T20:45:00.000Z',
    ]);
    // In the hour's last interval, the next one is in the next hour.
    expect(informedIntervals(SITE, HOUR + 50 * 60_000)).toEqual([HOUR + 3 * Q, HOUR + H]);
  });

  it('gives the open intervals a new revision decided with the new last price', async () => {
    const before = await Promise.all(open.map((ms) => current('rockdale', ms)));
    expect(before.map((d) => d?.inputs.price?.lastRtUsdPerMwh)).toEqual([30, 30, 30]);

    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, SPIKE)]);
    const outcome = await priceRedecideJob(deps(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    expect(outcome.errors).toEqual([]);
    expect(outcome.sites).toBe(1);
    const after = (await Promise.all(open.map((ms) => current('rockdale', ms)))) as Decision[];
    for (const [i, d] of after.entries()) {
      expect(d.revision).toBe(before[i]!.revision + 1);
      expect(d.source).toBe('AUTO');
      expect(d.reasons).toContain(PRICE_UPDATE);
      expect(d.inputs.price?.lastRtUsdPerMwh).toBe(SPIKE);
      expect(d.inputs.price?.lastRtIntervalStart).toBe('2024-07-15T20:00:00.000Z');
      expect(d.published).toBe(true);
    }
    // The spike moved the decision: the miners that ran at 30 $/MWh stop.
    expect(before[0]!.allocations.filter((a) => a.kind === 'mining').some((a) => a.mw > 0)).toBe(true);
    expect(after[0]!.allocations.filter((a) => a.kind === 'mining').every((a) => a.mw === 0)).toBe(true);
    // The interval that started before the price was known keeps its decision's history: rev 1 is still there.
    expect((await revisions('rockdale', HOUR + Q)).map((d) => d.revision)).toEqual([1, 2]);
    // The interval already over is not touched.
    expect((await current('rockdale', HOUR))!.revision).toBe(1);
  });

  it('publishes DecisionRevised events carrying the new allocations and thresholds', async () => {
    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, SPIKE)]);
    await priceRedecideJob(deps(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    const revised = publisher.events.filter((e) => e.detailType === 'DecisionRevised');
    expect(revised.map((e) => e.detail.intervalStart)).toEqual(open.map((ms) => new Date(ms).toISOString()));
    for (const e of revised) {
      const d = (await current('rockdale', Date.parse(e.detail.intervalStart as string)))!;
      expect(e.detail.revision).toBe(d.revision);
      const allocations = e.detail.allocations as { loadId: string; mw: number; curtailAboveUsdPerMwh?: number | null }[];
      expect(allocations.map((a) => [a.loadId, a.mw])).toEqual(d.allocations.map((a) => [a.loadId, a.mw]));
      const mining = d.allocations.filter((a) => a.kind === 'mining');
      expect(allocations.filter((a) => 'curtailAboveUsdPerMwh' in a).map((a) => a.curtailAboveUsdPerMwh)).toEqual(
        mining.map((a) => a.curtailAboveUsdPerMwh ?? null),
      );
    }
  });

  it('records nothing when the same price is stored again', async () => {
    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, SPIKE)]);
    await priceRedecideJob(deps(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });
    publisher.events.length = 0;

    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, SPIKE)]);
    const again = await priceRedecideJob(deps(fixedClock(LATER + 60_000)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    expect(again.written).toEqual([]);
    expect(again.unchanged).toBe(open.length);
    expect(publisher.events).toEqual([]);
    for (const ms of open) expect((await revisions('rockdale', ms)).map((d) => d.revision)).toEqual([1, 2]);
  });

  it('records nothing when the new price does not move the decision', async () => {
    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, 31)]);
    const outcome = await priceRedecideJob(deps(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    expect(outcome.written).toEqual([]);
    for (const ms of open) expect((await current('rockdale', ms))!.revision).toBe(1);
  });

  it('leaves a site on another settlement point as it was', async () => {
    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR, SPIKE)]);
    await priceRedecideJob(deps(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    for (const ms of open) expect((await revisions('west', ms)).map((d) => d.revision)).toEqual([1]);
    expect(publisher.events.some((e) => e.detail.siteId === 'west')).toBe(false);
  });

  it('leaves an informed interval without a decision to the run of its hour', async () => {
    const nearEnd = HOUR + 3 * Q + 5 * 60_000;
    await t.repos.marketData.putPrices([rt('HB_HUBAVG', HOUR + 2 * Q, SPIKE)]);
    const outcome = await priceRedecideJob(deps(fixedClock(nearEnd)), { market: 'ERCOT', node: 'HB_HUBAVG' });

    expect(outcome.written.map((d) => d.intervalStart)).toEqual(['2024-07-15T20:45:00.000Z']);
    expect(await current('rockdale', HOUR + H)).toBeNull();
  });
});

describe('the price ingest announces new prices', () => {
  const feed = (name: string, points: PricePoint[]): PriceFeed => ({
    name,
    fetchPrices: async () => ({ points, rows: points.length, rejects: [], gaps: [], duplicates: 0 }),
  });
  const ingest = (points: PricePoint[]) =>
    ingestPricesJob(
      {
        sites: SITES,
        marketData: t.repos.marketData,
        publisher,
        clock: fixedClock(LATER),
        log: silentLogger,
        feeds: async () => ({ rt: feed('rt', points), da: feed('da', []) }),
      },
      { lookbackHours: 3 },
    );

  it('publishes PricesStored for a node whose newest interval is new, and not when it is stored again', async () => {
    const points = [rt('HB_HUBAVG', HOUR - Q, 30), rt('HB_HUBAVG', HOUR, SPIKE), rt('HB_WEST', HOUR - Q, 30)];
    const first = await ingest(points);

    expect(first.stored).toEqual([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', newestIntervalStart: '2024-07-15T20:00:00.000Z', intervalMinutes: 15 },
    ]);
    const announced = publisher.events.filter((e) => e.detailType === 'PricesStored');
    expect(announced.map((e) => [e.detail.node, e.detail.newestIntervalStart])).toEqual([['HB_HUBAVG', '2024-07-15T20:00:00.000Z']]);

    publisher.events.length = 0;
    const second = await ingest(points);
    expect(second.stored).toEqual([]);
    expect(publisher.events.filter((e) => e.detailType === 'PricesStored')).toEqual([]);
  });

  it('announces a corrected price of the newest interval', async () => {
    await ingest([rt('HB_HUBAVG', HOUR, SPIKE)]);
    const corrected = await ingest([rt('HB_HUBAVG', HOUR, SPIKE - 100)]);
    expect(corrected.stored.map((p) => p.node)).toEqual(['HB_HUBAVG']);
  });
});

describe('locally, a stored file of prices', () => {
  const ctx = (clock: Clock) => ({ repos: t.repos, publisher, clock, log: silentLogger, sites: () => SITES }) as unknown as LocalContext;
  const store = async (points: PricePoint[], clock: Clock) => {
    const recorder = newPriceRecorder(t.repos.marketData);
    await ingestBatch(recorder.repo, { source: 'file', prices: points, rows: points.length, rejects: [], gaps: [], duplicates: 0 });
    return redecideOnPrices(ctx(clock), recorder.stored(clock.nowMs()));
  };

  it('re-decides the open intervals its new prices inform', async () => {
    const outcome = await store([rt('HB_HUBAVG', HOUR, SPIKE), rt('HB_WEST', HOUR, 30)], fixedClock(LATER));

    expect(outcome).toEqual({ written: open.length, errors: [] });
    expect((await current('rockdale', open[0]!))!.inputs.price?.lastRtUsdPerMwh).toBe(SPIKE);
  });

  it('re-decides nothing for a backfill older than any open interval reads', async () => {
    const outcome = await store([rt('HB_HUBAVG', HOUR - 30 * H, SPIKE)], fixedClock(LATER));

    expect(outcome).toEqual({ written: 0, errors: [] });
    for (const ms of open) expect((await current('rockdale', ms))!.revision).toBe(1);
  });
});

describe("run-interval's price trigger", () => {
  it('takes the market and node the PricesStored rule hands it', () => {
    expect(parseEvent(Event, { trigger: 'price', market: 'ERCOT', node: 'HB_HUBAVG' })).toEqual({
      trigger: 'price',
      market: 'ERCOT',
      node: 'HB_HUBAVG',
    });
  });

  it('refuses a price trigger without a node, and a node without the price trigger', () => {
    expect(() => parseEvent(Event, { trigger: 'price', market: 'ERCOT' })).toThrow('event.node is required with trigger "price"');
    expect(() => parseEvent(Event, { node: 'HB_HUBAVG' })).toThrow('event.node goes only with trigger "price"');
  });
});
