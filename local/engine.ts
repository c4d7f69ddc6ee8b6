/**
 * Running the engine locally: live feeds pulled or demo data generated when configured, then the
 * run job the Lambda runs (shared/app/jobs/run-interval.ts), the configuration audit included.
 */
import { userInfo } from 'node:os';
import { seedDemoMarketData } from '#adapters/demo-market.ts';
import { type ConfigAudit, configAuditJob } from '#app/jobs/config-audit.ts';
import { runIntervalJob } from '#app/jobs/run-interval.ts';
import type { RunSummary } from '#app/run-interval.ts';
import { DAY_MS, HOUR_MS, hourStart } from '#domain/time.ts';
import type { LocalContext } from './context.ts';
import { type LiveFeeds, liveFeedsFromEnv, pullLive } from './live-feeds.ts';

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

/** One audit per context (a local command, the runtime), as one per container in Lambda. */
const audits = new WeakMap<LocalContext, ConfigAudit>();

function configAudit(ctx: LocalContext): ConfigAudit {
  let audit = audits.get(ctx);
  if (!audit) {
    audit = configAuditJob({ ...ctx.repos, log: ctx.log }, `local:${userInfo().username}`, `sites file ${ctx.config.sitesFile} changed`);
    audits.set(ctx, audit);
  }
  return audit;
}

export async function runLocal(ctx: LocalContext, req: { atMs?: number; trigger: string }): Promise<RunSummary> {
  const at = req.atMs ?? ctx.clock.nowMs();
  if (ctx.config.marketData === 'live' && Math.abs(at - ctx.clock.nowMs()) <= DEMO_WINDOW_MS) {
    live ??= liveFeedsFromEnv();
    const pulled = await pullLive(ctx, live);
    for (const e of pulled.errors) ctx.log.warn('live feed failed; deciding with what is stored', { error: e });
  }
  const demo = await ensureDemoData(ctx, at);
  if (demo) ctx.log.info('using the demo market-data source (no real feed configured)', { hour: new Date(hourStart(at)).toISOString() });
  return runIntervalJob(
    {
      sites: ctx.sites(),
      repos: ctx.repos,
      publisher: ctx.publisher,
      clock: ctx.clock,
      log: ctx.log,
      demo,
      configAudit: configAudit(ctx),
      evidence: { capabilityTests: ctx.repos.capabilityTests, telemetry: ctx.repos.telemetry },
    },
    { maxCatchUpHours: ctx.config.maxCatchUpHours },
    req,
  );
}
