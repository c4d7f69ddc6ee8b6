/** Nord Pool, ENTSO-E and ECB files ingested into DynamoDB on dynalite: EUR prices, revisions, audited replacement, rates. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestFile } from '#local/commands/ingest.ts';
import { pricesOutput } from '#local/commands/prices.ts';
import { freshTable } from '../support/dynamo.ts';
import { a44, ecbXml, fullDay, nordPoolDay } from '../unit/nordpool/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'nordpool-ingest-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}
const quiet = () => {
  const err: string[] = [];
  return { io: { out: () => {}, err: (t: string) => void err.push(t), now: () => 0 }, err };
};

describe('Nord Pool day-ahead storage', () => {
  it('stores a 100-quarter-hour day in EUR and prints it with the currency in the header', async () => {
    const t = await freshTable();
    const day = '2025-10-26';
    const path = file('np-fall.json', JSON.stringify(nordPoolDay({ day, minutes: 15, state: 'Final', price: (i) => 30 + i / 4 })));
    const { io } = quiet();
    await ingestFile(t.repos.marketData, { source: 'nordpool-json', file: path, skipBadRows: false }, io, t.repos.audit);
    const { startMs, endMs } = deliveryDayWindow(day);
    const out = await pricesOutput(t.repos.marketData, {
      market: 'NORDPOOL',
      node: 'NO3',
      kind: 'DA',
      fromMs: startMs,
      toMs: endMs,
      format: 'csv',
    });
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('interval_start_utc,price_eur_per_mwh');
    expect(lines).toHaveLength(101);
    expect(lines[1]).toBe('2025-10-25T22:00:00Z,30');
    expect(lines[100]).toBe('2025-10-26T22:45:00Z,54.75');
    const stored = await t.repos.marketData.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs);
    expect(new Set(stored.map((p) => p.currency))).toEqual(new Set(['EUR']));
    const json = JSON.parse(
      await pricesOutput(t.repos.marketData, { market: 'NORDPOOL', node: 'NO3', kind: 'DA', fromMs: startMs, toMs: endMs, format: 'json' }),
    );
    expect([json.currency, json.items[0].price_eur_per_mwh]).toEqual(['EUR', 30]);
  });

  it('replaces a preliminary day by its final version, records the replacement, and keeps it against an older answer', async () => {
    const t = await freshTable();
    const day = '2025-11-12';
    const { startMs, endMs } = deliveryDayWindow(day);
    const prelim = file(
      'np-pre.json',
      JSON.stringify(nordPoolDay({ day, minutes: 15, version: 1, state: 'Preliminary', price: () => 50 })),
    );
    const final = file('np-final.json', JSON.stringify(nordPoolDay({ day, minutes: 15, version: 2, state: 'Final', price: () => 61.5 })));
    const md = t.repos.marketData;
    const { io, err } = quiet();
    await ingestFile(md, { source: 'nordpool-json', file: prelim, skipBadRows: false }, io, t.repos.audit);
    expect((await md.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs)).map((p) => p.priceUsdPerMwh)).toEqual(Array(96).fill(50));
    await ingestFile(md, { source: 'nordpool-json', file: final, skipBadRows: false }, io, t.repos.audit);
    expect((await md.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs)).map((p) => p.priceUsdPerMwh)).toEqual(Array(96).fill(61.5));
    expect(await md.getDayAheadRevision('NORDPOOL', 'NO3', day)).toMatchObject({
      version: 2,
      state: 'Final',
      currency: 'EUR',
      intervalMinutes: 15,
    });
    const audit = await t.repos.audit.list(0, Date.parse('2100-01-01T00:00:00Z'));
    expect(audit.items.map((r) => [r.action, r.entity.id, r.before?.state, r.after?.state])).toEqual([
      ['DAY_AHEAD_REPLACED', `NORDPOOL:NO3:${day}`, 'Preliminary', 'Final'],
    ]);
    // The preliminary answer again (a late retry): the final stays.
    await ingestFile(md, { source: 'nordpool-json', file: prelim, skipBadRows: false }, io, t.repos.audit);
    expect((await md.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs))[0]!.priceUsdPerMwh).toBe(61.5);
    expect(err.join('')).toContain('kept the stored Final version 2');
  });

  it('stores ENTSO-E A44 days in EUR and ECB rates as their own series', async () => {
    const t = await freshTable();
    const day = '2025-10-27';
    const { startMs, endMs } = deliveryDayWindow(day);
    const xml = a44([{ periods: [fullDay(day, 15, (i) => 20 + (i % 4))] }], { revision: 1 });
    await ingestFile(
      t.repos.marketData,
      { source: 'entsoe-xml', file: file('a44.xml', xml), skipBadRows: false },
      quiet().io,
      t.repos.audit,
    );
    const prices = await t.repos.marketData.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs);
    expect(prices).toHaveLength(96);
    expect(prices.slice(0, 5).map((p) => `${p.priceUsdPerMwh} ${p.currency}`)).toEqual(['20 EUR', '21 EUR', '22 EUR', '23 EUR', '20 EUR']);

    const rates = ecbXml([
      { date: '2025-10-24', rates: { USD: '1.1620', NOK: '11.70' } },
      { date: '2025-10-27', rates: { USD: '1.1650', NOK: '11.68' } },
    ]);
    await ingestFile(t.repos.marketData, { source: 'ecb-fx-xml', file: file('fx.xml', rates), skipBadRows: false }, quiet().io);
    expect(await t.repos.marketData.latestFxRate('EUR', 'USD', '2025-10-26')).toEqual({
      date: '2025-10-24',
      base: 'EUR',
      quote: 'USD',
      rate: 1.162,
      source: 'ecb-fx-xml',
    });
    expect((await t.repos.marketData.getFxRates('EUR', 'USD', '2025-10-01', '2025-10-31')).map((r) => r.rate)).toEqual([1.162, 1.165]);
  });

  it('reads USD records written before currencies as USD and keeps writing them the same way', async () => {
    const t = await freshTable();
    const md = t.repos.marketData;
    await md.putPrices([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: 0, intervalMinutes: 15, priceUsdPerMwh: 20, currency: 'USD' },
    ]);
    const [p] = await md.getPrices('ERCOT', 'HB_HUBAVG', 'RT', 0, 1);
    expect(p).toEqual({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: 0, intervalMinutes: 15, priceUsdPerMwh: 20 });
  });

  it('rejects a bad file naming the field, storing nothing', async () => {
    const t = await freshTable();
    const doc = nordPoolDay({ day: '2025-11-12', minutes: 15 }) as { multiAreaEntries: { entryPerArea: Record<string, unknown> }[] };
    doc.multiAreaEntries[5]!.entryPerArea.NO3 = null;
    const path = file('bad.json', JSON.stringify(doc, null, 2));
    await expect(ingestFile(t.repos.marketData, { source: 'nordpool-json', file: path, skipBadRows: false }, quiet().io)).rejects.toThrow(
      /multiAreaEntries\[5\]\.entryPerArea\.NO3/,
    );
    expect(await t.repos.marketData.latestPrice('NORDPOOL', 'NO3', 'DA', Date.parse('2100-01-01T00:00:00Z'))).toBeNull();
    expect(() => parseFeedFile('nordpool-json', '{\n  "deliveryDateCET": "2025-11-12",\n  oops\n}')).toThrow(/line 3/);
  });
});
