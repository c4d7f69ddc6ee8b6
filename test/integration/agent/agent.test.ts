import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenSource } from '../../../agent/cloud.ts';
import { type RunningAgent, startAgent } from '../../../agent/main.ts';
import { createDrivers } from '../../../agent/miners/drivers/index.ts';
import { LuxosDriver } from '../../../agent/miners/drivers/luxos.ts';
import type { DriverRegistry, Miner } from '../../../agent/miners/port.ts';
import { parseAgentSettings } from '../../../agent/settings.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { interval, plan, planLoad } from '../../unit/agent/support.ts';
import { FakeApi, FakeInputs, TOKEN, until } from './support.ts';

const COUNT = 40;
const MIN = 60_000;
let fleet: FakeFleet;
let dir: string;
const agents: RunningAgent[] = [];

function livePlan(over: Parameters<typeof planLoad>[0] = {}) {
  const start = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN;
  const intervals = [interval({ loads: [planLoad({ mw: 0.14, ...over })] }, start, 60)];
  // No peak hours: the fail-safe holds while the first price is on its way, whatever the hour the test runs at.
  const failSafe = { peakHoursLocal: [], otherwise: 'HOLD' as const };
  return plan({ intervals, validUntil: intervals[0]!.intervalEnd, failSafe }, { powerMw: (COUNT * 3500) / 1e6 });
}

function inventory(path: string): void {
  const fragment = fleet.inventoryFragment('env:UNUSED') as Record<string, unknown>;
  delete fragment.credential; // LuxOS has no password
  const register = { address: 0, table: 'input', type: 'uint32', unit: 'kW' };
  const meters = { address: '127.0.0.1:5020', aiLoad: register, siteTotal: { ...register, address: 2 } };
  writeFileSync(
    path,
    JSON.stringify({ version: 1, sites: [{ siteId: 'rockdale', loads: [{ loadId: 's21', miners: [fragment] }], meters }] }),
  );
}

async function agent(
  api: FakeApi,
  inputs: FakeInputs,
  stateDir: string,
  extra: Record<string, unknown> = {},
  drivers?: DriverRegistry,
): Promise<RunningAgent> {
  const settings = parseAgentSettings({
    site: 'rockdale',
    inventory: join(dir, 'inventory.json'),
    api: api.url,
    stateDir,
    pollS: 0.1,
    priceS: 0.1,
    meterS: 0.1,
    telemetryS: 0.2,
    refreshS: 60,
    ...extra,
  });
  const running = await startAgent(settings, {
    adapters: inputs.adapters(),
    token: tokenSource({ value: TOKEN }),
    log: { info() {}, warn() {}, error() {} },
    ...(drivers ? { drivers } : {}),
  });
  agents.push(running);
  return running;
}

const asleep = () => fleet.miners.filter((m) => m.fake.state().mode === 'asleep').length;
const commands = () => fleet.miners.reduce((n, m) => n + m.fake.commands.length, 0);

