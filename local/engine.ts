/** Running the engine locally: demo data when configured, then the same run use case as the Lambda. */
import { seedDemoMarketData } from '#adapters/demo-market.ts';
import { userInfo } from 'node:os';
import { recordSitesConfig } from '#app/config-audit.ts';
import { runInterval, type RunSummary } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { DAY_MS, HOUR_MS, hourStart } from '#domain/time.ts';
import type { LocalContext } from './context.ts';
import { liveFeedsFromEnv, pullLive, type LiveFeeds } from './live-feeds.ts';

/** Demo data is generated, and live feeds pulled, only around the present: historical runs use what was ingested. */
const DEMO_WINDOW_MS = 2 * DAY_MS;

export async function ensureDemoData(ctx: LocalContext, atMs: number): Promise<boolean> {
  if (ctx.config.marketData !== 'demo') return false;
  const now = ctx.clock.nowMs();
  if (Math.abs(atMs - now) > DEMO_WINDOW_MS) return false;
  const hour = hourStart(atMs);
  await seedDemoMarketData(ctx.repos.marketData, ctx.sites(), hour - 26 * HOUR_MS, hour + HOUR_MS);
  return true;
}

let live: LiveFeeds | undefined;

export async function runLocal(ctx: LocalContext, req: { atMs?: number; trigger: string }): Promise<RunSummary> {
  const at = req.atMs ?? ctx.clock.nowMs();
  const changes = await recordSitesConfig(ctx.repos, ctx.sites(), `local:${userInfo().username}`, ctx.clock.nowMs(), `sites file ${ctx.config.sitesFile} changed`);
  if (changes.length) ctx.log.info('sites configuration recorded in the audit trail', { sites: changes.map((c) => c.entity.id) });
  if (ctx.config.marketData === 'live' && Math.abs(at - ctx.clock.nowMs()) <= DEMO_WINDOW_MS) {
    live ??= liveFeedsFromEnv();
    const pulled = await pullLive(ctx, live, ctx.clock.nowMs());
    for (const e of pulled.errors) ctx.log.warn('live feed failed; deciding with what is stored', { error: e });
  }
  const demo = await ensureDemoData(ctx, at);
  if (demo) ctx.log.info('using the demo market-data source (no real feed configured)', { hour: new Date(hourStart(at)).toISOString() });
  return runInterval(
    runDeps({
      sites: ctx.sites(),
      repos: ctx.repos,
      publisher: ctx.publisher,
      clock: ctx.clock,
      log: ctx.log,
      demo,
      maxCatchUpHours: ctx.config.maxCatchUpHours,
    }),
    req,
  );
}
