/**
 * `npm run bench -- agent`: the site agent (the real `startAgent` and drivers, in a process of its own as at a site:
 * bench/agent-process.ts) against a 100 MW fleet of 3.5 kW fake LuxOS miners served by two fake-fleet processes (a
 * process may hold 20,000 descriptors here).
 *
 * - price → asleep: from the moment the agent's price feed returns a price above the load's threshold to the state
 *   change with every one of the 28,600 miners confirmed asleep, and back (a price below it, once the load's minimum
 *   time off has passed: the agent's clock is moved on by 6 minutes rather than waited for);
 * - override → first command: from the moment the API serves a plan with a trader's CURTAIL to the first miner
 *   command, with the agent polling every 5 s (the default);
 * - memory and idle CPU of the agent's process with 30,000 miners (28,600 + a second load of 1,400 that stays running), the
 *   CPU over a window that holds whole rounds of the rolling read-back (every miner read once a minute, a slice a
 *   second), so the figure is what the agent costs at rest, read-backs included.
 *
 * Each phase, and the idle window, starts a minute (BENCH_AGENT_REST_S) after the previous burst of commands, so that
 * the connections that burst closed have left the kernel's TIME_WAIT (Linux holds them 60 s) and every phase meets the
 * machine as a site would after minutes: the idle figure is the agent at rest, not the tail of a burst.
 *
 * The API is a loopback stand-in in the bench's process (the plan with an ETag, telemetry accepted), and the meters
 * and price are in memory, so the figures are the agent's and the fleet's; the engine's own re-decision after an
 * override POST is measured by the api bench. Every timing figure carries the machine's load average, as the fleet's
 * and the agent's processes share its cores. BENCH_AGENT_PROFILE_DIR=<dir> also writes a CPU profile of the agent at
 * rest (a further 60 s), BENCH_AGENT_IDLE_S the CPU window (120 s: two read-back rounds).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Miner } from '../agent/miners/port.ts';
import type { DispatchPlan, PlanLoad, StateChange } from '../agent/plan.ts';
import { addressAt } from '../local/fake-fleet/fleet.ts';
import { FakeApi, TOKEN } from '../test/integration/agent/support.ts';
import type { FromAgent, MemoryFigures, ToAgent } from './agent-process.ts';

const MIN = 60_000;
const FIRST_ADDRESS = '127.30.0.1';
const LUXOS_PORT = 4028;
/**
 * The fake miners' LuxOS session idle timeout, and the driver's, shortened from the firmware's minute: the bench moves
 * the agent's clock on by minutes between phases, and the rest between phases outlasts it, so that each phase starts,
 * as it would after minutes, with every session gone (a logon and a curtail per miner, never a session still warm).
 */
const SESSION_MS = 4_000;
/** The rest before each phase and before the idle window: Linux's TIME_WAIT (60 s), and at least the session timeout. */
const REST_MS = Math.max(Number(process.env.BENCH_AGENT_REST_S ?? 60) * 1000, SESSION_MS + 500);
const rest = () => new Promise((resolve) => setTimeout(resolve, REST_MS));
/** The idle CPU window: long enough for two whole rounds of the 60 s rolling read-back. */
const IDLE_S = Number(process.env.BENCH_AGENT_IDLE_S ?? 120);

export interface SpawnedFleet {
  /** Every miner, in fleet-wide index order. */
  readonly miners: Miner[];
  stop(): Promise<void>;
}

