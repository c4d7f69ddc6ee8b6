/**
 * `switchyard start`: the embedded DynamoDB, the HTTP API and the scheduler in one process —
 * an immediate catch-up run for the current hour, then a run at the top of every hour.
 */
import { readSitesFile } from '#adapters/sites-file.ts';
import { HOUR_MS } from '#domain/time.ts';
import { readConfig, type LocalConfig } from './config.ts';
import { localJwtSecret, openLocalContext, type LocalContext } from './context.ts';
import { type DemoAgents, demoAgentsEnabled, startDemoAgents } from './demo-agents.ts';
import { runLocal } from './engine.ts';
import { localAuthenticator, startServer, type RunningServer } from './server.ts';
import { clearRuntimeInfo, readRuntimeInfo, writeRuntimeInfo } from './store.ts';

export interface Runtime {
  ctx: LocalContext;
  server: RunningServer;
  /** Resolves when the start-up run has finished. */
  firstRun: Promise<void>;
  /** The demo's fake fleets and their agents (./demo-agents.ts), once started; null when off or failed. */
  demoAgents: Promise<DemoAgents | null>;
  stop(): Promise<void>;
}

/** Delay after the top of the hour before the scheduled run, so that the hour's inputs have landed. */
const SCHEDULE_OFFSET_MS = 5_000;

export async function startRuntime(config: LocalConfig = readConfig()): Promise<Runtime> {
  // Validate the sites file before anything is written.
  const sitesFile = readSitesFile(config.sitesFile);
  const other = readRuntimeInfo(config.home);
  if (other && other.pid !== process.pid) {
    throw new Error(`switchyard is already running on ${config.home} (pid ${other.pid}, API ${other.apiUrl}); stop it or set SWITCHYARD_HOME`);
  }
  const ctx = await openLocalContext({ config, ownStore: true });
  const log = ctx.log;
  let server: RunningServer;
  try {
    server = await startServer(
      {
        sites: sitesFile.sites,
        ...ctx.repos,
        publisher: ctx.publisher,
        clock: ctx.clock,
        authenticate: localAuthenticator(localJwtSecret(config.home)),
        log,
        demo: config.marketData === 'demo',
        // POST /runs: the same local run as the scheduler's (demo data first when configured).
        triggerRun: (req) => runLocal(ctx, req),
        ...(config.corsOrigin ? { corsOrigin: config.corsOrigin } : {}),
      },
      config.port,
    );
  } catch (err) {
    await ctx.close();
    throw new Error(`cannot serve the API on port ${config.port}: ${(err as Error).message}`);
  }
  writeRuntimeInfo(config.home, { pid: process.pid, dynamoEndpoint: ctx.store.endpoint, apiUrl: server.url, startedAt: new Date().toISOString() });
  log.info('switchyard started', {
    api: server.url,
    dynamodb: ctx.store.endpoint,
    home: config.home,
    sitesFile: config.sitesFile,
    sites: sitesFile.sites.map((s) => s.id),
    marketData: config.marketData,
  });

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const runNow = (trigger: string) => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        await runLocal(ctx, { trigger });
      } catch (err) {
        log.error('scheduled run failed', { error: (err as Error).message });
      }
    });
    return running;
  };
  const scheduleNext = () => {
    const now = Date.now();
    const next = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS + SCHEDULE_OFFSET_MS;
    timer = setTimeout(() => {
      void runNow('schedule').then(() => {
        if (!stopped) scheduleNext();
      });
    }, next - now);
    timer.unref?.();
  };
  const firstRun = runNow('startup');
  scheduleNext();
  const demoAgents = demoAgentsEnabled(config.demoSites)
    ? startDemoAgents({ sites: sitesFile.sites, home: config.home, apiUrl: server.url, jwtSecret: localJwtSecret(config.home),
      marketData: ctx.repos.marketData, planReady: firstRun, announce: (line) => process.stdout.write(`${line}\n`) })
      .catch((err: Error) => (log.error('demo agents not started', { error: err.message }), null))
    : Promise.resolve(null);

  return {
    ctx,
    server,
    firstRun,
    demoAgents,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      await (await demoAgents)?.stop();
      await server.close();
      clearRuntimeInfo(config.home, process.pid);
      await ctx.close();
    },
  };
}
