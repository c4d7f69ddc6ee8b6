/** Ingest into the real DynamoDB repository on dynalite, read back as `switchyard prices` prints it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch, ingestHashprices } from '#app/ingest.ts';
import { pricesOutput } from '#local/commands/prices.ts';
import type { HashpriceSource } from '#ports/feeds.ts';
import { freshTable } from '../support/dynamo.ts';
import { csv, DATA_DIR, HAVE_DATA, RTM_HEADER, rtmDay } from '../unit/feeds/fixtures.ts';

const Y2024 = { from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2025-01-02T00:00:00Z') };
const csvRows = (text: string) => text.trim().split('\n').slice(1);
const steps = (rows: string[]) => new Set(rows.slice(1).map((r, i) => Date.parse(r.split(',')[0]!) - Date.parse(rows[i]!.split(',')[0]!)));

describe('ingest into DynamoDB', () => {
  it('stores both DST days exactly and reads them back in UTC; re-ingesting changes nothing', async () => {
    const t = await freshTable();
    const text = csv(RTM_HEADER, [...rtmDay('03/10/2024', 'spring'), ...rtmDay('11/03/2024', 'fall')]);
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text), { chunkSize: 64 });
    const args = { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT' as const, fromMs: Y2024.from, toMs: Y2024.to, format: 'csv' as const };
    const first = await pricesOutput(t.repos.marketData, args);
    const rows = csvRows(first);
    expect(rows).toHaveLength(192);
    expect(rows.filter((r) => r.startsWith('2024-03-1'))).toHaveLength(92);
    expect(rows).toContain('2024-11-03T07:00:00Z,9'); // the DSTFlag=Y pass of hour-ending 2
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text));
    expect(await pricesOutput(t.repos.marketData, args)).toBe(first);
  });

  it('keeps the primary hashprice source over a fallback across runs, with the source stored', async () => {
    const t = await freshTable();
    const src = (name: string, v: number | Error): HashpriceSource => ({
      name,
      fetchHashprices: async (fromDay) => {
        if (v instanceof Error) throw v;
        return [{ date: fromDay, usdPerPhDay: v, source: name }];
      },
    });
    const day = { fromDay: '2024-06-15', toDay: '2024-06-15' };
    await ingestHashprices(t.repos.marketData, [src('hashrateindex', 53.1), src('mempool', 54)], day);
    const second = await ingestHashprices(t.repos.marketData, [src('hashrateindex', new Error('down')), src('mempool', 55)], day);
    expect(second.kept).toEqual(['2024-06-15']);
    expect(await t.repos.marketData.latestHashprice('2024-06-30')).toEqual({
      date: '2024-06-15',
      usdPerPhDay: 53.1,
      source: 'hashrateindex',
    });
  });

  it('stores grid events from a JSON file where the policy reads them', async () => {
    const t = await freshTable();
    const text = JSON.stringify({
      events: [{ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 40, start: '2024-08-20T22:00:00Z', end: '2024-08-20T23:00:00Z' }],
    });
    await ingestBatch(t.repos.marketData, parseFeedFile('grid-events-json', text));
    await ingestBatch(t.repos.marketData, parseFeedFile('grid-events-json', text));
    const events = await t.repos.marketData.getGridEvents('ERCOT', Date.parse('2024-08-20T22:45:00Z'), Date.parse('2024-08-20T23:00:00Z'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 40, startMs: Date.parse('2024-08-20T22:00:00Z') });
  });
});

describe.skipIf(!HAVE_DATA)('ingest of the real 2024 ERCOT files into DynamoDB', () => {
  it('RTM: prices prints 35,136 contiguous 15-minute rows for 2024', { timeout: 60_000 }, async () => {
    const t = await freshTable();
    const batch = parseFeedFile('ercot-rtm-csv', readFileSync(join(DATA_DIR, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'), 'utf8'));
    await ingestBatch(t.repos.marketData, batch);
    const rows = csvRows(
      await pricesOutput(t.repos.marketData, {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'RT',
        fromMs: Y2024.from,
        toMs: Y2024.to,
        format: 'csv',
      }),
    );
    expect(rows).toHaveLength(35_136);
    expect(steps(rows)).toEqual(new Set([15 * 60_000]));
    expect(rows[0]).toBe('2024-01-01T06:00:00Z,12.58');
  });

  it('DAM: prices prints 8,784 contiguous hours for 2024', { timeout: 60_000 }, async () => {
    const t = await freshTable();
    await ingestBatch(
      t.repos.marketData,
      parseFeedFile('ercot-dam-csv', readFileSync(join(DATA_DIR, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'), 'utf8')),
    );
    const rows = csvRows(
      await pricesOutput(t.repos.marketData, {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'DA',
        fromMs: Y2024.from,
        toMs: Y2024.to,
        format: 'csv',
      }),
    );
    expect(rows).toHaveLength(8_784);
    expect(steps(rows)).toEqual(new Set([3_600_000]));
  });
});
