import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { ingestFile, parseIngestArgs } from '#local/commands/ingest.ts';
import { parsePricesArgs, pricesOutput } from '#local/commands/prices.ts';
import { UsageError } from '#local/commands/types.ts';
import { MemoryMarketDataRepository } from '../../support/memory-market-data.ts';
import { csv, RTM_HEADER, rtmDay } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-ingest-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      now: (() => {
        let t = 0;
        return () => (t += 100);
      })(),
    },
  };
}

describe('switchyard ingest', () => {
  it('requires a known source and a file', () => {
    expect(() => parseIngestArgs(['--file', 'x.csv'])).toThrow(new UsageError('--source is required'));
    expect(() => parseIngestArgs(['--source', 'nyiso-csv', '--file', 'x.csv'])).toThrow(
      /--source must be one of ercot-rtm-csv, ercot-dam-csv, .*grid-events-json \(got "nyiso-csv"\)/,
    );
    expect(parseIngestArgs(['--source', 'ercot-rtm-csv', '--file', 'x.csv', '--skip-bad-rows', '--nodes', 'HB_HUBAVG, HB_WEST'])).toEqual({
      source: 'ercot-rtm-csv',
      file: 'x.csv',
      skipBadRows: true,
      nodes: ['HB_HUBAVG', 'HB_WEST'],
    });
  });

  it('stores the file and prints a summary line with rows per second', async () => {
    const repo = new MemoryMarketDataRepository();
    const path = file('day.csv', csv(RTM_HEADER, rtmDay('03/10/2024', 'spring')));
    const { out, err, io: sink } = io();
    const report = await ingestFile(repo, { source: 'ercot-rtm-csv', file: path, skipBadRows: false }, sink);
    expect(report.written.prices).toBe(92);
    expect(err).toEqual([]);
    // The fake clock advances 100 ms per reading: parse and write each take 100 ms.
    expect(out).toEqual([
      'ingested day.csv as ercot-rtm-csv: 92 rows, 92 prices written (0 changed, 92 new, 0 unchanged), 0 skipped, 0 duplicates, 0 gaps; ' +
        'parse 100 ms (920 rows/s), write 0.1 s (920 rows/s)\n',
    ]);
  });

  it('with --skip-bad-rows lists every skipped row and the gap it leaves', async () => {
    const rows = rtmDay('01/01/2024', 'normal');
    rows[4] = '01/01/2024,2,1,HB_HUBAVG,SH,oops,N';
    const { out, err, io: sink } = io();
    await ingestFile(
      new MemoryMarketDataRepository(),
      { source: 'ercot-rtm-csv', file: file('bad.csv', csv(RTM_HEADER, rows)), skipBadRows: true },
      sink,
    );
    expect(err).toEqual([
      'skipped line 6: SettlementPointPrice: not a number\n',
      'gap: ERCOT HB_HUBAVG RT 2024-01-01T07:00:00.000Z .. 2024-01-01T07:15:00.000Z (1 intervals missing)\n',
    ]);
    expect(out[0]).toMatch(/: 96 rows, 95 prices written \(0 changed, 95 new, 0 unchanged\), 1 skipped, 0 duplicates, 1 gaps;/);
  });

  it('stops at a bad row, naming line and field, and stores nothing', async () => {
    const repo = new MemoryMarketDataRepository();
    const path = file('trunc.csv', `${RTM_HEADER}\n01/01/2024,1,1,HB_HUBAVG,SH,12.58,N\n01/01/2024,1,2,HB`);
    const err = await ingestFile(repo, { source: 'ercot-rtm-csv', file: path, skipBadRows: false }, io().io).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/^ERCOT RTM CSV, line 3: expected 7 fields, got 4/);
    expect(repo.calls).toEqual([]);
  });

  it('says which file it could not read', async () => {
    await expect(
      ingestFile(new MemoryMarketDataRepository(), { source: 'ercot-dam-csv', file: join(dir, 'nope.csv'), skipBadRows: false }, io().io),
    ).rejects.toThrow(`cannot read --file ${join(dir, 'nope.csv')}: ENOENT`);
  });

  it('draws a progress bar on a terminal stream', async () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    let drawn = '';
    tty.on('data', (c: Buffer) => (drawn += c.toString()));
    const { io: sink } = io();
    await ingestFile(
      new MemoryMarketDataRepository(),
      { source: 'ercot-rtm-csv', file: file('tty.csv', csv(RTM_HEADER, rtmDay('01/01/2024', 'normal'))), skipBadRows: false },
      { ...sink, progressStream: tty },
    );
    expect(drawn).toContain('96/96 points');
    expect(drawn).toContain('100%');
  });
});

describe('switchyard prices', () => {
  async function stored() {
    const repo = new MemoryMarketDataRepository();
    await ingestFile(
      repo,
      { source: 'ercot-rtm-csv', file: file('p.csv', csv(RTM_HEADER, rtmDay('01/01/2024', 'normal'))), skipBadRows: false },
      io().io,
    );
    return repo;
  }
  const args = [
    '--market',
    'ERCOT',
    '--node',
    'HB_HUBAVG',
    '--kind',
    'RT',
    '--from',
    '2024-01-01T06:00:00Z',
    '--to',
    '2024-01-01T07:00:00Z',
  ];

  it('prints one CSV row per stored interval in [from, to)', async () => {
    const text = await pricesOutput(await stored(), parsePricesArgs(args));
    expect(text).toBe(
      'interval_start_utc,price_usd_per_mwh\n2024-01-01T06:00:00Z,1\n2024-01-01T06:15:00Z,2\n2024-01-01T06:30:00Z,3\n2024-01-01T06:45:00Z,4\n',
    );
  });

  it('prints JSON on request', async () => {
    const json = JSON.parse(await pricesOutput(await stored(), parsePricesArgs([...args, '--format', 'json'])));
    expect(json.items).toHaveLength(4);
    expect(json.items[0]).toEqual({ interval_start_utc: '2024-01-01T06:00:00Z', interval_minutes: 15, price_usd_per_mwh: 1 });
  });

  it('rejects a window that ends before it starts, and unknown kinds', () => {
    expect(() => parsePricesArgs([...args.slice(0, 6), '--from', '2024-01-02', '--to', '2024-01-01'])).toThrow(
      new UsageError('--to must be after --from'),
    );
    expect(() => parsePricesArgs(args.map((a) => (a === 'RT' ? 'RTM' : a)))).toThrow(/--kind must be one of RT, DA/);
  });
});
