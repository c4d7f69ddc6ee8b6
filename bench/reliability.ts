/**
 * `npm run bench -- reliability`: the long part of the reliability suite (the fast part is
 * test/reliability). Prints:
 * - crash: `switchyard start` over 100 demo sites catching up missed hours, killed with SIGKILL at a
 *   random point, then started again until caught up: decisions lost, duplicated, and chain breaks (a current decision
 *   whose previous state is not the current decision of the interval before), checked through the
 *   repositories;
 * - fuzz: requests generated from /openapi.json against the in-process app on dynalite (fresh table
 *   every 10,000 requests): 5xx and responses outside the document.
 * RELIABILITY_TRIALS and RELIABILITY_REQUESTS scale them (defaults 20 and 100,000).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import type { Decision } from '#domain/decision.ts';
import { startDynalite } from '#local/dynalite.ts';
import { openStore, readRuntimeInfo } from '#local/store.ts';
import { startFuzzApp } from '../test/support/fuzz-app.ts';
import { fuzz, random } from '../test/support/openapi-fuzz.ts';

const H = 3_600_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'local/cli.ts');
const CATCH_UP_HOURS = 3;

/** 100 sites: the demo sites' ERCOT site repeated under new ids. */
function hundredSites(dir: string): string {
  const demo = JSON.parse(readFileSync(join(ROOT, 'local/demo/sites.json'), 'utf8')) as { sites: { id: string; market: string }[] };
  const base = demo.sites.find((s) => s.market === 'ERCOT')!;
  const file = join(dir, 'sites.json');
  writeFileSync(file, JSON.stringify({ sites: Array.from({ length: 100 }, (_, i) => ({ ...base, id: `site-${i}`, name: `Site ${i}` })) }));
  return file;
}

/** `switchyard start`: its start-up run catches up the missed hours. Killed with SIGKILL after `killAfterMs`, or stopped once `done()`. */
function runtime(
  env: Record<string, string>,
  opts: { killAfterMs?: number; done?: () => Promise<boolean> },
): Promise<{ code: number | null; ms: number }> {
  return new Promise((resolve) => {
    const started = Date.now();
    // A group of its own: SIGKILL must reach the runtime itself, not only the tsx launcher in front of it.
    const child = spawn(TSX, [CLI, 'start'], {
      cwd: ROOT,
      env: { ...process.env, PORT: '0', ...env },
      stdio: ['ignore', 'ignore', 'ignore'],
      detached: true,
    });
    const timer = opts.killAfterMs !== undefined ? setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), opts.killAfterMs) : undefined;
    let ms = 0;
    const poll = opts.done
      ? setInterval(async () => {
          if (ms === 0 && (await opts.done!().catch(() => false))) {
            ms = Date.now() - started;
            child.kill('SIGTERM');
          }
        }, 200)
      : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      if (signal === 'SIGKILL') code = null;
      resolve({ code, ms: ms || Date.now() - started });
    });
  });
}

/** The runtime's store, through the endpoint it records (null while it is not up). */
function runtimeRepos(home: string, table: string): { repos: Repositories; close(): void } | null {
  const info = readRuntimeInfo(home);
  if (!info) return null;
  const client = dynamoClient(info.dynamoEndpoint, { maxAttempts: 1 });
  return { repos: dynamoRepositories(client, table), close: () => client.destroy() };
}

