/**
 * Backtest throughput and memory (DESIGN §7: ≥ 1,000,000 load-intervals decided per second on one
 * core): a year of ERCOT 2024 prices (../shared/data; a seeded synthetic year when it is absent)
 * replayed for 50 sites of two mining fleets each, every policy, without per-interval recording.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { backtestSite, POLICIES, type PolicyName } from '#app/backtest/engine.ts';
import { type BacktestMarketData, buildTimeline } from '#app/backtest/timeline.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import { parseSitesFile, type Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS, utcDay } from '#domain/time.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { readBacktestFiles } from '../local/backtest-files.ts';

const SITES = 50;
const DATA = join(import.meta.dirname, '../../shared/data');

export function benchSites(count = SITES): Site[] {
  const sites = [];
  for (let k = 0; k < count; k++) {
    const constrained = k % 2 === 1;
    sites.push({
      id: `site-${k}`,
      name: `Site ${k}`,
      market: 'ERCOT',
      settlementPoint: 'HB_HUBAVG',
      timezone: 'America/Chicago',
      interconnectMw: 160,
      baseLoadMw: 2,
      loads: [
        {
          id: 'a',
          kind: 'mining',
          powerMw: 80,
          efficiencyJPerTh: 16 + (k % 7) * 0.5,
          poolFeePct: 2,
          ...(constrained ? { minRunMinutes: 60, minOffMinutes: 30, restartCostUsd: 250 } : {}),
        },
        {
          id: 'b',
          kind: 'mining',
          powerMw: 70,
          efficiencyJPerTh: 20 + (k % 5),
          poolFeePct: 2,
          ...(constrained ? { minRunMinutes: 120, minOffMinutes: 60, restartCostUsd: 500 } : {}),
        },
      ],
    });
  }
  return parseSitesFile({ sites }).sites;
}

/** A seeded year of spiky 15-minute prices, for machines without ../shared/data. */
function syntheticYear(): BacktestMarketData {
  let seed = 42;
  const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const from = Date.parse('2024-01-01T06:00:00Z');
  const rt: PricePoint[] = [];
  const da: PricePoint[] = [];
  let spike = 0;
  for (let t = from; t < from + 366 * DAY_MS; t += 15 * MINUTE_MS) {
    const hour = new Date(t - 6 * HOUR_MS).getUTCHours();
    if (spike > 0) spike--;
    else if (rand() < 0.004) spike = 1 + Math.floor(rand() * 6);
    const base = 25 + 20 * Math.sin(((hour - 8) / 24) * 2 * Math.PI) + rand() * 10;
    rt.push({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT',
      intervalStartMs: t,
      intervalMinutes: 15,
      priceUsdPerMwh: spike > 0 ? 150 + rand() * 2000 : base,
    });
    if (t % HOUR_MS === 0)
      da.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh: base * 1.1 });
  }
  const days = [];
  for (let d = from - 10 * DAY_MS; d < from + 367 * DAY_MS; d += DAY_MS) days.push({ date: utcDay(d), usdPerPhDay: 45 + 10 * rand() });
  return { rt, da, hashprice: new HashpriceSeries(days) };
}

function loadData(): { data: BacktestMarketData; source: string } {
  if (!existsSync(join(DATA, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv')))
    return { data: syntheticYear(), source: 'synthetic (../shared/data absent)' };
  return {
    data: readBacktestFiles({
      rtm: join(DATA, 'ercot/rtm_spp_15min_HB_HUBAVG_2024.csv'),
      dam: join(DATA, 'ercot/dam_spp_hourly_HB_HUBAVG_2024.csv'),
      btc: join(DATA, 'btc/network_daily_2020_2024.csv'),
    }),
    source: 'ERCOT HB_HUBAVG 2024',
  };
}

export async function benchBacktest(): Promise<Record<string, number | string>> {
  const { data, source } = loadData();
  const tl = buildTimeline(data, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const sites = benchSites();
  const forecaster = spikePersistenceForecaster();
  const loadIntervals = sites.reduce((s, site) => s + site.loads.length, 0) * tl.n;

  // Warm up the policy, the forecaster and the loops (JIT) on a few sites.
  for (const site of sites.slice(0, 6)) backtestSite(site, tl, { forecaster, policies: POLICIES });

  const time = (policies: readonly PolicyName[]) => {
    const started = performance.now();
    for (const site of sites) backtestSite(site, tl, { forecaster, policies });
    return (performance.now() - started) / 1000;
  };
  const engineS = time(['engine']);
  const hourlyS = time(['engine_hourly']);
  const responsiveS = time(['engine_price_responsive']);
  const dispatchedS = time(['engine_dispatched']);
  const pfS = time(['perfect_foresight']);
  const allS = time(POLICIES);
  const usage = process.resourceUsage();
  return {
    data: source,
    sites: sites.length,
    intervals: tl.n,
    'load-intervals per policy': loadIntervals,
    'engine load-intervals/s (budget 1,000,000)': Math.round(loadIntervals / engineS),
    'engine_hourly load-intervals/s': Math.round(loadIntervals / hourlyS),
    'engine_price_responsive load-intervals/s': Math.round(loadIntervals / responsiveS),
    'engine_dispatched load-intervals/s': Math.round(loadIntervals / dispatchedS),
    'perfect_foresight load-intervals/s': Math.round(loadIntervals / pfS),
    'all six policies, s': Number(allS.toFixed(2)),
    'peak RSS, MB': Math.round(usage.maxRSS / 1024),
    'heap used now, MB': Math.round(process.memoryUsage().heapUsed / 1024 / 1024),
  };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  for (const [k, v] of Object.entries(await benchBacktest()))
    process.stdout.write(`${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}\n`);
}
