/**
 * `npm run bench -- reliability`: the long part of the reliability suite (the fast part is
 * test/reliability). Prints:
 * - crash: `switchyard start` over 100 demo sites catching up missed hours, killed with SIGKILL at a
 *   random point, then started again until caught up: decisions lost, duplicated, and chain breaks (a current decision
 *   whose previous state is not the current decision of the interval before), checked through the
 *   repositories;
 * - fuzz: requests generated from /openapi.json (every operation and role, valid and invalid, create→read→cancel
 *   sequences) against the in-process app (`app.fetch`, no HTTP) on dynalite (fresh table every 10,000 requests):
 *   5xx and responses outside the document.
 * RELIABILITY_TRIALS and RELIABILITY_REQUESTS scale them (defaults 20 and 100,000). On a 2-core machine the defaults
 * took ~35 minutes one after the other; now the fuzz runs in RELIABILITY_FUZZ_WORKERS processes (default 2, each on
 * its own dynalite) while the crash trials run RELIABILITY_CRASH_PARALLEL at a time (default 2), and a trial's check
 * reads the table in one scan instead of a query per interval.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { documentClient, dynamoClient } from '#adapters/dynamo/table.ts';
import type { Decision } from '#domain/decision.ts';
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

/** Revisions per decision (`DEC#<site>#<interval>` → count), read in one paginated scan rather than a query per interval. */
async function revisionCounts(store: { client: Parameters<typeof documentClient>[0] }, table: string): Promise<Map<string, number>> {
  const doc = documentClient(store.client);
  const counts = new Map<string, number>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await doc.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'pk, sk',
        FilterExpression: 'begins_with(pk, :dec) AND begins_with(sk, :rev)',
        ExpressionAttributeValues: { ':dec': 'DEC#', ':rev': 'REV#' },
        ExclusiveStartKey,
      }),
    );
    for (const it of res.Items ?? []) counts.set(it.pk as string, (counts.get(it.pk as string) ?? 0) + 1);
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return counts;
}

/** Every site has one decision per interval of the hours, each with one revision, each computed from the one before. */
async function check(
  repos: Repositories,
  revisions: Map<string, number>,
  siteIds: string[],
  fromMs: number,
  toMs: number,
  perHour: number,
): Promise<ChainCheck> {
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
      const revs = revisions.get(`DEC#${siteId}#${d.intervalStart}`) ?? 0;
      if (revs === 0) throw new Error(`no revision item found for ${siteId} ${d.intervalStart}: the scan's key shape is stale`);
      if (revs > 1) c.duplicated += revs - 1;
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

/** A home whose store says the last successful hour lies CATCH_UP_HOURS + 1 hours back: the runtime's start catches up. */
async function missedHoursHome(table: string, now: number): Promise<{ home: string; env: Record<string, string> }> {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-crash-'));
  const store = await openStore(home, table, { own: true });
  await dynamoRepositories(store.client, table).runs.markHourSucceeded(now - (CATCH_UP_HOURS + 1) * H);
  await store.close();
  const env = { SWITCHYARD_HOME: home, SWITCHYARD_SITES: hundredSites(home), SWITCHYARD_MARKET_DATA: 'demo', SWITCHYARD_TABLE: table };
  return { home, env };
}

const caughtUpTo = (home: string, table: string, now: number) => async () => {
  const r = runtimeRepos(home, table);
  if (!r) return false;
  try {
    return (await r.repos.runs.lastSuccessfulHour()) === now;
  } finally {
    r.close();
  }
};

async function crashTrials(trials: number, parallel: number): Promise<Record<string, number>> {
  const rnd = random(2026);
  const totals = { intervals: 0, lost: 0, duplicated: 0, chainBreaks: 0, killed: 0, cleanRunMs: 0 };
  const table = 'switchyard';
  const siteIds = Array.from({ length: 100 }, (_, i) => `site-${i}`);
  const now = Math.floor(Date.now() / H) * H;
  // Calibration: how long an uninterrupted catch-up takes, so that the kill points fall inside it.
  const cal = await missedHoursHome(table, now);
  totals.cleanRunMs = (await runtime(cal.env, { done: caughtUpTo(cal.home, table, now) })).ms;
  rmSync(cal.home, { recursive: true, force: true });
  // Kill points drawn up front, in trial order, so that they do not depend on which trial finishes first.
  const killPoints = Array.from({ length: trials }, () => rnd.int(1_000, Math.max(1_500, totals.cleanRunMs)));
  const trial = async (t: number) => {
    const { home, env } = await missedHoursHome(table, now);
    try {
      const killed = await runtime(env, { killAfterMs: killPoints[t]! });
      if (killed.code === null) totals.killed++;
      rmSync(join(home, 'runtime.json'), { force: true });
      await runtime(env, { done: caughtUpTo(home, table, now) });
      const after = await reopen(home, table);
      try {
        const revisions = await revisionCounts(after, table);
        const c = await check(dynamoRepositories(after.client, table), revisions, siteIds, now - CATCH_UP_HOURS * H, now + H, 4);
        totals.intervals += c.intervals;
        totals.lost += c.lost;
        totals.duplicated += c.duplicated;
        totals.chainBreaks += c.chainBreaks;
      } finally {
        await after.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
  let next = 0;
  const worker = async () => {
    while (next < trials) await trial(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, trials)) }, worker));
  return {
    'crash trials': trials,
    'crash trials at once': Math.max(1, Math.min(parallel, trials)),
    'crash runtimes killed mid-way': totals.killed,
    'crash uninterrupted catch-up (ms)': totals.cleanRunMs,
    'crash intervals checked': totals.intervals,
    'crash decisions lost': totals.lost,
    'crash decisions duplicated': totals.duplicated,
    'crash chain breaks': totals.chainBreaks,
  };
}

export interface FuzzSum {
  requests: number;
  fiveXx: number;
  undocumented: number;
  sequences: number;
  sequenceFailures: number;
  statuses: Record<string, number>;
  examples: string[];
}

const FUZZ_BATCH = 10_000;

/** Fuzz batches (a fresh table and seed each) against the in-process app over the dynalite at `endpoint`. */
export async function fuzzBatches(endpoint: string, batches: readonly { seed: number; total: number }[]): Promise<FuzzSum> {
  const sum: FuzzSum = { requests: 0, fiveXx: 0, undocumented: 0, sequences: 0, sequenceFailures: 0, statuses: {}, examples: [] };
  for (const { seed, total } of batches) {
    const app = await startFuzzApp(endpoint);
    const f = await fuzz(app.fetch, app.doc, app.world, app.callers, { total, seed, trader: app.trader });
    app.close();
    sum.requests += f.requests;
    sum.fiveXx += f.fiveXx;
    sum.undocumented += f.undocumented;
    sum.sequences += f.sequences;
    sum.sequenceFailures += f.sequenceFailures;
    for (const [s, n] of Object.entries(f.byStatus)) sum.statuses[s] = (sum.statuses[s] ?? 0) + n;
    sum.examples.push(...f.examples.slice(0, Math.max(0, 5 - sum.examples.length)));
  }
  return sum;
}

/** One fuzz worker process (bench/reliability-fuzz-worker.ts) with its own dynalite, given its batches. */
function fuzzWorker(batches: readonly { seed: number; total: number }[]): Promise<FuzzSum> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [join(ROOT, 'bench/reliability-fuzz-worker.ts')], {
      cwd: ROOT,
      env: { ...process.env, RELIABILITY_FUZZ_BATCHES: JSON.stringify(batches) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) reject(new Error(`fuzz worker exited with ${code}`));
      else resolve(JSON.parse(last) as FuzzSum);
    });
  });
}

