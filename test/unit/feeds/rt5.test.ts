/** 5-minute prices as files (`ercot-rtm5-csv`, `pjm-rt5-csv`) and through `switchyard prices --kind RT5`. */
import { describe, expect, it } from 'vitest';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { ingestBatch } from '#app/ingest.ts';
import { ValidationError } from '#domain/errors.ts';
import { parsePricesArgs, pricesOutput, UnknownNodeError } from '#local/commands/prices.ts';
import { UsageError } from '#local/commands/types.ts';
import { MemoryMarketDataRepository } from '../../support/memory-market-data.ts';
import { csv } from './fixtures.ts';

const SCED_HEADER = 'SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP';

/** Every SCED run of the fall-back day 2024-11-03 (local 01:00–01:55 twice, the second pass flagged), seconds :14. */
function scedFallBackDay(nodes = ['HB_HUBAVG']): string[] {
  const rows: string[] = [];
  let lmp = 0;
  for (let h = 0; h < 24; h++) {
    for (const flag of h === 1 ? ['N', 'Y'] : ['N']) {
      for (let m = 0; m < 60; m += 5) {
        lmp += 1;
        const stamp = `11/03/2024 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:14`;
        for (const node of nodes) rows.push(`${stamp},${flag},${node},${lmp}`);
      }
    }
  }
  return rows;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('ercot-rtm5-csv', () => {
  it('stores each SCED run as an RT5 price at its timestamp, 300 distinct runs on the fall-back day', () => {
    const batch = parseFeedFile('ercot-rtm5-csv', csv(SCED_HEADER, scedFallBackDay()));
    const prices = batch.prices!;
    expect(batch.source).toBe('ercot-rtm5-csv');
    expect(prices).toHaveLength(300);
    expect(new Set(prices.map((p) => p.intervalStartMs)).size).toBe(300);
    expect(prices[0]).toEqual({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT5',
      intervalStartMs: Date.parse('2024-11-03T05:00:14Z'),
      intervalMinutes: 5,
      priceUsdPerMwh: 1,
    });
    // 01:55 CDT, then the repeated 01:00 (CST) an hour after the first pass's 01:00.
    expect(prices.slice(23, 26).map((p) => [iso(p.intervalStartMs), p.priceUsdPerMwh])).toEqual([
      ['2024-11-03T06:55:14.000Z', 24],
      ['2024-11-03T07:00:14.000Z', 25],
      ['2024-11-03T07:05:14.000Z', 26],
    ]);
    expect(iso(prices.at(-1)!.intervalStartMs)).toBe('2024-11-04T05:55:14.000Z');
    expect(batch.gaps).toEqual([]);
  });

  it('with --nodes keeps only those settlement points of a file that lists them all', () => {
    const batch = parseFeedFile('ercot-rtm5-csv', csv(SCED_HEADER, scedFallBackDay(['HB_HUBAVG', 'HB_NORTH', 'LZ_WEST'])), {
      nodes: ['HB_NORTH'],
    });
    expect(new Set(batch.prices!.map((p) => p.node))).toEqual(new Set(['HB_NORTH']));
    expect(batch.prices).toHaveLength(300);
    expect(batch.rejects).toEqual([]);
  });

  it('names the line and field of a bad row', () => {
    expect(() => parseFeedFile('ercot-rtm5-csv', csv(SCED_HEADER, ['11/03/2024 00:00:14,N,HB_HUBAVG,abc']))).toThrow(ValidationError);
  });
});

describe('pjm-rt5-csv', () => {
  it('reads five-minute LMPs by their UTC start as RT5, the repeated EPT hour included', () => {
    const header = 'datetime_beginning_utc,datetime_beginning_ept,pnode_id,pnode_name,total_lmp_rt,row_is_current';
    const rows = [
      '11/3/2024 5:55:00 AM,11/3/2024 1:55:00 AM,51288,WESTERN HUB,30.5,TRUE',
      '11/3/2024 6:00:00 AM,11/3/2024 1:00:00 AM,51288,WESTERN HUB,31,TRUE',
      '11/3/2024 6:05:00 AM,11/3/2024 1:05:00 AM,51288,WESTERN HUB,32,TRUE',
    ];
    const batch = parseFeedFile('pjm-rt5-csv', csv(header, rows));
    expect(batch.prices!.map((p) => [iso(p.intervalStartMs), p.kind, p.intervalMinutes, p.priceUsdPerMwh])).toEqual([
      ['2024-11-03T05:55:00.000Z', 'RT5', 5, 30.5],
      ['2024-11-03T06:00:00.000Z', 'RT5', 5, 31],
      ['2024-11-03T06:05:00.000Z', 'RT5', 5, 32],
    ]);
  });
});

describe('switchyard prices --kind RT5', () => {
  async function stored() {
    const repo = new MemoryMarketDataRepository();
    await ingestBatch(repo, parseFeedFile('ercot-rtm5-csv', csv(SCED_HEADER, scedFallBackDay())));
    return repo;
  }
  const args = (node = 'HB_HUBAVG') => [
    '--market',
    'ERCOT',
    '--node',
    node,
    '--kind',
    'RT5',
    '--from',
    '2024-11-03T06:50:00Z',
    '--to',
    '2024-11-03T07:10:00Z',
  ];

  it('prints the SCED timestamps, seconds included, through the repeated hour', async () => {
    expect(await pricesOutput(await stored(), parsePricesArgs(args()))).toBe(
      'interval_start_utc,price_usd_per_mwh\n2024-11-03T06:50:14Z,23\n2024-11-03T06:55:14Z,24\n2024-11-03T07:00:14Z,25\n2024-11-03T07:05:14Z,26\n',
    );
  });

  it('accepts RT, DA and RT5 only', () => {
    expect(() => parsePricesArgs(args().map((a) => (a === 'RT5' ? 'RT15' : a)))).toThrow(
      new UsageError('--kind must be one of RT, DA, RT5 (got "RT15")'),
    );
  });

  it('fails on a node no site uses and nothing is stored for, naming the flag and the known nodes', async () => {
    const err = await pricesOutput(await stored(), parsePricesArgs(args('NOPE')), () => ['HB_HUBAVG', 'HB_WEST']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnknownNodeError);
    expect((err as Error).message).toBe(
      '--node NOPE: not a settlement point of a configured ERCOT site, and no prices are stored for it (known nodes: HB_HUBAVG, HB_WEST)',
    );
  });

  it('prints just the header for a configured node with nothing in the window', async () => {
    expect(await pricesOutput(new MemoryMarketDataRepository(), parsePricesArgs(args('HB_WEST')), () => ['HB_WEST'])).toBe(
      'interval_start_utc,price_usd_per_mwh\n',
    );
  });

  it('prints just the header for a node that has prices stored outside the window, even with no site configured', async () => {
    const a = parsePricesArgs([...args().slice(0, 6), '--from', '2024-12-01T00:00:00Z', '--to', '2024-12-02T00:00:00Z']);
    expect(await pricesOutput(await stored(), a)).toBe('interval_start_utc,price_usd_per_mwh\n');
  });
});
