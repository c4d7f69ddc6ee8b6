/**
 * `npm run bench -- agent`: the site agent (in this process, the real `startAgent`) against a 100 MW fleet of 3.5 kW
 * fake LuxOS miners served by two fake-fleet processes (a process may hold 20,000 descriptors here), as at a site.
 *
 * - price → asleep: from the moment the agent's price feed returns a price above the load's threshold to the state
 *   change with every one of the 28,600 miners confirmed asleep, and back (a price below it, once the load's minimum
 *   time off has passed: the agent's clock is moved on by 6 minutes rather than waited for);
 * - override → first command: from the moment the API serves a plan with a trader's CURTAIL to the first miner
 *   command, with the agent polling every 5 s (the default);
 * - memory and idle CPU of this process with 30,000 miners (28,600 + a second load of 1,400 that stays running), the
 *   CPU over a window that holds whole rounds of the rolling read-back (every miner read once a minute, a slice a
 *   second), so the figure is what the agent costs at rest, read-backs included.
 *
 * The API is a loopback stand-in (the plan with an ETag, telemetry accepted), and the meters and price are in
 * memory, so the figures are the agent's and the fleet's; the engine's own re-decision after an override POST is
 * measured by the api bench.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tokenSource } from '../agent/cloud.ts';
import { startAgent } from '../agent/main.ts';
import { createDrivers } from '../agent/miners/drivers/index.ts';
import { LuxosDriver } from '../agent/miners/drivers/luxos.ts';
import type { DriverRegistry, Miner } from '../agent/miners/port.ts';
import type { DispatchPlan, PlanLoad, StateChange } from '../agent/plan.ts';
import { parseAgentSettings } from '../agent/settings.ts';
import { addressAt } from '../local/fake-fleet/fleet.ts';
import { FakeApi, TOKEN } from '../test/integration/agent/support.ts';

const MIN = 60_000;
const FIRST_ADDRESS = '127.30.0.1';
const LUXOS_PORT = 4028;
/**
 * The fake miners' LuxOS session idle timeout, and the driver's, shortened from the firmware's minute: the bench moves
 * the agent's clock on by minutes between phases, and waits this long for real so that each phase starts, as it would
 * after minutes, with every session gone (a logon and a curtail per miner, never a session still warm).
 */
const SESSION_MS = 4_000;
const sessionsGone = () => new Promise((resolve) => setTimeout(resolve, SESSION_MS + 500));
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

