/**
 * `switchyard start`: the embedded DynamoDB, the HTTP API and the scheduler in one process —
 * an immediate catch-up run for the current hour, then a run at the top of every hour. With live
 * feeds, prices are also pulled every few minutes between runs, and a new price re-decides the
 * intervals it informs (local/live-feeds.ts).
 */
import { userInfo } from 'node:os';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { jsonLogger } from '#adapters/json-logger.ts';
import type { Role } from '#adapters/jwt.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { HOUR_MS, MINUTE_MS } from '#domain/time.ts';
import type { Logger } from '#ports/logger.ts';
import { buildConsole } from '../console/build.ts';
import { type LocalConfig, readConfig } from './config.ts';
import { type LocalContext, localJwtSecret, openLocalContext } from './context.ts';
import { type DemoAgents, demoAgentsEnabled, startDemoAgents } from './demo-agents.ts';
import { onSupervision, type SupervisionEvent } from './dynalite.ts';
import { runLocal } from './engine.ts';
import { type LiveFeeds, liveFeedsFromEnv, pullLivePrices } from './live-feeds.ts';
import { localAuthenticator, type RunningServer, startServer } from './server.ts';
import { signInCodes } from './signin-codes.ts';
import { clearRuntimeInfo, readRuntimeInfo, writeRuntimeInfo } from './store.ts';

export interface Runtime {
  ctx: LocalContext;
  server: RunningServer;
  /** The operator console at `/`: a sign-in link with a fresh one-time code (by default every role, for whoever is at this terminal). */
  consoleLink(user?: string, roles?: readonly Role[]): string;
  /** Resolves when the start-up run has finished. */
  firstRun: Promise<void>;
  /** The demo's fake fleets and their agents (./demo-agents.ts), once started; null when off or failed. */
  demoAgents: Promise<DemoAgents | null>;
  stop(): Promise<void>;
}

/** Delay after the top of the hour before the scheduled run, so that the hour's inputs have landed. */
const SCHEDULE_OFFSET_MS = 5_000;

/** Live prices between runs: ERCOT posts a settlement price every 15 minutes, a few minutes after the interval. */
const LIVE_PULL_MS = 5 * MINUTE_MS;

export async function startRuntime(config: LocalConfig = readConfig()): Promise<Runtime> {
  // Validate the sites file before anything is written.
  const sitesFile = readSitesFile(config.sitesFile);
  const other = readRuntimeInfo(config.home);
  if (other && other.pid !== process.pid) {
    throw new Error(
      `switchyard is already running on ${config.home} (pid ${other.pid}, API ${other.apiUrl}); stop it or set SWITCHYARD_HOME`,
    );
  }
  const log = jsonLogger();
  // The embedded store is supervised (local/dynalite.ts): every exit and restart attempt is logged.
  const unsupervise = onSupervision((e) => logSupervision(log, e));
  let ctx: LocalContext;
  try {
    ctx = await openLocalContext({ config, ownStore: true, log });
  } catch (err) {
    unsupervise();
    throw err;
  }
  const secret = localJwtSecret(config.home);
  const codes = signInCodes(secret);
  let server: RunningServer;
  try {
    // Built at every start (esbuild, a fraction of a second): a fresh clone needs no build step and never serves a stale bundle.
    const staticFiles = await buildConsole();
    server = await startServer(
      {
        sites: sitesFile.sites,
        ...ctx.repos,
        publisher: ctx.publisher,
        clock: ctx.clock,
        authenticate: localAuthenticator(secret),
        exchangeSignInCode: codes.exchange,
        staticFiles,
        log,
        demo: config.marketData === 'demo',
        // POST /runs: the same local run as the scheduler's (demo data first when configured).
        triggerRun: (req) => runLocal(ctx, req),
        // /health: one DescribeTable, which the SDK does not retry past the health check's timeout.
        probeStore: () =>
          ctx.dynamo.send(new DescribeTableCommand({ TableName: config.tableName }), { abortSignal: AbortSignal.timeout(1_000) }),
        eventBus: () => ({ status: 'ok', detail: 'in-process publisher (events.jsonl, outbox in the store)' }),
        ...(config.corsOrigin ? { corsOrigin: config.corsOrigin } : {}),
      },
      config.port,
    );
  } catch (err) {
    await ctx.close();
    unsupervise();
    throw new Error(`cannot serve the API on port ${config.port}: ${(err as Error).message}`);
  }
  writeRuntimeInfo(config.home, {
    pid: process.pid,
    dynamoEndpoint: ctx.store.endpoint,
    apiUrl: server.url,
    startedAt: new Date().toISOString(),
  });
  log.info('switchyard started', {
    api: server.url,
    dynamodb: ctx.store.endpoint,
    dynamodbPid: storePid(),
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
  let live: LiveFeeds | undefined;
  const pullPrices = () => {
    running = running.then(async () => {
      if (stopped) return;
      try {
        live ??= liveFeedsFromEnv();
        const pulled = await pullLivePrices(ctx, live);
        for (const e of pulled.errors) log.warn('live price pull failed', { error: e });
      } catch (err) {
        log.error('live price pull failed', { error: (err as Error).message });
      }
    });
  };
  const firstRun = runNow('startup');
  scheduleNext();
  const puller = config.marketData === 'live' ? setInterval(pullPrices, LIVE_PULL_MS) : undefined;
  puller?.unref?.();
  const demoAgents = demoAgentsEnabled(config.demoSites)
    ? startDemoAgents({
        sites: sitesFile.sites,
        home: config.home,
        apiUrl: server.url,
        jwtSecret: localJwtSecret(config.home),
        marketData: ctx.repos.marketData,
        planReady: firstRun,
        announce: (line) => process.stdout.write(`${line}\n`),
      }).catch((err: Error) => {
        log.error('demo agents not started', { error: err.message });
        return null;
      })
    : Promise.resolve(null);

  return {
    ctx,
    server,
    consoleLink(user = localUser(), roles = ['trader', 'finance', 'operator', 'admin']) {
      return `${server.url}/#/signin?code=${codes.issue(user, roles)}`;
    },
    firstRun,
    demoAgents,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      if (puller) clearInterval(puller);
      await running;
      await (await demoAgents)?.stop();
      await server.close();
      clearRuntimeInfo(config.home, process.pid);
      await ctx.close();
      unsupervise();
    },
  };
}

function localUser(): string {
  try {
    return userInfo().username || 'local';
  } catch {
    return 'local';
  }
}

let lastStorePid: number | undefined;
/** The pid of the embedded store's child, as its supervisor last reported it. */
const storePid = () => lastStorePid;

function logSupervision(log: Logger, e: SupervisionEvent): void {
  if (e.type === 'started' || e.type === 'restarted') lastStorePid = e.pid;
  if (e.type === 'started') return;
  if (e.type === 'exited')
    log.error('store process exited; restarting it', { pid: e.pid, code: e.code, signal: e.signal, dynamodb: e.endpoint });
  else if (e.type === 'restarting') log.warn('restarting the store', { attempt: e.attempt, delayMs: e.delayMs, dynamodb: e.endpoint });
  else if (e.type === 'restarted') log.info('store restarted', { pid: e.pid, attempt: e.attempt, dynamodb: e.endpoint });
  else log.warn('store restart failed', { attempt: e.attempt, error: e.error, dynamodb: e.endpoint });
}
