/**
 * Does the forecaster hold on data it was not fitted on? Over 2024 (ERCOT HB_HUBAVG, default
 * 5-minute price publication lag), each variant of the spike-persistence forecaster is refitted
 * month by month on the data published before each month (walk-forward), then backtested per
 * half-year on the 17.5 and 21.5 J/TH fleets (100 MW, 2% fee) and the two-fleet example site. Each
 * row: capture ratio and capture − last price's with its 95% day-block bootstrap interval (1,000
 * resamples of local days, seeded).
 *
 *   npx tsx bench/forecast-report.ts              the default (kept terms) and the full model
 *   npx tsx bench/forecast-report.ts --ablation   every term alone, all terms, and all but each
 */
import { join } from 'node:path';
import { readSitesFile } from '#adapters/sites-file.ts';
import { type EnginePolicy, type PolicyName, runBacktest, summarize } from '#app/backtest/index.ts';
import { FORECAST_TERMS, type ForecastTerm, KEPT_TERMS, termStages, walkForwardForecaster, walkForwardMonthly } from '#app/forecast-fit.ts';
import { lastPriceForecaster, type PriceForecaster } from '#domain/forecast.ts';
import type { Site } from '#domain/sites.ts';
import { H1_FROM, H2_FROM, H2_TO, miningSite, readData2024 } from './fit-forecaster.ts';

const args = process.argv.slice(2);
const data = readData2024();
const log = (s: string) => process.stderr.write(`${s}\n`);
const CASES: Record<string, Site[]> = {
  '17.5 J/TH': [miningSite(17.5)],
  '21.5 J/TH': [miningSite(21.5)],
  'two-fleet': readSitesFile(join(import.meta.dirname, '../examples/backtest-two-fleet.json')).sites,
};
const HALVES = [
  ['2024 H1', H1_FROM, H2_FROM],
  ['2024 H2', H2_FROM, H2_TO],
] as const;
const SHOWN: EnginePolicy[] = ['engine', 'engine_hourly', 'engine_price_responsive'];
const RUN: PolicyName[] = ['always_on', 'perfect_foresight', ...SHOWN];

function variants(): [string, readonly ForecastTerm[]][] {
  const all: [string, readonly ForecastTerm[]][] = [
    ['kept terms (default)', KEPT_TERMS],
    ['all terms', FORECAST_TERMS],
  ];
  if (!args.includes('--ablation')) return all;
  for (const t of FORECAST_TERMS) all.push([`${t} only`, [t]]);
  for (const t of FORECAST_TERMS) all.push([`all but ${t}`, FORECAST_TERMS.filter((u) => u !== t)]);
  return all;
}

const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;

interface Row {
  variant: string;
  fleet: string;
  half: string;
  policy: EnginePolicy;
  capture: number;
  lastPrice: number;
  delta: number;
  low: number;
  high: number;
}

function evaluate(variant: string, forecaster: PriceForecaster): Row[] {
  const rows: Row[] = [];
  for (const [fleet, sites] of Object.entries(CASES)) {
    for (const [half, fromMs, toMs] of HALVES) {
      const s = summarize(runBacktest({ sites, data, fromMs, toMs, forecaster, policies: RUN, compareLastPrice: true })).sites[0]!;
      for (const policy of SHOWN) {
        const d = s.captureVsLastPrice![policy]!;
        const capture = s.captureRatio[policy]!;
        rows.push({ variant, fleet, half, policy, capture, lastPrice: capture - d.delta, ...d });
      }
    }
  }
  return rows;
}

const rows: Row[] = [];
rows.push(...evaluate('last price', lastPriceForecaster));
for (const [name, terms] of variants()) {
  log(`walk-forward: ${name} …`);
  const months = walkForwardMonthly(data, H1_FROM, H2_TO, { timeZone: 'America/Chicago', stages: termStages(terms) });
  rows.push(...evaluate(name, walkForwardForecaster(months)));
}

console.log('variant (walk-forward monthly) | fleet | half | policy | capture | capture − last price [95% day-block interval]');
for (const r of rows) {
  const beyond = r.high < 0 ? '  below last price beyond the interval' : r.low > 0 ? '  above' : '';
  const interval = `${signed(r.delta)} [${signed(r.low)}, ${signed(r.high)}]`;
  const head = `${r.variant.padEnd(22)} ${r.fleet.padEnd(10)} ${r.half} ${r.policy.padEnd(24)}`;
  console.log(`${head} ${r.capture.toFixed(4)}  ${interval}${beyond}`);
}
console.log('\nmean Δ capture vs last price over fleets × halves (engine):');
for (const v of [...new Set(rows.map((r) => r.variant))]) {
  const e = rows.filter((r) => r.variant === v && r.policy === 'engine');
  const worst = Math.min(...e.map((r) => r.high));
  const mean = signed(e.reduce((a, r) => a + r.delta, 0) / e.length);
  const below = e.filter((r) => r.high < 0).length;
  console.log(`  ${v.padEnd(22)} ${mean}  (rows below beyond the interval: ${below}; lowest high ${signed(worst)})`);
}