/** The drivers, noting when each sleep command left; LuxOS sessions taken as gone after `sessionIdleMs`. */
function timedDrivers(sessionIdleMs: number): { drivers: DriverRegistry; sleepsAfter: (ms: number) => number | null } {
  const base = createDrivers();
  const sleeps: number[] = [];
  const luxos = new LuxosDriver({ sessionIdleMs });
  const drivers = {
    ...base,
    luxos: {
      name: luxos.name,
      readState: luxos.readState.bind(luxos),
      wake: luxos.wake.bind(luxos),
      setPowerTarget: luxos.setPowerTarget.bind(luxos),
      close: luxos.close.bind(luxos),
      sleep: (miner: Miner, options: { timeoutMs: number }) => {
        sleeps.push(Date.now());
        return luxos.sleep(miner, options);
      },
    },
  };
  return { drivers, sleepsAfter: (ms) => sleeps.find((t) => t >= ms) ?? null };
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

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`bench agent: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function benchAgent(): Promise<Record<string, number | string>> {
  const sleepers = 28_600; // 100 MW of 3.5 kW miners
  const total = 30_000;
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const figures: Record<string, number | string> = {};
  const dir = mkdtempSync(join(tmpdir(), 'bench-agent-'));
  let started = Date.now();
  const fleet = await spawnLuxosFleet(total, 2, FIRST_ADDRESS, SESSION_MS);
  figures['fake fleet up (30,000 LuxOS miners, 2 processes)'] = s(Date.now() - started);
  const api = new FakeApi(benchPlan(Date.now() - 30 * MIN, {}, { s21: (sleepers * 3500) / 1e6, s19: ((total - sleepers) * 3500) / 1e6 }));
  await api.start();
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
    const clock = { nowMs: () => Date.now() + offsetMs };
    let lmp = 20;
    // When the feed first returned the latest price: the moment the agent knows it.
    let returned = Number.NaN;
    let knownAt = 0;
    const changes: (StateChange & { seenAt: number })[] = [];
    const { drivers, sleepsAfter } = timedDrivers(SESSION_MS);
    const settings = parseAgentSettings({
      site: 'rockdale',
      inventory: join(dir, 'inventory.json'),
      api: api.url,
      stateDir: join(dir, 'state'),
      priceS: 1,
    });
    started = Date.now();
    const agent = await startAgent(settings, {
      adapters: {
        meters: () => ({ read: async () => ({ atMs: clock.nowMs(), aiLoadMw: 5, siteTotalMw: 110 }), close: async () => undefined }),
        basePoint: () => null,
        prices: () => ({
          latest: async (node) => {
            if (lmp !== returned) [returned, knownAt] = [lmp, Date.now()];
            return { market: 'ERCOT', node, scedTimestampMs: clock.nowMs(), lmpUsdPerMwh: lmp };
          },
        }),
      },
      token: tokenSource({ value: TOKEN }),
      clock,
      drivers,
      log: {
        info: (message, fields) => {
          if (message === 'load state change') changes.push({ ...(fields as unknown as StateChange), seenAt: Date.now() });
        },
        warn: (message, fields) => process.stderr.write(`agent: ${message} ${JSON.stringify(fields ?? {})}\n`),
        error: (message, fields) => process.stderr.write(`agent: ${message} ${JSON.stringify(fields ?? {})}\n`),
      },
    });
    figures['agent start (reads every miner first)'] = s(Date.now() - started);
    const status = () => agent.controller.status();
    await until(() => agent.controller.plan !== null && status()[0]!.running === sleepers, 60_000, 'the fleet running');

    const change = (kind: StateChange['change'], trigger: string, from: number) => () =>
      changes.some((c) => c.loadId === 's21' && c.change === kind && c.trigger.kind === trigger && c.seenAt >= from);
    const found = (kind: StateChange['change'], trigger: string, from: number) =>
      changes.find((c) => c.loadId === 's21' && c.change === kind && c.trigger.kind === trigger && c.seenAt >= from)!;

    // Price above the threshold → every miner of the 100 MW load confirmed asleep.
    let mark = Date.now();
    lmp = 80;
    await until(change('CURTAILED', 'PRICE', mark), 120_000, 'the curtailment');
    const asleep = found('CURTAILED', 'PRICE', mark);
    figures['price above threshold → last miner confirmed asleep'] = `${s(asleep.seenAt - knownAt)} (budget 10 s; ${
      asleep.miners?.confirmed
    }/${sleepers} confirmed, ${asleep.miners?.failed} failed)`;

    // And back, once the minimum time asleep has passed.
    await sessionsGone();
    offsetMs += 6 * MIN;
    mark = Date.now();
    lmp = 20;
    await until(change('RESUMED', 'PRICE', mark), 120_000, 'the resumption');
    const resumed = found('RESUMED', 'PRICE', mark);
    figures['price below threshold → last miner confirmed running'] =
      `${s(resumed.seenAt - knownAt)} (${resumed.miners?.confirmed}/${sleepers} confirmed)`;

    // A trader's CURTAIL: the plan served with it → the first miner command, polled every 5 s.
    offsetMs += 6 * MIN;
    await until(() => status()[0]!.running === sleepers, 60_000, 'the fleet running again');
    await sessionsGone();
    const forced = { mw: 0, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CURTAIL', overrideId: 'ov-bench' };
    mark = Date.now();
    api.setPlan(
      benchPlan(
        Date.parse(api.plan.intervals[0]!.intervalStart),
        { forced, thresholdUsdPerMwh: null, curtailAboveUsdPerMwh: null },
        { s21: (sleepers * 3500) / 1e6, s19: ((total - sleepers) * 3500) / 1e6 },
      ),
    );
    await until(() => sleepsAfter(mark) !== null, 30_000, 'the override’s first command');
    figures['override in the plan → first miner command (5 s polling)'] = `${s(sleepsAfter(mark)! - mark)} (budget 6 s)`;
    await until(change('CURTAILED', 'OVERRIDE', mark), 120_000, 'the override’s curtailment');
    figures['override in the plan → last miner confirmed asleep'] = s(found('CURTAILED', 'OVERRIDE', mark).seenAt - mark);

    // Memory with 30,000 miners, then CPU while nothing changes (the loops still poll plan, price and meters).
    global.gc?.();
    const memory = process.memoryUsage();
    figures['agent process RSS, 30,000 miners'] = `${(memory.rss / 2 ** 20).toFixed(0)} MB (budget 250 MB; heap ${(
      memory.heapUsed / 2 ** 20
    ).toFixed(0)} MB)`;
    // The rolling read-back reads 1/60 of the fleet a second; the window covers whole rounds of it.
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
    const cpu = process.cpuUsage(cpu0);
    const idle = ((cpu.user + cpu.system) / 1000 / (performance.now() - t0)) * 100;
    const rounds = (IDLE_S / settings.refreshS).toFixed(1);
    figures[`agent idle CPU over ${IDLE_S} s (share of one core)`] =
      `${idle.toFixed(2)} % (budget 5 %; ${rounds} rounds of the rolling read-back of all ${total.toLocaleString('en')} miners inside)`;
    figures.machine = 'shared, 2 cores, loaded by other work while measured';
    await agent.stop();
  } finally {
    await api.close();
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}
