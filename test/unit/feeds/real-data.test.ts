/** The parsers on the real 2024 files in ../shared/data (skipped, with a message, where that folder is absent). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hashpricePointsFromDifficulty,
  hashpricePointsFromNetwork,
  parseBtcNetworkCsv,
  parseDifficultyCsv,
} from '#adapters/feeds/btc-network.ts';
import { cptDateOf } from '#adapters/feeds/cpt.ts';
import {
  parseErcotDamCsv,
  parseErcotLoadForecastCsv,
  parseErcotNativeLoadCsv,
  parseErcotRtmCsv,
  parseHubHourlyCsv,
} from '#adapters/feeds/ercot-mis.ts';
import { DATA_DIR, HAVE_DATA } from './fixtures.ts';

const read = (rel: string) => readFileSync(join(DATA_DIR, rel), 'utf8');
const countByLocalDay = (starts: number[]) => {
  const m = new Map<string, number>();
  for (const t of starts) m.set(cptDateOf(t), (m.get(cptDateOf(t)) ?? 0) + 1);
  return m;
};
const distinctSteps = (starts: number[]) => new Set(starts.slice(1).map((t, i) => t - starts[i]!));

describe.skipIf(!HAVE_DATA)('ERCOT 2024 files', () => {
  it('RTM: 35,136 contiguous 15-minute UTC intervals, 92 and 100 on the DST days', () => {
    const r = parseErcotRtmCsv(read('ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'), { settlementPoints: ['HB_HUBAVG'] });
    const starts = r.points.map((p) => p.intervalStartMs);
    expect(r.points).toHaveLength(35_136);
    expect([r.rejects, r.gaps, r.duplicates]).toEqual([[], [], 0]);
    expect(new Date(starts[0]!).toISOString()).toBe('2024-01-01T06:00:00.000Z');
    expect(new Date(starts.at(-1)!).toISOString()).toBe('2025-01-01T05:45:00.000Z');
    expect(distinctSteps(starts)).toEqual(new Set([15 * 60_000]));
    const perDay = countByLocalDay(starts);
    expect(perDay.size).toBe(366);
    expect([perDay.get('2024-03-10'), perDay.get('2024-11-03'), perDay.get('2024-07-04')]).toEqual([92, 100, 96]);
    // Negative prices are kept: the year's lowest is 01/12/2024 hour-ending 3, interval 3 (02:30 CST).
    const lowest = r.points.reduce((a, b) => (b.priceUsdPerMwh < a.priceUsdPerMwh ? b : a));
    expect([new Date(lowest.intervalStartMs).toISOString(), lowest.priceUsdPerMwh]).toEqual(['2024-01-12T08:30:00.000Z', -32]);
  });

  it('DAM: 8,784 contiguous hours, 23 and 25 on the DST days', () => {
    const r = parseErcotDamCsv(read('ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'));
    const starts = r.points.map((p) => p.intervalStartMs);
    expect(r.points).toHaveLength(8_784);
    expect(distinctSteps(starts)).toEqual(new Set([3_600_000]));
    const perDay = countByLocalDay(starts);
    expect([perDay.get('2024-03-10'), perDay.get('2024-11-03')]).toEqual([23, 25]);
  });

  it('native load 2023 and 2024: every hour of each year, contiguous', () => {
    for (const [file, hours] of [
      ['ercot/native_load_hourly_2023.csv', 8_760],
      ['ercot/native_load_hourly_2024.csv', 8_784],
    ] as const) {
      const r = parseErcotNativeLoadCsv(read(file));
      expect(r.points).toHaveLength(hours);
      expect(distinctSteps(r.points.map((p) => p.intervalStartMs))).toEqual(new Set([3_600_000]));
    }
  });

  it('load forecast: 8,790 UTC hours', () => {
    const r = parseErcotLoadForecastCsv(read('ercot/load_forecast_da_hourly_2024.csv'));
    expect([r.points.length, r.gaps.length]).toEqual([8_790, 0]);
  });

  it('hub hourly HB_WEST: the real gap of March 2024 is reported, and the one row at a non-existent hour is rejected', () => {
    const text = read('ercot/hub_hourly_HB_WEST_2024.csv');
    expect(() => parseHubHourlyCsv(text)).toThrow(/line 1659: hour_ending: hour-ending 3 does not exist on 2024-03-10/);
    const r = parseHubHourlyCsv(text, { skipBadRows: true });
    expect(r.rejects.map((x) => x.line)).toEqual([1659]);
    const da = r.gaps.filter((g) => g.series === 'ERCOT HB_WEST DA');
    // 2024-03-10 02:00 CPT (after hour-ending 1) to 2024-03-17 03:00 CDT (hour-ending 4).
    expect(da[0]).toEqual({
      series: 'ERCOT HB_WEST DA',
      fromMs: Date.parse('2024-03-10T07:00:00Z'),
      toMs: Date.parse('2024-03-17T08:00:00Z'),
      missingIntervals: 169,
    });
    // The file has no repeated fall-back hour: one hour missing on 2024-11-03.
    expect(da[1]).toMatchObject({ fromMs: Date.parse('2024-11-03T07:00:00Z'), missingIntervals: 1 });
    expect(r.prices.filter((p) => p.kind === 'DA')).toHaveLength(8_614);
  });
});

describe.skipIf(!HAVE_DATA)('BTC network 2020–2024 files', () => {
  const network = () => parseBtcNetworkCsv(read('btc/network_daily_2020_2024.csv'));

  it('reads every day from 2020-01-01 to 2024-12-31 without gaps', () => {
    const r = network();
    expect([r.points.length, r.points[0]!.date, r.points.at(-1)!.date, r.gaps.length]).toEqual([1_827, '2020-01-01', '2024-12-31', 0]);
  });

  it('hashprice of 2024-06-15 from the CSV equals the hand computation', () => {
    const h = hashpricePointsFromNetwork(network().points).find((p) => p.date === '2024-06-15');
    // (418.75 + 44.27193232) BTC × $66,204.904308007 / (mean hashrate 2024-06-09..15 = 575,486,715.8 TH/s / 1000)
    expect(h?.usdPerPhDay).toBeCloseTo(53.2667772842, 8);
  });

  it('the 2024 network series peaks on the halving day and otherwise stays within $30–$135', () => {
    const y2024 = hashpricePointsFromNetwork(network().points).filter((p) => p.date.startsWith('2024'));
    const sorted = [...y2024].sort((a, b) => b.usdPerPhDay - a.usdPerPhDay);
    expect(sorted[0]!.date).toBe('2024-04-20');
    expect(sorted[0]!.usdPerPhDay).toBeGreaterThan(1.2 * sorted[1]!.usdPerPhDay);
    expect(sorted[1]!.usdPerPhDay).toBeLessThan(135);
    // This formula divides one day's issuance by a 7-day mean hashrate, so a day with few blocks
    // found reads low: 2024-08-07 (122 blocks) and 2024-09-11 (108 blocks) are the only days under $35.
    expect(
      sorted
        .filter((p) => p.usdPerPhDay < 35)
        .map((p) => p.date)
        .sort(),
    ).toEqual(['2024-08-07', '2024-09-11']);
    expect(sorted.at(-1)!.usdPerPhDay).toBeGreaterThan(30);
  });

  it('the 2024 difficulty series spikes on 2024-04-20 (~$187) and otherwise stays between $35 and $200', () => {
    const diff = parseDifficultyCsv(read('btc/difficulty_daily_2020_2024.csv')).points;
    const y2024 = hashpricePointsFromDifficulty(diff, network().points).filter((p) => p.date.startsWith('2024'));
    expect(y2024).toHaveLength(366);
    const spike = y2024.find((p) => p.date === '2024-04-20')!;
    expect(spike.usdPerPhDay).toBeCloseTo(187.5, 0);
    const others = y2024.filter((p) => p.date !== '2024-04-20').map((p) => p.usdPerPhDay);
    expect(Math.min(...others)).toBeGreaterThan(35);
    expect(Math.max(...others)).toBeLessThan(0.7 * spike.usdPerPhDay);
  });
});
