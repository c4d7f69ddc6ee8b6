import { describe, expect, it } from 'vitest';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch, ingestHashprices, ingestPrices } from '#app/ingest.ts';
import type { HashpriceSource, PriceFeed } from '#ports/feeds.ts';
import type { HashpricePoint } from '#ports/market-data.ts';
import { MemoryMarketDataRepository } from '../../support/memory-market-data.ts';
import { csv, RTM_HEADER, rtmDay } from './fixtures.ts';

const twoDays = csv(RTM_HEADER, [...rtmDay('01/01/2024', 'normal'), ...rtmDay('01/02/2024', 'normal')]);

describe('ingestBatch', () => {
  it('writes every point in chunks and reports progress up to the total', async () => {
    const repo = new MemoryMarketDataRepository();
    const progress: number[] = [];
    const report = await ingestBatch(repo, parseFeedFile('ercot-rtm-csv', twoDays), {
      chunkSize: 50,
      onProgress: (done) => progress.push(done),
    });
    expect(report.written.prices).toBe(192);
    expect(repo.calls.map((c) => c.size)).toEqual([50, 50, 50, 42]);
    expect(progress).toEqual([50, 100, 150, 192]);
    const stored = await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT', Date.parse('2024-01-01T06:00:00Z'), Date.parse('2024-01-03T06:00:00Z'));
    expect(stored).toHaveLength(192);
  });

  it('is idempotent: ingesting the same file twice leaves the same data', async () => {
    const repo = new MemoryMarketDataRepository();
    await ingestBatch(repo, parseFeedFile('ercot-rtm-csv', twoDays));
    const first = await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT', 0, Date.parse('2025-01-01T00:00:00Z'));
    await ingestBatch(repo, parseFeedFile('ercot-rtm-csv', twoDays));
    expect(await repo.getPrices('ERCOT', 'HB_HUBAVG', 'RT', 0, Date.parse('2025-01-01T00:00:00Z'))).toEqual(first);
  });

  it('stores nothing when the file has a bad row (the parse fails before any write)', async () => {
    const repo = new MemoryMarketDataRepository();
    const bad = twoDays.replace('01/02/2024,5,3,HB_HUBAVG,SH,', '01/02/2024,5,3,HB_HUBAVG,SH,x');
    expect(() => parseFeedFile('ercot-rtm-csv', bad)).toThrow(/line 116: SettlementPointPrice/);
    expect(repo.calls).toEqual([]);
  });

  it('stores grid events from a JSON file', async () => {
    const repo = new MemoryMarketDataRepository();
    const text = JSON.stringify({
      events: [
        { type: 'EEA', level: 2, start: '2024-08-20T22:00:00Z', end: '2024-08-21T01:00:00Z' },
        { type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 40, start: '2024-08-20T22:00:00Z', end: '2024-08-20T23:00:00Z' },
      ],
    });
    const report = await ingestBatch(repo, parseFeedFile('grid-events-json', text));
    expect(report.written.gridEvents).toBe(2);
    const events = await repo.getGridEvents('ERCOT', Date.parse('2024-08-20T22:30:00Z'), Date.parse('2024-08-20T22:45:00Z'));
    expect(events.map((e) => e.type).sort()).toEqual(['DR_DEPLOYMENT', 'EEA']);
  });
});

describe('ingestPrices', () => {
  it('stores what an API feed returns under the feed’s name', async () => {
    const repo = new MemoryMarketDataRepository();
    const feed: PriceFeed = {
      name: 'test-api',
      fetchPrices: async (r) => ({
        points: r.nodes.map((node) => ({
          market: 'ERCOT',
          node,
          kind: 'RT' as const,
          intervalStartMs: r.fromMs,
          intervalMinutes: 15,
          priceUsdPerMwh: 42,
        })),
        rejects: [],
        gaps: [],
        rows: r.nodes.length,
        duplicates: 0,
      }),
    };
    const report = await ingestPrices(repo, feed, {
      fromMs: Date.parse('2024-07-01T05:00:00Z'),
      toMs: Date.parse('2024-07-01T06:00:00Z'),
      nodes: ['HB_WEST', 'HB_NORTH'],
    });
    expect([report.source, report.written.prices]).toEqual(['test-api', 2]);
    expect((await repo.latestPrice('ERCOT', 'HB_NORTH', 'RT', Date.parse('2024-07-02T00:00:00Z')))?.priceUsdPerMwh).toBe(42);
  });
});