beforeAll(async () => {
  fleet = await startFakeFleet({ driver: 'luxos', count: COUNT, firstAddress: '127.20.0.1' });
  dir = mkdtempSync(join(tmpdir(), 'agent-'));
  inventory(join(dir, 'inventory.json'));
}, 60_000);
afterEach(async () => {
  for (const a of agents.splice(0)) await a.stop();
  for (const m of fleet.miners) {
    m.fake.wake();
    m.fake.commands.length = 0;
  }
});
afterAll(async () => {
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the agent against a loopback API and fake LuxOS miners', () => {
  it('puts the miners to sleep when the price rises above the threshold, and reports it once the API takes telemetry', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    api.failTelemetry = 3;
    const inputs = new FakeInputs();
    const stateDir = join(dir, 'state-1');
    const running = await agent(api, inputs, stateDir);
    await until(() => api.dispatchStatuses.includes(304), 5_000, 'a 304 on an unchanged plan');
    expect(asleep()).toBe(0);

    inputs.lmp = 80;
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    await until(() => api.stateChanges.size === 1 && running.telemetry.queued === 0, 10_000, 'the state change sent');
    const [change] = [...api.stateChanges.values()];
    expect(change).toMatchObject({
      loadId: 's21',
      change: 'CURTAILED',
      trigger: { kind: 'PRICE', priceUsdPerMwh: 80, thresholdUsdPerMwh: 50 },
    });
    expect(change!.miners).toEqual({ commanded: COUNT, confirmed: COUNT, failed: 0 });
    await until(
      () => [...api.samples.values()].some((s) => (s as { miners: { asleep: number } }).miners.asleep === COUNT),
      5_000,
      'a sample',
    );
    expect(api.posts).toBeGreaterThan(3); // the failed posts were retried from the disk queue
    await running.stop();
    agents.splice(agents.indexOf(running), 1);
    expect(readFileSync(join(stateDir, 'telemetry.jsonl'), 'utf8')).toBe(''); // compacted once sent
    expect(api.unauthorised).toEqual([]);
    await api.close();
  });

  it('a trader’s CURTAIL in a new plan reaches the miners; the override id is the trigger', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    const running = await agent(api, new FakeInputs(), join(dir, 'state-2'));
    await until(() => api.dispatchStatuses.length > 0, 5_000, 'a first poll');
    const forced = { mw: 0, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CURTAIL', overrideId: 'ov-9' };
    api.setPlan(livePlan({ forced, thresholdUsdPerMwh: null, curtailAboveUsdPerMwh: null }));
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    await until(() => api.stateChanges.size === 1, 5_000, 'the state change');
    expect([...api.stateChanges.values()][0]!.trigger).toEqual({ kind: 'OVERRIDE', overrideId: 'ov-9' });
    expect(running.plans.plan?.intervals[0]?.loads[0]?.forced?.overrideId).toBe('ov-9');
    await api.close();
  });

  it('restarted while the cloud is away, carries on with the kept plan and commands no miner already right', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    const inputs = new FakeInputs();
    inputs.lmp = 80;
    const stateDir = join(dir, 'state-3');
    const first = await agent(api, inputs, stateDir);
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    await first.stop();
    agents.splice(agents.indexOf(first), 1);
    const before = commands();

    api.dispatchDown = true;
    const second = await agent(api, inputs, stateDir);
    await until(() => api.dispatchStatuses.filter((s) => s === 503).length >= 3, 5_000, 'polls refused');
    expect(second.controller.plan?.siteId).toBe('rockdale');
    expect(commands()).toBe(before);
    expect(second.controller.status()[0]).toMatchObject({ asleep: COUNT, unreachable: 0 });
    await api.close();
  });

  it('telemetry that could not be sent survives a restart and is sent once', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    api.failTelemetry = 1_000;
    const inputs = new FakeInputs();
    const stateDir = join(dir, 'state-4');
    const first = await agent(api, inputs, stateDir);
    inputs.lmp = 80;
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    await until(() => first.telemetry.queued >= 4, 5_000, 'entries queued');
    await first.stop();
    agents.splice(agents.indexOf(first), 1);
    const queued = readFileSync(join(stateDir, 'telemetry.jsonl'), 'utf8').trim().split('\n').length;
    expect(api.stateChanges.size).toBe(0);

    api.failTelemetry = 0;
    const second = await agent(api, inputs, stateDir, { telemetryS: 60 });
    await until(() => second.telemetry.queued === 0 && api.samples.size > 0, 5_000, 'the queue sent');
    expect(api.stateChanges.size).toBe(1);
    expect(api.replayed).toBe(0);
    expect(api.samples.size + api.stateChanges.size).toBeGreaterThanOrEqual(queued);
    await api.close();
  });

  it('stop() waits for a read-back in flight, then gives the miners’ LuxOS sessions back', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    const inputs = new FakeInputs();
    const luxos = new LuxosDriver();
    let gate: Promise<void> | null = null;
    let readsStarted = 0;
    let readsDone = 0;
    const drivers: DriverRegistry = {
      ...createDrivers(),
      luxos: {
        name: 'luxos',
        sleep: (m, o) => luxos.sleep(m, o),
        wake: (m, o) => luxos.wake(m, o),
        setPowerTarget: (m: Miner) => luxos.setPowerTarget(m),
        close: (o) => luxos.close(o),
        readState: async (m, o) => {
          readsStarted++;
          if (gate !== null) await gate;
          const result = await luxos.readState(m, o);
          readsDone++;
          return result;
        },
      },
    };
    // A whole round of reads every 0.5 s: a slice of the fleet is read every half second or so.
    const running = await agent(api, inputs, join(dir, 'state-7'), { refreshS: 0.5 }, drivers);
    inputs.lmp = 80;
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    expect(luxos.sessions).toBe(COUNT);
    let release!: () => void;
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = readsStarted;
    await until(() => readsStarted > before, 5_000, 'a read-back slice in flight');
    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stopped).toBe(false);
    gate = null;
    release();
    await stopping;
    agents.splice(agents.indexOf(running), 1);
    expect(readsDone).toBe(readsStarted);
    expect(luxos.sessions).toBe(0);
    // Logged off: another actor can log on to every miner at once.
    const other = new LuxosDriver();
    const miner = (i: number): Miner => ({
      id: `m${i}`,
      host: fleet.miners[i]!.host,
      port: fleet.miners[i]!.port,
      driver: 'luxos',
      ratedW: 3500,
    });
    const woken = await Promise.all(fleet.miners.map((_, i) => other.wake(miner(i), { timeoutMs: 2_000 })));
    expect(woken.filter((w) => !w.ok)).toEqual([]);
    await other.close({ timeoutMs: 2_000 });
    await api.close();
  });

  it('a stale price puts the site in its fail-safe', async () => {
    const api = new FakeApi(livePlan());
    await api.start();
    const inputs = new FakeInputs();
    await agent(api, inputs, join(dir, 'state-5'), { maxPriceAgeS: 60 });
    await until(() => api.samples.size > 0, 5_000, 'a first sample');
    api.setPlan({ ...livePlan(), failSafe: { peakHoursLocal: [], otherwise: 'CURTAIL' } });
    await until(() => api.dispatchStatuses.filter((s) => s === 200).length === 2, 5_000, 'the new plan');
    expect(asleep()).toBe(0);
    inputs.scedMs = Date.now() - 5 * MIN;
    await until(() => asleep() === COUNT, 10_000, 'every miner asleep');
    await until(() => api.stateChanges.size === 1, 5_000, 'the state change');
    expect([...api.stateChanges.values()][0]!.trigger).toEqual({ kind: 'FAIL_SAFE' });
    await api.close();
  });

  it('a bad inventory stops the agent before it starts, naming the field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        version: 1,
        sites: [{ siteId: 'rockdale', loads: [{ loadId: 's21', miners: [{ id: 'x', address: 'nope', driver: 'luxos', ratedW: 1 }] }] }],
      }),
    );
    const api = new FakeApi(livePlan());
    const settings = parseAgentSettings({ site: 'rockdale', inventory: bad, api: 'http://127.0.0.1:1', stateDir: join(dir, 'state-6') });
    await expect(startAgent(settings, { adapters: new FakeInputs().adapters(), token: tokenSource({ value: TOKEN }) })).rejects.toThrow(
      /sites\[0\]\.loads\[0\]\.miners\[0\]\.address: expected host:port/,
    );
    expect(api.posts).toBe(0);
  });
});