async function fuzzRun(total: number, workers: number): Promise<Record<string, number | string>> {
  const batches: { seed: number; total: number }[] = [];
  for (let done = 0, seed = 1; done < total; done += FUZZ_BATCH, seed++) batches.push({ seed, total: Math.min(FUZZ_BATCH, total - done) });
  const n = Math.max(1, Math.min(workers, batches.length));
  const started = Date.now();
  const parts = await Promise.all(Array.from({ length: n }, (_, w) => fuzzWorker(batches.filter((_, i) => i % n === w))));
  const ms = Date.now() - started;
  const sum = parts.reduce((a, b) => ({
    requests: a.requests + b.requests,
    fiveXx: a.fiveXx + b.fiveXx,
    undocumented: a.undocumented + b.undocumented,
    sequences: a.sequences + b.sequences,
    sequenceFailures: a.sequenceFailures + b.sequenceFailures,
    statuses: Object.fromEntries(
      [...new Set([...Object.keys(a.statuses), ...Object.keys(b.statuses)])].map((s) => [s, (a.statuses[s] ?? 0) + (b.statuses[s] ?? 0)]),
    ),
    examples: [...a.examples, ...b.examples].slice(0, 5),
  }));
  for (const e of sum.examples) process.stderr.write(`fuzz: ${e}\n`);
  return {
    'fuzz requests': sum.requests,
    'fuzz worker processes': n,
    'fuzz duration (s)': Math.round(ms / 1000),
    'fuzz requests/s': Math.round(sum.requests / (ms / 1000)),
    'fuzz 5xx': sum.fiveXx,
    'fuzz outside the document': sum.undocumented,
    'fuzz create→read→cancel sequences': sum.sequences,
    'fuzz sequence failures': sum.sequenceFailures,
    'fuzz statuses': Object.entries(sum.statuses)
      .sort()
      .map(([s, k]) => `${s}:${k}`)
      .join(' '),
  };
}

export async function benchReliability(): Promise<Record<string, number | string>> {
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
  const startLoad = load();
  const started = Date.now();
  // Both at once: a crash trial leaves a core idle much of the time (start-up, polling), the fuzz fills it.
  const [crash, fz] = await Promise.all([
    crashTrials(Number(process.env.RELIABILITY_TRIALS ?? 20), Number(process.env.RELIABILITY_CRASH_PARALLEL ?? 2)),
    fuzzRun(Number(process.env.RELIABILITY_REQUESTS ?? 100_000), Number(process.env.RELIABILITY_FUZZ_WORKERS ?? 2)),
  ]);
  return {
    ...crash,
    ...fz,
    'duration (s)': Math.round((Date.now() - started) / 1000),
    'load average at start (1/5/15 min)': startLoad,
    'load average at end (1/5/15 min)': load(),
  };
}
