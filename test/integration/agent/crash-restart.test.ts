/**
 * The agent killed (kill -9) after putting LuxOS miners to sleep, and started again on the same state directory, as
 * systemd does: the `switchyard agent` command in its own process, against fake LuxOS miners that hold one session each
 * and answer 402 to any other logon until it has gone unused for the firmware's minute. With the sessions it kept, the
 * restarted agent wakes every miner at once; without them (the file removed), every miner refuses it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOAD_TIMERS_FILE } from '../../../agent/load-timers.ts';
import { LUXOS_SESSIONS_FILE } from '../../../agent/luxos-sessions.ts';
import type { DispatchPlan } from '../../../agent/plan.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { ROOT } from '../../support/cli.ts';
import { interval, plan, planLoad } from '../../unit/agent/support.ts';
import { FakeApi, TOKEN, until } from './support.ts';

const COUNT = 40;
const MIN = 60_000;
const FULL_MW = (COUNT * 3500) / 1e6;
let fleet: FakeFleet;
let dir: string;
const children = new Set<ChildProcess>();

/** The plan with a trader's override forcing the load to `mw`. */
function forcedPlan(mw: number, overrideId: string): DispatchPlan {
  const start = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN;
  const forced = { mw, cause: 'OVERRIDE' as const, code: mw === 0 ? 'OVERRIDE_CURTAIL' : 'OVERRIDE_RUN', overrideId };
  const intervals = [interval({ loads: [planLoad({ mw, forced })] }, start, 60)];
  const failSafe = { peakHoursLocal: [], otherwise: 'HOLD' as const };
  return plan({ intervals, validUntil: intervals[0]!.intervalEnd, failSafe }, { powerMw: FULL_MW });
}

/** `switchyard agent` as the systemd unit runs it; no price feed credentials, so only the plan's forced state acts. */
function startAgentProcess(api: FakeApi, stateDir: string): ChildProcess {
  const args = ['--import', 'tsx', 'local/cli.ts', 'agent', '--site', 'rockdale', '--inventory', join(dir, 'inventory.json')];
  args.push('--api', api.url, '--state-dir', stateDir, '--poll-s', '0.2', '--telemetry-s', '0.5', '--refresh-s', '60');
  const env = { PATH: process.env.PATH ?? '', SWITCHYARD_AGENT_TOKEN: TOKEN, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d: Buffer) => {
    if (process.env.AGENT_STDERR) process.stderr.write(d);
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

const exit = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });

const asleep = () => fleet.miners.filter((m) => m.fake.state().mode === 'asleep').length;
const sum = (count: (fake: FakeFleet['miners'][number]['fake']) => number) => fleet.miners.reduce((n, m) => n + count(m.fake), 0);
const keptSessions = (stateDir: string) => {
  const path = join(stateDir, LUXOS_SESSIONS_FILE);
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { sessions: unknown[] }).sessions.length : 0;
};

beforeAll(async () => {
  fleet = await startFakeFleet({ driver: 'luxos', count: COUNT, firstAddress: '127.22.0.1' });
  dir = mkdtempSync(join(tmpdir(), 'agent-crash-'));
  const fragment = fleet.inventoryFragment('env:UNUSED') as Record<string, unknown>;
  delete fragment.credential;
  const register = { address: 0, table: 'input', type: 'uint32', unit: 'kW' };
  // No meter listens there: the agent counts the tenants at their contracted MW.
  const meters = { address: '127.0.0.1:1', aiLoad: register, siteTotal: { ...register, address: 2 } };
  const site = { siteId: 'rockdale', loads: [{ loadId: 's21', miners: [fragment] }], meters };
  writeFileSync(join(dir, 'inventory.json'), JSON.stringify({ version: 1, sites: [site] }));
}, 60_000);
afterEach(async () => {
  await Promise.all([...children].map((child) => exit(child, 'SIGKILL')));
  for (const m of fleet.miners) {
    m.fake.dropSessions();
    m.fake.wake();
  }
});
afterAll(async () => {
  await fleet.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Curtails the fleet through a first agent, kills it with SIGKILL once its sessions are on disk, and starts another. */
async function crashAndRestart(stateDir: string, keepSessions: boolean) {
  const api = new FakeApi(forcedPlan(0, 'ov-curtail'));
  await api.start();
  try {
    const first = startAgentProcess(api, stateDir);
    await until(() => asleep() === COUNT, 30_000, 'the fleet asleep');
    await until(() => keptSessions(stateDir) === COUNT, 10_000, 'the sessions on disk');
    await exit(first, 'SIGKILL');
    if (!keepSessions) rmSync(join(stateDir, LUXOS_SESSIONS_FILE));
    // The load may not start again within its 5-minute step of being off: the kept instant is dropped so that the
    // resume comes at once (what is tested here is the sessions, not the minimum off time).
    rmSync(join(stateDir, LOAD_TIMERS_FILE));
    const before = { issued: sum((f) => f.sessionsIssued), refused: sum((f) => f.sessionsRefused) };
    api.setPlan(forcedPlan(FULL_MW, 'ov-run'));
    const second = startAgentProcess(api, stateDir);
    const resumed = () => [...api.stateChanges.values()].find((c) => (c.trigger as { overrideId?: string }).overrideId === 'ov-run');
    await until(() => resumed() !== undefined, 30_000, 'the restarted agent’s report of the override');
    const result = {
      miners: resumed()!.miners as { commanded: number; confirmed: number; failed: number },
      running: COUNT - asleep(),
      logons: sum((f) => f.sessionsIssued) - before.issued,
      refused: sum((f) => f.sessionsRefused) - before.refused,
    };
    await exit(second, 'SIGTERM');
    return result;
  } finally {
    await api.close();
  }
}

describe('an agent killed with SIGKILL and restarted', () => {
  it('goes on with the LuxOS sessions it kept: every miner woken, no logon, no 402', async () => {
    const result = await crashAndRestart(join(dir, 'state-kept'), true);
    expect(result).toEqual({ miners: { commanded: COUNT, confirmed: COUNT, failed: 0 }, running: COUNT, logons: 0, refused: 0 });
  }, 90_000);

  it('without them is refused by every miner with 402 until the old sessions expire', async () => {
    const result = await crashAndRestart(join(dir, 'state-lost'), false);
    expect(result.miners).toEqual({ commanded: COUNT, confirmed: 0, failed: COUNT });
    expect(result.running).toBe(0);
    expect(result.logons).toBe(0);
    // The first try and the executor's three retries, each refused.
    expect(result.refused).toBe(COUNT * 4);
  }, 90_000);
});