/** Opens a stopped runtime's store here, once its store process (which outlives it briefly) has let the folder go. */
async function reopen(home: string, table: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await openStore(home, table, { own: true });
    } catch (err) {
      if (attempt >= 10) throw err;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

interface ChainCheck {
  intervals: number;
  lost: number;
  duplicated: number;
  chainBreaks: number;
}

/** Every site has one decision per interval of the hours, each with one revision, each computed from the one before. */
async function check(repos: Repositories, siteIds: string[], fromMs: number, toMs: number, perHour: number): Promise<ChainCheck> {
  const c: ChainCheck = { intervals: 0, lost: 0, duplicated: 0, chainBreaks: 0 };
  for (const siteId of siteIds) {
    const items: Decision[] = [];
    let nextToken: string | undefined;
    do {
      const page = await repos.decisions.bySite(siteId, fromMs, toMs, { limit: 1000, ...(nextToken ? { nextToken } : {}) });
      items.push(...page.items);
      nextToken = page.nextToken ?? undefined;
    } while (nextToken);
    c.intervals += items.length;
    c.lost += Math.max(0, ((toMs - fromMs) / H) * perHour - items.length);
    for (const [i, d] of items.entries()) {
      const revs = await repos.decisions.revisions(siteId, d.intervalStart);
      if (revs.length > 1) c.duplicated += revs.length - 1;
      const before = items[i - 1];
      const prev = d.inputs.previous;
      if (before && prev) {
        const consistent = before.allocations.every((a) => prev[a.loadId] === undefined || prev[a.loadId]!.mw === a.mw);
        if (!consistent) c.chainBreaks++;
      }
    }
  }
  return c;
}

async function crashTrials(trials: number): Promise<Record<string, number>> {
  const rnd = random(2026);
  const totals = { intervals: 0, lost: 0, duplicated: 0, chainBreaks: 0, killed: 0, cleanRunMs: 0 };
  const table = 'switchyard';
  for (let t = 0; t < trials; t++) {
    const home = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
    try {
      const sitesFile = hundredSites(home);
      const siteIds = Array.from({ length: 100 }, (_, i) => `site-${i}`);
      const env = { SWITCHYARD_HOME: home, SWITCHYARD_SITES: sitesFile, SWITCHYARD_MARKET_DATA: 'demo', SWITCHYARD_TABLE: table };
      const now = Math.floor(Date.now() / H) * H;
      // Missed hours: the last success lies CATCH_UP_HOURS + 1 hours back.
      const store = await openStore(home, table, { own: true });
      await dynamoRepositories(store.client, table).runs.markHourSucceeded(now - (CATCH_UP_HOURS + 1) * H);
      await store.close();
      const caughtUp = async () => {
        const r = runtimeRepos(home, table);
        if (!r) return false;
        try {
          return (await r.repos.runs.lastSuccessfulHour()) === now;
        } finally {
          r.close();
        }
      };
      if (t === 0) {
        // Calibration: how long an uninterrupted catch-up takes, so that the kill points fall inside it.
        const calibration = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
        const s2 = await openStore(calibration, table, { own: true });
        await dynamoRepositories(s2.client, table).runs.markHourSucceeded(now - (CATCH_UP_HOURS + 1) * H);
        await s2.close();
        const cal = async () => {
          const r = runtimeRepos(calibration, table);
          if (!r) return false;
          try {
            return (await r.repos.runs.lastSuccessfulHour()) === now;
          } finally {
            r.close();
          }
        };
        totals.cleanRunMs = (await runtime({ ...env, SWITCHYARD_HOME: calibration }, { done: cal })).ms;
        rmSync(calibration, { recursive: true, force: true });
      }
      const killed = await runtime(env, { killAfterMs: rnd.int(1_000, Math.max(1_500, totals.cleanRunMs)) });
      if (killed.code === null) totals.killed++;
      rmSync(join(home, 'runtime.json'), { force: true });
      await runtime(env, { done: caughtUp });
      const after = await reopen(home, table);
      const c = await check(dynamoRepositories(after.client, table), siteIds, now - CATCH_UP_HOURS * H, now + H, 4);
      await after.close();
      totals.intervals += c.intervals;
      totals.lost += c.lost;
      totals.duplicated += c.duplicated;
      totals.chainBreaks += c.chainBreaks;
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }
  return {
    'crash trials': trials,
    'crash runtimes killed mid-way': totals.killed,
    'crash uninterrupted catch-up (ms)': totals.cleanRunMs,
    'crash intervals checked': totals.intervals,
    'crash decisions lost': totals.lost,
    'crash decisions duplicated': totals.duplicated,
    'crash chain breaks': totals.chainBreaks,
  };
}

async function fuzzRun(endpoint: string, total: number): Promise<Record<string, number | string>> {
  const BATCH = 10_000;
  const sum = { requests: 0, fiveXx: 0, undocumented: 0, sequences: 0, sequenceFailures: 0, ms: 0 };
  const statuses: Record<string, number> = {};
  const examples: string[] = [];
  for (let done = 0, seed = 1; done < total; done += BATCH, seed++) {
    const app = await startFuzzApp(endpoint);
    const f = await fuzz(app.fetch, app.doc, app.world, app.callers, { total: Math.min(BATCH, total - done), seed, trader: app.trader });
    app.close();
    sum.requests += f.requests;
    sum.fiveXx += f.fiveXx;
    sum.undocumented += f.undocumented;
    sum.sequences += f.sequences;
    sum.sequenceFailures += f.sequenceFailures;
    sum.ms += f.elapsedMs;
    for (const [s, n] of Object.entries(f.byStatus)) statuses[s] = (statuses[s] ?? 0) + n;
    examples.push(...f.examples.slice(0, 5 - examples.length));
  }
  for (const e of examples) process.stderr.write(`fuzz: ${e}\n`);
  return {
    'fuzz requests': sum.requests,
    'fuzz requests/s': Math.round(sum.requests / (sum.ms / 1000)),
    'fuzz 5xx': sum.fiveXx,
    'fuzz outside the document': sum.undocumented,
    'fuzz create→read→cancel sequences': sum.sequences,
    'fuzz sequence failures': sum.sequenceFailures,
    'fuzz statuses': Object.entries(statuses)
      .sort()
      .map(([s, n]) => `${s}:${n}`)
      .join(' '),
  };
}

export async function benchReliability(): Promise<Record<string, number | string>> {
  const db = await startDynalite({});
  try {
    const crash = await crashTrials(Number(process.env.RELIABILITY_TRIALS ?? 20));
    const fz = await fuzzRun(db.endpoint, Number(process.env.RELIABILITY_REQUESTS ?? 100_000));
    return { ...crash, ...fz };
  } finally {
    await db.close();
  }
}
