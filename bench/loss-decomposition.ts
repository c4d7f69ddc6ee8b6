/**
 * Where the engine's capture goes: the gain perfect foresight makes over always-on, and the part of
 * it each causal forecaster loses, split by what the interval was (one 100 MW, 17.5 J/TH fleet):
 *
 * - onset: the price is above breakeven, the interval before was not (no causal input announces
 *   these: bench/onset-ceiling.ts);
 * - continuation: above breakeven after an interval above it, and the engine ran;
 * - exit: below breakeven after an interval above it, and the engine curtailed;
 * - false curtail: below breakeven after an interval below it, and the engine curtailed.
 *
 * The gain perfect foresight makes at onsets is printed on its own: `1 −` it is the capture of a
 * policy that is perfect everywhere except that, like the last price, it runs into every onset
 * (curtailing ahead of one means curtailing ahead of many non-onsets: false curtails). Then, for intervals after one above breakeven, the
 * mean of (next price − breakeven) by how many intervals the spike has lasted and by how far above
 * breakeven the last price was: where it is positive, curtailing is right on expectation, and the
 * exits lost there are the price of a correct decision.   npx tsx bench/loss-decomposition.ts
 */
import { join } from 'node:path';
import { backtestSite } from '#app/backtest/engine.ts';
import { buildTimeline } from '#app/backtest/timeline.ts';
import { lastPriceForecaster, spikePersistenceForecaster } from '#domain/forecast.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';
import { H1_FROM, H2_FROM, H2_TO, miningSite } from './fit-forecaster.ts';

const dir = join(import.meta.dirname, '../../shared/data');
const data = readBacktestFiles({
  rtm: join(dir, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
  dam: join(dir, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
  btc: join(dir, 'btc/network_daily_2020_2024.csv'),
});
const site = miningSite(17.5);
const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

for (const [half, from, to] of [
  // The default forecaster is fitted on all of 2024: both halves are in sample (bench/forecast-report.ts has the walk-forward).
  ['2024 H1', H1_FROM, H2_FROM],
  ['2024 H2', H2_FROM, H2_TO],
] as const) {
  const tl = buildTimeline(data, from, to);
  const bounds = backtestSite(site, tl, { forecaster: lastPriceForecaster, record: true, policies: ['always_on', 'perfect_foresight'] })
    .series!;
  let gainAll = 0;
  let gainAtOnsets = 0;
  for (let i = 0; i < tl.n; i++) {
    const g = bounds.net.perfect_foresight[i]! - bounds.net.always_on[i]!;
    gainAll += g;
    if (tl.rt[i]! > bounds.breakeven[i]! && !(i > 0 && tl.rt[i - 1]! > bounds.breakeven[i - 1]!)) gainAtOnsets += g;
  }
  console.log(
    `\n${half}: ${tl.n} intervals; perfect foresight's gain at onsets ${pct(gainAtOnsets / gainAll)} → perfect but at onsets: capture ${(1 - gainAtOnsets / gainAll).toFixed(4)}`,
  );
  for (const forecaster of [spikePersistenceForecaster(), lastPriceForecaster]) {
    const r = backtestSite(site, tl, { forecaster, record: true, policies: ['always_on', 'perfect_foresight', 'engine'] });
    const s = r.series!;
    const lost = { onset: 0, continuation: 0, exit: 0, falseCurtail: 0 };
    let gain = 0;
    for (let i = 0; i < tl.n; i++) {
      gain += s.net.perfect_foresight[i]! - s.net.always_on[i]!;
      const miss = s.net.perfect_foresight[i]! - s.net.engine[i]!;
      if (Math.abs(miss) < 1e-9) continue;
      const above = tl.rt[i]! > s.breakeven[i]!;
      const lastAbove = i > 0 && tl.rt[i - 1]! > s.breakeven[i - 1]!;
      const ran = s.mw.engine[i]! > 0;
      if (above && ran) lost[lastAbove ? 'continuation' : 'onset'] += miss;
      else if (!ran) lost[lastAbove ? 'exit' : 'falseCurtail'] += miss;
    }
    const total = Object.values(lost).reduce((a, b) => a + b, 0);
    console.log(
      `  ${forecaster.name.padEnd(18)} capture ${(1 - total / gain).toFixed(4)}  lost: onset ${pct(lost.onset / gain)}, continuation ${pct(lost.continuation / gain)}, ` +
        `exit ${pct(lost.exit / gain)}, false curtail ${pct(lost.falseCurtail / gain)}`,
    );
  }
  const cells = new Map<string, { n: number; sum: number }>();
  const breakeven = bounds.breakeven;
  let age = 0;
  for (let i = 1; i < tl.n; i++) {
    if (tl.rt[i - 1]! > breakeven[i - 1]!) age++;
    else {
      age = 0;
      continue;
    }
    const ratio = tl.rt[i - 1]! / breakeven[i - 1]!;
    const key = `${age >= 4 ? '4+' : age} | ${ratio < 1.5 ? '1–1.5×' : ratio < 3 ? '1.5–3×' : '3×+'}`;
    const c = cells.get(key) ?? { n: 0, sum: 0 };
    c.n++;
    c.sum += tl.rt[i]! - breakeven[i]!;
    cells.set(key, c);
  }
  console.log(
    '  after an interval above breakeven — intervals above so far | last price / breakeven: n, mean(next price − breakeven) $/MWh',
  );
  for (const [k, c] of [...cells].sort(([a], [b]) => (a < b ? -1 : 1)))
    console.log(`    ${k.padEnd(12)} n=${String(c.n).padStart(3)}  ${(c.sum / c.n).toFixed(0).padStart(6)}`);
}
