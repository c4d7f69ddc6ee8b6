/** Ingest on dynalite: a correction counts and audits the prices it changed; every ingest leaves a start and completion marker. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch } from '#app/ingest.ts';
import { ingestFile, unfinishedWarning } from '#local/commands/ingest.ts';
import { ingestKey } from '#ports/ingest-markers.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { freshTable } from '../support/dynamo.ts';
import { csv, RTM_HEADER, rtmDay } from '../unit/feeds/fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-corrections-'));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const NOW = Date.parse('2024-02-01T12:00:00Z');
const quiet = () => {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
};
/** One day's rows with the prices of rows 10..18 raised by 100 (nine corrected intervals). */
const corrected = (rows: string[]) =>
  rows.map((r, i) => {
    if (i < 10 || i > 18) return r;
    const f = r.split(',');
    f[5] = (Number(f[5]) + 100).toFixed(2);
    return f.join(',');
  });
const year = { from: Date.parse('2024-01-01T00:00:00Z'), to: Date.parse('2024-01-03T00:00:00Z') };

describe('a price correction', () => {
  it('counts changed, new and unchanged prices and writes one audit record with a sample old → new', async () => {
    const t = await freshTable();
    const day1 = rtmDay('01/01/2024', 'normal');
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', csv(RTM_HEADER, day1)));
    const target = { kind: 'file' as const, source: 'ercot-rtm-csv', name: 'jan.csv', hash: 'abc' };
    const text = csv(RTM_HEADER, [...corrected(day1), ...rtmDay('01/02/2024', 'normal')]);

    const r = await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text), {
      audit: t.repos.audit,
      target,
      nowMs: NOW,
      chunkSize: 50,
    });

    expect(r.prices).toEqual({ changed: 9, new: 96, unchanged: 87 });
    expect(r.changedSample).toHaveLength(9);
    expect(r.changedSample[0]).toEqual({
      series: 'ERCOT:HB_HUBAVG:RT',
      intervalStartMs: Date.parse('2024-01-01T08:30:00Z'),
      old: 11,
      new: 111,
    });
    const { items } = await t.repos.audit.list(year.from, NOW + 1);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      action: 'PRICES_CORRECTED',
      actor: 'ercot-rtm-csv',
      entity: { type: 'prices', id: ingestKey(target) },
      before: { prices: { 'ERCOT:HB_HUBAVG:RT 2024-01-01T08:30:00.000Z': 11 } },
      after: { source: 'ercot-rtm-csv', file: 'jan.csv', hash: 'abc', series: ['ERCOT:HB_HUBAVG:RT'], changed: 9, new: 96, unchanged: 87 },
      reason: 'file jan.csv changed 9 stored prices (96 new, 87 unchanged)',
    });
    expect(Object.keys(items[0]!.after!.prices as object)).toHaveLength(9);
    const stored = await t.repos.marketData.getPrices('ERCOT', 'HB_HUBAVG', 'RT', year.from, year.to);
    expect(stored.find((p) => p.intervalStartMs === Date.parse('2024-01-01T08:30:00Z'))?.priceUsdPerMwh).toBe(111);
  });

  it('bounds the sample to 20 intervals while counting every change', async () => {
    const t = await freshTable();
    const day = rtmDay('01/01/2024', 'normal');
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', csv(RTM_HEADER, day)));
    const r = await ingestBatch(
      t.repos.marketData,
      parseFeedFile('ercot-rtm-csv', csv(RTM_HEADER, rtmDay('01/01/2024', 'normal', 'HB_HUBAVG', 5))),
      {
        audit: t.repos.audit,
        nowMs: NOW,
      },
    );
    expect(r.prices).toEqual({ changed: 96, new: 0, unchanged: 0 });
    expect(r.changedSample).toHaveLength(20);
    const { items } = await t.repos.audit.list(year.from, NOW + 1);
    expect(items.map((i) => i.after?.sampled)).toEqual([20]);
  });

  it('re-ingesting the same file changes nothing and writes no audit record', async () => {
    const t = await freshTable();
    const text = csv(RTM_HEADER, rtmDay('01/01/2024', 'normal'));
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text), { audit: t.repos.audit, nowMs: NOW });
    const again = await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text), { audit: t.repos.audit, nowMs: NOW + 1 });
    expect(again.prices).toEqual({ changed: 0, new: 0, unchanged: 96 });
    expect((await t.repos.audit.list(year.from, NOW + 10)).items).toEqual([]);
  });

  it('is printed by switchyard ingest: the counts in the summary and the first changed intervals on stderr', async () => {
    const t = await freshTable();
    const day = rtmDay('01/01/2024', 'normal');
    const path = write('fix.csv', csv(RTM_HEADER, day));
    await ingestFile(
      t.repos.marketData,
      { source: 'ercot-rtm-csv', file: path, skipBadRows: false },
      quiet().io,
      t.repos.audit,
      t.repos.ingests,
    );
    writeFileSync(path, csv(RTM_HEADER, corrected(day)));
    const { out, err, io } = quiet();
    await ingestFile(t.repos.marketData, { source: 'ercot-rtm-csv', file: path, skipBadRows: false }, io, t.repos.audit, t.repos.ingests);
    expect(out[0]).toMatch(/: 96 rows, 96 prices written \(9 changed, 0 new, 87 unchanged\),/);
    expect(err.slice(0, 2)).toEqual([
      'changed: ERCOT:HB_HUBAVG:RT 2024-01-01T08:30:00.000Z 11 → 111\n',
      'changed: ERCOT:HB_HUBAVG:RT 2024-01-01T08:45:00.000Z 12 → 112\n',
    ]);
    expect(err.at(-1)).toBe('… and 4 more changed prices (the audit trail lists 9)\n');
    const { items } = await t.repos.audit.list(0, Date.now() + 1000);
    expect(items.map((i) => [i.action, i.actor, i.after?.file])).toEqual([['PRICES_CORRECTED', 'cli:ercot-rtm-csv', 'fix.csv']]);
  });
});

