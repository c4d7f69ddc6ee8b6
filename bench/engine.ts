/** The pure engine: load-intervals decided per second on one core. */
import { type DecisionInput, decide, type PreviousState } from '#domain/policy.ts';
import { SiteSchema } from '#domain/sites.ts';

export async function benchEngine(): Promise<Record<string, number | string>> {
  const site = SiteSchema.parse({
    id: 'bench',
    name: 'bench',
    market: 'ERCOT',
    settlementPoint: 'HB_HUBAVG',
    timezone: 'America/Chicago',
    interconnectMw: 180,
    baseLoadMw: 3,
    loads: [
      { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 },
      {
        id: 's19',
        kind: 'mining',
        powerMw: 60,
        efficiencyJPerTh: 21.5,
        poolFeePct: 2,
        minRunMinutes: 30,
        minOffMinutes: 15,
        restartCostUsd: 150,
      },
      { id: 'ai', kind: 'ai', contractedMw: 15, priceUsdPerMwh: 180 },
    ],
  });
  const n = 35_136 * 20; // twenty years of 15-minute intervals
  const prices = new Float64Array(n);
  let x = 12345;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    prices[i] = x % 100 < 3 ? 200 + (x % 3000) : 10 + (x % 60);
  }
  const t0 = Date.parse('2024-01-01T00:00:00Z');
  const run = (count: number) => {
    let previous: PreviousState | null = null;
    let running = 0;
    for (let i = 0; i < count; i++) {
      const t = t0 + i * 900_000;
      const input: DecisionInput = {
        site,
        intervalStartMs: t,
        intervalMinutes: 15,
        price: {
          expectedUsdPerMwh: prices[i]!,
          source: 'bench',
          daUsdPerMwh: null,
          lastRtUsdPerMwh: null,
          lastRtIntervalStartMs: null,
          ageMinutes: 0,
          demo: false,
        },
        hashprice: { usdPerPhDay: 50, day: '2023-12-31', ageDays: 1, source: 'bench', demo: false },
        peakProbability: 0,
        gridEvents: [],
        overrides: [],
        previous,
      };
      const d = decide(input);
      const next: Record<string, { mw: number; sinceMs: number }> = {};
      for (const a of d.allocations) {
        if (a.kind !== 'mining') continue;
        const before = previous?.[a.loadId];
        next[a.loadId] = { mw: a.mw, sinceMs: before && before.mw > 0 === a.mw > 0 ? before.sinceMs : t };
        if (a.mw > 0) running++;
      }
      previous = next;
    }
    return running;
  };
  run(50_000); // warm up
  const start = process.hrtime.bigint();
  const running = run(n);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const loads = site.loads.length;
  return {
    'engine.intervals': n,
    'engine.loadsPerSite': loads,
    'engine.seconds': round(seconds, 3),
    'engine.siteDecisionsPerSec': Math.round(n / seconds),
    'engine.loadIntervalsPerSec': Math.round((n * loads) / seconds),
    'engine.budgetLoadIntervalsPerSec': 1_000_000,
    'engine.runningLoadIntervals': running,
  };
}

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