function source(name: string, values: Record<string, number> | Error): HashpriceSource & { calls: number } {
  const s = {
    name,
    calls: 0,
    async fetchHashprices(fromDay: string, toDay: string): Promise<HashpricePoint[]> {
      s.calls++;
      if (values instanceof Error) throw values;
      return Object.entries(values)
        .filter(([d]) => d >= fromDay && d <= toDay)
        .map(([date, usdPerPhDay]) => ({ date, usdPerPhDay, source: 'ignored' }));
    },
  };
  return s;
}

describe('ingestHashprices', () => {
  const range = { fromDay: '2024-06-01', toDay: '2024-06-04' };

  it('takes each day from the first source that has it and stores the source with the value', async () => {
    const repo = new MemoryMarketDataRepository();
    const report = await ingestHashprices(
      repo,
      [source('hashrateindex', { '2024-06-01': 50, '2024-06-02': 51 }), source('mempool', { '2024-06-02': 99, '2024-06-03': 52 })],
      range,
    );
    expect(await repo.getHashprices('2024-06-01', '2024-06-04')).toEqual([
      { date: '2024-06-01', usdPerPhDay: 50, source: 'hashrateindex' },
      { date: '2024-06-02', usdPerPhDay: 51, source: 'hashrateindex' },
      { date: '2024-06-03', usdPerPhDay: 52, source: 'mempool' },
    ]);
    expect(report.missing).toEqual(['2024-06-04']);
  });

  it('falls back when the primary fails, recording why', async () => {
    const repo = new MemoryMarketDataRepository();
    const report = await ingestHashprices(
      repo,
      [source('hashrateindex', new Error('HTTP 503 after 4 attempts')), source('mempool', { '2024-06-01': 48 })],
      range,
    );
    expect(report.errors).toEqual([{ source: 'hashrateindex', error: 'HTTP 503 after 4 attempts' }]);
    expect(report.written).toEqual([{ date: '2024-06-01', usdPerPhDay: 48, source: 'mempool' }]);
  });

  it('does not ask the fallback when the primary covered every day', async () => {
    const fallback = source('mempool', { '2024-06-01': 1 });
    await ingestHashprices(new MemoryMarketDataRepository(), [source('hashrateindex', { '2024-06-01': 50 }), fallback], {
      fromDay: '2024-06-01',
      toDay: '2024-06-01',
    });
    expect(fallback.calls).toBe(0);
  });

  it('keeps a stored primary value when only the fallback answers, and upgrades a stored fallback value', async () => {
    const repo = new MemoryMarketDataRepository();
    await repo.putHashprices([
      { date: '2024-06-01', usdPerPhDay: 50, source: 'hashrateindex' },
      { date: '2024-06-02', usdPerPhDay: 60, source: 'mempool' },
    ]);
    const order = (primary: Record<string, number> | Error, fallback: Record<string, number>) => [
      source('hashrateindex', primary),
      source('mempool', fallback),
    ];
    const r1 = await ingestHashprices(repo, order(new Error('down'), { '2024-06-01': 70, '2024-06-02': 71 }), {
      fromDay: '2024-06-01',
      toDay: '2024-06-02',
    });
    expect(r1.kept).toEqual(['2024-06-01']);
    expect((await repo.getHashprices('2024-06-01', '2024-06-02')).map((p) => [p.usdPerPhDay, p.source])).toEqual([
      [50, 'hashrateindex'],
      [71, 'mempool'],
    ]);
    await ingestHashprices(repo, order({ '2024-06-02': 52 }, {}), { fromDay: '2024-06-02', toDay: '2024-06-02' });
    expect(await repo.latestHashprice('2024-06-02')).toEqual({ date: '2024-06-02', usdPerPhDay: 52, source: 'hashrateindex' });
  });

  it('ignores values that are not positive numbers', async () => {
    const repo = new MemoryMarketDataRepository();
    const report = await ingestHashprices(
      repo,
      [source('a', { '2024-06-01': Number.NaN, '2024-06-02': -3 }), source('b', { '2024-06-01': 40 })],
      range,
    );
    expect(report.written.map((p) => `${p.date}:${p.source}`)).toEqual(['2024-06-01:b']);
  });
});