describe('the ingest marker', () => {
  const target = { kind: 'file' as const, source: 'ercot-rtm-csv', name: 'year.csv' };
  const key = ingestKey(target);
  const text = csv(RTM_HEADER, [...rtmDay('01/01/2024', 'normal'), ...rtmDay('01/02/2024', 'normal')]);

  /** A store that fails the `n`-th price write, as a process killed there would stop. */
  const failingAt = (repo: MarketDataRepository, n: number): MarketDataRepository => {
    let calls = 0;
    return new Proxy(repo, {
      get(target, prop) {
        if (prop === 'putPrices')
          return async (points: Parameters<MarketDataRepository['putPrices']>[0]) => {
            if (++calls === n) throw new Error('killed');
            await repo.putPrices(points);
          };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };

  it('records start and completion of an ingest, and is not open once it completed', async () => {
    const t = await freshTable();
    await ingestBatch(t.repos.marketData, parseFeedFile('ercot-rtm-csv', text), {
      markers: t.repos.ingests,
      target,
      nowMs: NOW,
      chunkSize: 50,
    });
    expect(await t.repos.ingests.get(key)).toMatchObject({
      ...target,
      key,
      startedAtMs: NOW,
      completedAtMs: NOW,
      expected: 192,
      written: 192,
      prices: { new: 192, changed: 0, unchanged: 0 },
    });
    expect(await t.repos.ingests.open()).toEqual([]);
  });

  it('stays open with the progress made when an ingest stops half-way', async () => {
    const t = await freshTable();
    const failed = ingestBatch(failingAt(t.repos.marketData, 3), parseFeedFile('ercot-rtm-csv', text), {
      markers: t.repos.ingests,
      target,
      nowMs: NOW,
      chunkSize: 50,
    });
    await expect(failed).rejects.toThrow('killed');
    const open = await t.repos.ingests.open();
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ key, expected: 192, written: 100, startedAtMs: NOW });
    expect(open[0]!.completedAtMs).toBeUndefined();
  });

  it('makes the next ingest of that file say the earlier one did not complete, and closes once it completes', async () => {
    const t = await freshTable();
    const path = write('year.csv', text);
    const args = { source: 'ercot-rtm-csv' as const, file: path, skipBadRows: false };
    await expect(ingestFile(failingAt(t.repos.marketData, 1), args, quiet().io, t.repos.audit, t.repos.ingests)).rejects.toThrow('killed');
    const stopped = (await t.repos.ingests.get(key))!;
    expect(stopped.completedAtMs).toBeUndefined();

    const { err, io } = quiet();
    await ingestFile(t.repos.marketData, args, io, t.repos.audit, t.repos.ingests);

    expect(err).toContain(unfinishedWarning('year.csv', stopped));
    expect(unfinishedWarning('year.csv', stopped)).toMatch(
      /^the earlier ingest of year.csv \(started .*Z, 0 of 192 points stored\) did not complete; this ingest replaces it\n$/,
    );
    const closed = (await t.repos.ingests.get(key))!;
    expect(closed.completedAtMs).toBeGreaterThanOrEqual(closed.startedAtMs);
    expect(closed.written).toBe(192);
    expect(await t.repos.ingests.open()).toEqual([]);
    const { err: third } = quiet();
    await ingestFile(t.repos.marketData, args, { ...quiet().io, err: (s: string) => third.push(s) }, t.repos.audit, t.repos.ingests);
    expect(third.filter((l) => l.includes('did not complete'))).toEqual([]);
  });

  it('keeps a newer ingest of the same file from being closed by an older one that wakes up', async () => {
    const t = await freshTable();
    const base = { ...target, key, updatedAtMs: NOW, expected: 10, written: 0 };
    await t.repos.ingests.start({ ...base, startedAtMs: NOW });
    const replaced = await t.repos.ingests.start({ ...base, startedAtMs: NOW + 1_000, updatedAtMs: NOW + 1_000 });
    expect(replaced).toMatchObject({ startedAtMs: NOW });
    await t.repos.ingests.complete(key, NOW, { written: 10, nowMs: NOW + 2_000 });
    await t.repos.ingests.progress(key, NOW, 5, NOW + 2_000);
    expect(await t.repos.ingests.get(key)).toMatchObject({ startedAtMs: NOW + 1_000, written: 0 });
    expect((await t.repos.ingests.open()).map((m) => m.startedAtMs)).toEqual([NOW + 1_000]);
  });
});
