import { describe, expect, it } from 'vitest';
import { parsePjmDaCsv, parsePjmRtCsv, parsePjmUtc } from '#adapters/feeds/pjm.ts';

const RT_HEADER =
  'datetime_beginning_utc,datetime_beginning_ept,pnode_id,pnode_name,voltage,equipment,type,zone,system_energy_price_rt,total_lmp_rt,congestion_price_rt,marginal_loss_price_rt,row_is_current,version_nbr';
const rt = (utc: string, ept: string, node: string, lmp: string, current = 'TRUE', version = '1') =>
  `${utc},${ept},51288,${node},,,HUB,,25.1,${lmp},0.5,0.1,${current},${version}`;

describe('parsePjmUtc', () => {
  it('reads both Data Miner time forms as UTC', () => {
    expect(parsePjmUtc('1/1/2024 5:00:00 AM')).toBe(Date.parse('2024-01-01T05:00:00Z'));
    expect(parsePjmUtc('7/9/2023 12:00:00 PM')).toBe(Date.parse('2023-07-09T12:00:00Z'));
    expect(parsePjmUtc('7/9/2023 12:00:00 AM')).toBe(Date.parse('2023-07-09T00:00:00Z'));
    expect(parsePjmUtc('2024-01-01T05:00:00')).toBe(Date.parse('2024-01-01T05:00:00Z'));
  });

  it('refuses times that do not exist', () => {
    expect(parsePjmUtc('2/30/2024 5:00:00 AM')).toBeNaN();
    expect(parsePjmUtc('1/1/2024 13:00:00 PM')).toBeNaN();
    expect(parsePjmUtc('2024-01-01T05:00:00-05:00')).toBeNaN();
  });
});

describe('parsePjmRtCsv', () => {
  it('keeps current rows only: a corrected row replaces the superseded one', () => {
    const text = [
      RT_HEADER,
      rt('1/1/2024 5:00:00 AM', '1/1/2024 12:00:00 AM', 'WESTERN HUB', '24.80', 'FALSE', '1'),
      rt('1/1/2024 5:00:00 AM', '1/1/2024 12:00:00 AM', 'WESTERN HUB', '25.75', 'TRUE', '2'),
      rt('1/1/2024 6:00:00 AM', '1/1/2024 1:00:00 AM', 'WESTERN HUB', '-3.10'),
    ].join('\n');
    const r = parsePjmRtCsv(text);
    expect(r.points).toEqual([
      {
        market: 'PJM',
        node: 'WESTERN HUB',
        kind: 'RT',
        intervalStartMs: Date.parse('2024-01-01T05:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: 25.75,
      },
      {
        market: 'PJM',
        node: 'WESTERN HUB',
        kind: 'RT',
        intervalStartMs: Date.parse('2024-01-01T06:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: -3.1,
      },
    ]);
    expect(r.notCurrent).toBe(1);
  });

  it('rejects two current rows for one hour with different prices', () => {
    const text = [
      RT_HEADER,
      rt('1/1/2024 5:00:00 AM', 'x', 'WESTERN HUB', '24.80'),
      rt('1/1/2024 5:00:00 AM', 'x', 'WESTERN HUB', '25.75'),
    ].join('\n');
    expect(() => parsePjmRtCsv(text)).toThrow(
      /^PJM RT LMP CSV, line 3: total_lmp_rt: duplicate interval 2024-01-01T05:00:00.000Z for WESTERN HUB/,
    );
  });

  it('rejects a bad timestamp, a bad flag and an unknown pnode, naming line and field', () => {
    const rows = [
      rt('1/1/2024 5:30:00 AM', 'x', 'WESTERN HUB', '1'),
      rt('1/1/2024 6:00:00 AM', 'x', 'WESTERN HUB', '1', 'maybe'),
      rt('1/1/2024 7:00:00 AM', 'x', 'AEP-DAYTON HUB', '1'),
      rt('1/1/2024 8:00:00 AM', 'x', 'WESTERN HUB', 'n/a'),
    ];
    const r = parsePjmRtCsv([RT_HEADER, ...rows].join('\n'), { skipBadRows: true, nodes: ['WESTERN HUB'] });
    expect(r.rejects.map((x) => `${x.line}:${x.field}`)).toEqual([
      '2:datetime_beginning_utc',
      '3:row_is_current',
      '4:pnode_name',
      '5:total_lmp_rt',
    ]);
    expect(r.points).toEqual([]);
  });

  it('requires the price column of its kind', () => {
    expect(() => parsePjmDaCsv(`${RT_HEADER}\n${rt('1/1/2024 5:00:00 AM', 'x', 'WESTERN HUB', '1')}`)).toThrow(
      /line 1: wrong header: missing column total_lmp_da/,
    );
  });

  it('reads the API form and reports missing hours', () => {
    const text = 'datetime_beginning_utc,pnode_name,total_lmp_da\n2024-01-01T05:00:00,WESTERN HUB,30\n2024-01-01T08:00:00,WESTERN HUB,31\n';
    const r = parsePjmDaCsv(text);
    expect(r.points.map((p) => p.kind)).toEqual(['DA', 'DA']);
    expect(r.gaps).toEqual([
      {
        series: 'PJM WESTERN HUB DA',
        fromMs: Date.parse('2024-01-01T06:00:00Z'),
        toMs: Date.parse('2024-01-01T08:00:00Z'),
        missingIntervals: 2,
      },
    ]);
  });
});
