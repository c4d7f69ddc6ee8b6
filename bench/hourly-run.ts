/** One hourly run for 100 sites against the embedded DynamoDB, end to end. */

import { seedDemoMarketData } from '#adapters/demo-market.ts';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { type Site, SiteSchema } from '#domain/sites.ts';
import { startDynalite } from '#local/dynalite.ts';
import { fixedClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';

export async function benchHourlyRun(siteCount = 100): Promise<Record<string, number | string>> {
  const db = await startDynalite({});
  const client = dynamoClient(db.endpoint);
  try {
    await createTable(client, 'bench');
    const repos = dynamoRepositories(client, 'bench');
    const nodes = ['HB_HUBAVG', 'HB_WEST', 'HB_NORTH', 'HB_SOUTH', 'HB_HOUSTON'];
    const sites: Site[] = Array.from({ length: siteCount }, (_, i) =>
      SiteSchema.parse({
        id: `site-${String(i).padStart(3, '0')}`,
        name: `Site ${i}`,
        market: 'ERCOT',
        settlementPoint: nodes[i % nodes.length],
        timezone: 'America/Chicago',
        interconnectMw: 200,
        baseLoadMw: 2,
        loads: [
          { id: 'a', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 },
          { id: 'b', kind: 'mining', powerMw: 60, efficiencyJPerTh: 21.5, poolFeePct: 2, minRunMinutes: 30 },
          { id: 'ai', kind: 'ai', contractedMw: 20, priceUsdPerMwh: 180 },
        ],
      }),
    );
    const hour = Date.parse('2026-01-15T18:00:00Z');
    await seedDemoMarketData(repos.marketData, sites, hour - 26 * 3_600_000, hour + 3_600_000);
    const deps = runDeps({ sites, repos, publisher: new MemoryEventPublisher(), clock: fixedClock(hour + 60_000), log: silentLogger });
    const start = performance.now();
    const summary = await runInterval(deps, { atMs: hour, trigger: 'bench' });
    const ms = performance.now() - start;
    const rerunStart = performance.now();
    await runInterval(deps, { atMs: hour, trigger: 'bench' });
    const rerunMs = performance.now() - rerunStart;
    return {
      'hourlyRun.sites': siteCount,
      'hourlyRun.decisionsWritten': summary.decisionsWritten,
      'hourlyRun.eventsSent': summary.eventsSent,
      'hourlyRun.ms': Math.round(ms),
      'hourlyRun.rerunMs': Math.round(rerunMs),
      'hourlyRun.budgetMs': 2000,
    };
  } finally {
    client.destroy();
    await db.close();
  }
}
