/**
 * Why spike onsets cannot be forecast from the causal features: for intervals whose previous RT
 * price was below $100, the mean next RT price per (DA price bin of the hour, evening 16–20 local or
 * not), with the chance and mean size of a spike above $150. No cell's mean reaches a 17.5 J/TH
 * breakeven (≈ $122/MWh in H2 2024), so a conditional-expectation forecaster never curtails ahead
 * of an onset. The same by the hour's day-ahead ancillary-service clearing prices (ECRS, non-spin,
 * RRS: the reserve market's own price of scarcity risk).   npx tsx bench/onset-ceiling.ts
 */
import { join } from 'node:path';
import { buildTimeline, localCalendar } from '#app/backtest/timeline.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';
import { H1_FROM, H2_FROM, H2_TO } from './fit-forecaster.ts';

const dir = join(import.meta.dirname, '../../shared/data');
const data = readBacktestFiles({
  rtm: join(dir, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
  dam: join(dir, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
  btc: join(dir, 'btc/network_daily_2020_2024.csv'),
  asPrices: join(dir, 'ercot/hub_hourly_HB_WEST_2024.csv'),
});
const AS = [0, 5, 10, 20, 50, 100, 300, 1e9];
const DA = [0, 30, 50, 75, 100, 150, 250, 500, 1e9];
for (const [name, from, to] of [
  ['H1', H1_FROM, H2_FROM],
  ['H2', H2_FROM, H2_TO],
] as const) {
  const tl = buildTimeline(data, from, to);
  const cal = localCalendar(tl, 'America/Chicago');
  console.log(name, 'intervals with last < 100; by DA bin: n, mean RT, mean last, P(RT>150), mean RT|>150');
  for (let d = 0; d < DA.length - 1; d++) {
    for (const ev of [false, true]) {
      let n = 0,
        s = 0,
        sl = 0,
        ns = 0,
        ss = 0;
      for (let i = 1; i < tl.n; i++) {
        const h = cal.hour[i]!;
        const isEv = h >= 16 && h <= 20;
        if (isEv !== ev) continue;
        const da = tl.da[i]!;
        if (!(da >= DA[d]! && da < DA[d + 1]!)) continue;
        const last = tl.rt[i - 1]!;
        if (last >= 100) continue;
        n++;
        s += tl.rt[i]!;
        sl += last;
        if (tl.rt[i]! > 150) {
          ns++;
          ss += tl.rt[i]!;
        }
      }
      if (n)
        console.log(
          `  DA ${DA[d]}-${DA[d + 1]} ${ev ? 'eve' : 'oth'} n=${n} mean=${(s / n).toFixed(1)} last=${(sl / n).toFixed(1)} pSpk=${(ns / n).toFixed(3)} spk=${ns ? (ss / ns).toFixed(0) : '-'}`,
        );
    }
  }
}
for (const product of ['ECRS', 'NSPIN', 'RRS'] as const) {
  for (const [name, from, to] of [
    ['H1', H1_FROM, H2_FROM],
    ['H2', H2_FROM, H2_TO],
  ] as const) {
    const tl = buildTimeline(data, from, to, product);
    const cells: string[] = [];
    for (let b = 0; b < AS.length - 1; b++) {
      let n = 0,
        s = 0,
        ns = 0;
      for (let i = 1; i < tl.n; i++) {
        const as = tl.asPrice[i]!;
        if (!(as >= AS[b]! && as < AS[b + 1]!)) continue;
        if (tl.rt[i - 1]! >= 100) continue;
        n++;
        s += tl.rt[i]!;
        if (tl.rt[i]! > 150) ns++;
      }
      if (n) cells.push(`${AS[b]}+: n=${n} mean=${(s / n).toFixed(1)} pSpk=${(ns / n).toFixed(3)}`);
    }
    console.log(`${name} last < 100, by DA ${product} MCPC $/MW-h: ${cells.join(' | ')}`);
  }
}