/** `size` fake LuxOS miners on consecutive loopback addresses, split evenly over `processes` fake-fleet processes. */
export async function spawnLuxosFleet(
  size: number,
  processes: number,
  firstAddress = FIRST_ADDRESS,
  sessionTimeoutMs = 60_000,
): Promise<SpawnedFleet> {
  const children: ChildProcess[] = [];
  const per = Math.ceil(size / processes);
  const stop = () =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            child.removeAllListeners('exit');
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    ).then(() => undefined);
  try {
    await Promise.all(
      Array.from({ length: processes }, (_, p) => {
        const first = p * per;
        const count = Math.min(per, size - first);
        const args = [
          '--import',
          'tsx',
          'local/fake-fleet/main.ts',
          '--driver',
          'luxos',
          '--first-index',
          String(first),
          '--count',
          String(count),
          '--first-address',
          firstAddress,
          '--port',
          String(LUXOS_PORT),
          '--session-timeout-ms',
          String(sessionTimeoutMs),
        ];
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
        children.push(child);
        return new Promise<void>((resolve, reject) => {
          child.once('exit', (code) => reject(new Error(`fake fleet exited with ${code}`)));
          createInterface({ input: child.stdout! }).once('line', () => resolve());
        });
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const miners = Array.from(
    { length: size },
    (_, i): Miner => ({
      id: `m${i}`,
      host: addressAt(firstAddress, i),
      port: LUXOS_PORT,
      driver: 'luxos',
      ratedW: 3500,
    }),
  );
  return { miners, stop };
}

const load = (over: Partial<PlanLoad>): PlanLoad => ({
  loadId: 's21',
  action: 'RUN',
  mw: 0,
  curtailAboveUsdPerMwh: null,
  thresholdUsdPerMwh: null,
  forced: null,
  ...over,
});

function benchPlan(startMs: number, s21: Partial<PlanLoad>, mw: { s21: number; s19: number }): DispatchPlan {
  const end = startMs + 180 * MIN;
  return {
    siteId: 'rockdale',
    market: 'ERCOT',
    settlementPoint: 'HB_HUBAVG',
    timezone: 'America/Chicago',
    execution: 'price-responsive',
    interconnectMw: 130,
    baseLoadMw: 0,
    aiContractedMw: 5,
    hysteresisUsdPerMwh: 2,
    maxPriceAgeMinutes: 120,
    failSafe: { peakHoursLocal: [], otherwise: 'HOLD' },
    loads: [
      { id: 's21', kind: 'mining', powerMw: mw.s21, efficiencyJPerTh: 17.5 },
      { id: 's19', kind: 'mining', powerMw: mw.s19, efficiencyJPerTh: 21.5 },
      { id: 'tenant-a', kind: 'ai', contractedMw: 5, priceUsdPerMwh: 180 },
    ],
    validUntil: new Date(end).toISOString(),
    intervals: [
      {
        intervalStart: new Date(startMs).toISOString(),
        intervalEnd: new Date(end).toISOString(),
        intervalMinutes: 180,
        revision: 1,
        source: 'AUTO',
        decidedAt: new Date(startMs).toISOString(),
        flags: [],
        hashpriceUsdPerPhDay: null,
        holdMw: 0,
        loads: [
          load({ mw: mw.s21, thresholdUsdPerMwh: 50, curtailAboveUsdPerMwh: 50, ...s21 }),
          load({ loadId: 's19', mw: mw.s19, thresholdUsdPerMwh: 1000, curtailAboveUsdPerMwh: 1000 }),
        ],
        tenants: [{ loadId: 'tenant-a', mw: 5, backupGenMw: 0 }],
      },
    ],
  };
}

/** The agent's process (bench/agent-process.ts), spoken to over its IPC channel. */
class AgentProcess {
  readonly child: ChildProcess;
  readonly changes: (StateChange & { seenAt: number })[] = [];
  /** When the agent's price feed first returned each price. */
  readonly priceKnownAt = new Map<number, number>();
  #waiting = new Map<FromAgent['type'], ((message: FromAgent) => void)[]>();
  #exited: Promise<void>;

  constructor(nodeFlags: readonly string[]) {
    const entry = fileURLToPath(new URL('./agent-process.ts', import.meta.url));
    this.child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: FromAgent) => {
      if (message.type === 'state-change') this.changes.push({ ...message.change, seenAt: message.seenAt });
      else if (message.type === 'price-known') this.priceKnownAt.set(message.lmp, message.at);
      else if (message.type === 'warn') process.stderr.write(`agent: ${message.message}\n`);
      const waiting = this.#waiting.get(message.type)?.shift();
      waiting?.(message);
    });
  }

  send(message: ToAgent): void {
    this.child.send(message);
  }

  /** Sends `message` (if any) and resolves with the agent's next message of type `type`. */
  next<T extends FromAgent['type']>(type: T, message?: ToAgent): Promise<Extract<FromAgent, { type: T }>> {
    const reply = new Promise<Extract<FromAgent, { type: T }>>((resolve, reject) => {
      const list = this.#waiting.get(type) ?? [];
      list.push(resolve as (message: FromAgent) => void);
      this.#waiting.set(type, list);
      void this.#exited.then(() => reject(new Error(`bench agent: the agent process exited before its ${type}`)));
    });
    if (message !== undefined) this.send(message);
    return reply;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await this.next('stopped', { type: 'stop' });
    await this.#exited;
  }

  kill(): Promise<void> {
    this.child.kill('SIGKILL');
    return this.#exited;
  }
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const loadAverage = () =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')}`;

/** TCP connections in TIME_WAIT on the machine (the fleet's and the agent's ends alike), where `ss` is at hand. */
function timeWait(): string {
  try {
    const out = execFileSync('ss', ['-Htan', 'state', 'time-wait'], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    return `${out
      .split('\n')
      .filter((line) => line !== '')
      .length.toLocaleString('en')} TCP connections in TIME_WAIT`;
  } catch {
    return 'TIME_WAIT not known (no ss)';
  }
}

function memoryLine(m: MemoryFigures): string {
  const parts = [`V8 heap ${mb(m.heapTotal)} committed (${mb(m.heapUsed)} in use, ${mb(m.heapLive)} live after a full GC)`];
  parts.push(`external ${mb(m.external)} (array buffers ${mb(m.arrayBuffers)})`);
  if (m.rssFile !== null && m.rssAnon !== null) {
    parts.push(`pages mapped from files (node binary, libraries) ${mb(m.rssFile)}`);
    parts.push(`other native ${mb(Math.max(0, m.rssAnon - m.heapTotal - m.external))} (tsx's loader thread, malloc arenas, stacks)`);
  }
  return `${mb(m.rss)} = ${parts.join(' + ')}`;
}

export async function benchAgent(): Promise<Record<string, number | string>> {
  const sleepers = 28_600; // 100 MW of 3.5 kW miners
  const total = 30_000;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const figures: Record<string, number | string> = {};
  figures['machine at the start'] = `${cpus().length} cores, ${loadAverage()}`;
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  const started = Date.now();
  const fleet = await spawnLuxosFleet(total, 2, FIRST_ADDRESS, SESSION_MS);
  figures['fake fleet up (30,000 LuxOS miners, 2 processes)'] = s(Date.now() - started);
  const api = new FakeApi(benchPlan(Date.now() - 30 * MIN, {}, { s21: (sleepers * 3500) / 1e6, s19: ((total - sleepers) * 3500) / 1e6 }));
  await api.start();
  const profileDir = process.env.BENCH_AGENT_PROFILE_DIR;
  const agent = new AgentProcess(['--expose-gc']);
  try {
    const range = (first: number, count: number) => ({
      range: { first: addressAt(FIRST_ADDRESS, first), count, port: LUXOS_PORT },
      idPrefix: 'm',
      firstId: first,
      driver: 'luxos',
      ratedW: 3500,
    });
    const half = total / 2; // the second process starts here; the two loads split inside it
    const inventory = {
      version: 1,
      sites: [
        {
          siteId: 'rockdale',
          loads: [
            { loadId: 's21', miners: [range(0, half), range(half, sleepers - half)] },
            { loadId: 's19', miners: [range(sleepers, total - sleepers)] },
          ],
          meters: {
            address: '127.0.0.1:1',
            aiLoad: { address: 0, table: 'input', type: 'uint32', unit: 'kW' },
            siteTotal: { address: 2, table: 'input', type: 'uint32', unit: 'kW' },
          },
        },
      ],
    };
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));

    // The agent's clock can be moved on, so that the load's minimum time asleep passes without waiting for it.
    let offsetMs = 0;
    const settings = { site: 'rockdale', inventory: join(dir, 'inventory.json'), api: api.url, stateDir: join(dir, 'state'), priceS: 1 };
    const up = await agent.next('started', { type: 'start', settings, token: TOKEN, sessionIdleMs: SESSION_MS });
    figures['agent start (reads every miner first)'] = `${s(up.ms)} (${loadAverage()})`;
    figures['agent process before it started (code loaded, no miners)'] =
      `RSS ${mb(up.before.rss)}, V8 heap ${mb(up.before.heapUsed)} in use`;
    const status = async () => (await agent.next('status', { type: 'status' })).loads;
    const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => {
      const end = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > end) throw new Error(`bench agent: timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await until(async () => (await status())[0]!.running === sleepers, 60_000, 'the fleet running');
    await rest();

    const found = (kind: StateChange['change'], trigger: string, from: number) =>
      agent.changes.find((c) => c.loadId === 's21' && c.change === kind && c.trigger.kind === trigger && c.seenAt >= from);

    // Price above the threshold → every miner of the 100 MW load confirmed asleep.
    let mark = Date.now();
    agent.send({ type: 'price', lmp: 80 });
    await until(() => found('CURTAILED', 'PRICE', mark) !== undefined, 120_000, 'the curtailment');
    const asleep = found('CURTAILED', 'PRICE', mark)!;
    figures['price above threshold → last miner confirmed asleep'] = `${s(asleep.seenAt - agent.priceKnownAt.get(80)!)} (budget 10 s; ${
      asleep.miners?.confirmed
    }/${sleepers} confirmed, ${asleep.miners?.failed} failed; ${loadAverage()})`;

    // And back, once the minimum time asleep has passed.
    await rest();
    offsetMs += 6 * MIN;
    agent.send({ type: 'clock', offsetMs });
    mark = Date.now();
    agent.send({ type: 'price', lmp: 20 });
    await until(() => found('RESUMED', 'PRICE', mark) !== undefined, 120_000, 'the resumption');
    const resumed = found('RESUMED', 'PRICE', mark)!;
    figures['price below threshold → last miner confirmed running'] =
      `${s(resumed.seenAt - agent.priceKnownAt.get(20)!)} (${resumed.miners?.confirmed}/${sleepers} confirmed; ${loadAverage()})`;

    // A trader's CURTAIL: the plan served with it → the first miner command, polled every 5 s.
    offsetMs += 6 * MIN;
    agent.send({ type: 'clock', offsetMs });
    await until(async () => (await status())[0]!.running === sleepers, 60_000, 'the fleet running again');
    await rest();
    const forced = { mw: 0, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CURTAIL', overrideId: 'ov-bench' };
    const firstSleep = agent.next('first-sleep', { type: 'arm-first-sleep' });
    mark = Date.now();
    api.setPlan(
      benchPlan(
        Date.parse(api.plan.intervals[0]!.intervalStart),
        { forced, thresholdUsdPerMwh: null, curtailAboveUsdPerMwh: null },
        { s21: (sleepers * 3500) / 1e6, s19: ((total - sleepers) * 3500) / 1e6 },
      ),
    );
    const first = await firstSleep;
    figures['override in the plan → first miner command (5 s polling)'] = `${s(first.at - mark)} (budget 6 s; ${loadAverage()})`;
    await until(() => found('CURTAILED', 'OVERRIDE', mark) !== undefined, 120_000, 'the override’s curtailment');
    figures['override in the plan → last miner confirmed asleep'] =
      `${s(found('CURTAILED', 'OVERRIDE', mark)!.seenAt - mark)} (${loadAverage()})`;

    // Memory with 30,000 miners (28,600 LuxOS sessions held), then, a rest after the last burst, CPU while nothing
    // changes (the loops still poll plan, price and meters, and the rolling read-back reads 1/60 of the fleet a second).
    const { memory } = await agent.next('memory', { type: 'memory' });
    figures['agent process RSS, 30,000 miners'] = `${memoryLine(memory)} (budget 250 MB)`;
    if (memory.rssPeak !== null) figures['agent process peak RSS (VmHWM) so far'] = `${mb(memory.rssPeak)} (budget 250 MB)`;
    figures['  held meanwhile'] =
      `${memory.luxosSessions.toLocaleString('en')} LuxOS sessions, ${memory.spareSockets} closed sockets kept for reuse`;
    await rest();
    const idleLoad = `${loadAverage()}, ${timeWait()}`;
    const c0 = (await agent.next('cpu', { type: 'cpu' })).cpu;
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
    const c1 = (await agent.next('cpu', { type: 'cpu' })).cpu;
    const elapsedMs = c1.atMs - c0.atMs;
    const share = (us: number) => `${((us / 1000 / elapsedMs) * 100).toFixed(2)} %`;
    const ticks = (pick: (name: string) => boolean) =>
      Object.entries(c1.threads)
        .filter(([name]) => pick(name))
        .reduce((sum, [name, [u, sys]]) => sum + u + sys - (c0.threads[name]?.[0] ?? 0) - (c0.threads[name]?.[1] ?? 0), 0) *
      (1e6 / 100); // clock ticks (USER_HZ 100) → µs
    const rounds = (IDLE_S / 60).toFixed(1);
    const restS = (REST_MS / 1000).toFixed(0);
    figures[`agent idle CPU over ${IDLE_S} s (share of one core)`] =
      `${share(c1.userUs + c1.systemUs - c0.userUs - c0.systemUs)} (budget 5 %; user ${share(
        c1.userUs - c0.userUs,
      )}, system ${share(c1.systemUs - c0.systemUs)}; ${rounds} rounds of the rolling read-back of all ${total.toLocaleString('en')} miners inside; started ${restS} s after the last burst; ${idleLoad} before, ${loadAverage()} after)`;
    if (Object.keys(c1.threads).length > 0) {
      figures['  by thread'] =
        `main ${share(ticks((n) => n.startsWith('main ')))}, V8 and libuv helper threads ${share(ticks((n) => !n.startsWith('main ')))}`;
    }
    if (profileDir !== undefined) {
      const path = join(profileDir, `agent-idle-${Date.now()}.cpuprofile`);
      await agent.next('profiled', { type: 'profile', seconds: 60, path });
      figures['idle CPU profile (60 s more, after the figure above)'] = path;
    }
    await agent.stop();
  } finally {
    if (agent.child.exitCode === null) await agent.kill();
    await api.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
