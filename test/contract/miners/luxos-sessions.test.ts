import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '#ports/logger.ts';
import { fileLuxosSessionStore, LUXOS_SESSIONS_FILE } from '../../../agent/luxos-sessions.ts';
import { LuxosDriver } from '../../../agent/miners/drivers/luxos.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { minerFor, quick } from './support.ts';

/** LuxOS sessions kept in the state directory, against fake miners that hold one session each as the firmware does. */
let fleet: FakeFleet;
let dir: string;

beforeAll(async () => {
  fleet = await startFakeFleet({ driver: 'luxos', count: 6, firstAddress: '127.8.0.1' });
});
afterAll(() => fleet.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'luxos-sessions-'));
});
afterEach(() => {
  for (const m of fleet.miners) {
    m.fake.dropSessions();
    m.fake.wake();
    m.fake.failure = 'none';
  }
  rmSync(dir, { recursive: true, force: true });
});

const miners = () => fleet.miners.map((m) => minerFor(m, 'luxos'));
const path = () => join(dir, LUXOS_SESSIONS_FILE);
const kept = () => (JSON.parse(readFileSync(path(), 'utf8')) as { sessions: [string, string, number][] }).sessions;
const until = async (check: () => boolean, what: string) => {
  const end = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

function recordingLog(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (message) => void warnings.push(message), error: (message) => void warnings.push(message) };
}

describe('LuxOS sessions kept across a restart', () => {
  it('writes each session logged on to the state directory shortly after, readable by the agent’s user only', async () => {
    const driver = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    for (const miner of miners()) expect((await driver.sleep(miner, quick)).ok).toBe(true);
    await until(() => existsSync(path()) && kept().length === 6, 'six sessions on disk');
    expect(kept().map(([address]) => address)).toEqual(fleet.miners.map((m) => `${m.host}:${m.port}`));
    expect(kept().every(([, id, usedAt]) => id.length > 0 && usedAt > Date.now() - 60_000)).toBe(true);
    expect(statSync(path()).mode & 0o777).toBe(0o600);
  });

  it('a driver started on the kept sessions (after a crash) commands at once, with no logon and no 402', async () => {
    const first = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    for (const miner of miners()) expect((await first.sleep(miner, quick)).ok).toBe(true);
    await until(() => existsSync(path()) && kept().length === 6, 'six sessions on disk');
    // The first driver is never closed: its process died. A new one starts on the same state directory.
    const issued = fleet.miners.map((m) => m.fake.sessionsIssued);
    const refused = fleet.miners.map((m) => m.fake.sessionsRefused);
    const second = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    expect(second.sessions).toBe(6);
    for (const miner of miners()) expect(await second.wake(miner, quick)).toEqual({ ok: true, value: undefined });
    expect(fleet.miners.map((m) => m.fake.sessionsIssued)).toEqual(issued);
    expect(fleet.miners.map((m) => m.fake.sessionsRefused)).toEqual(refused);
    expect(fleet.miners.every((m) => m.fake.state().mode === 'running')).toBe(true);
  });

  it('without the kept sessions the same restart is refused with 402 by every miner (as by the firmware)', async () => {
    const first = new LuxosDriver();
    for (const miner of miners()) expect((await first.sleep(miner, quick)).ok).toBe(true);
    const refused = fleet.miners.map((m) => m.fake.sessionsRefused);
    const second = new LuxosDriver();
    for (const miner of miners()) {
      expect(await second.wake(miner, quick)).toMatchObject({ ok: false, error: { kind: 'session-busy', code: 402 } });
    }
    expect(fleet.miners.map((m, i) => m.fake.sessionsRefused - refused[i]!)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(fleet.miners.every((m) => m.fake.state().mode === 'asleep')).toBe(true);
  });

  it('logs on anew where a kept session is no longer known (the miner rebooted), and keeps the new id', async () => {
    const first = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    const [miner] = miners();
    expect((await first.sleep(miner!, quick)).ok).toBe(true);
    await until(() => existsSync(path()) && kept().length === 1, 'the session on disk');
    const old = kept()[0]![1];
    fleet.miners[0]!.fake.dropSessions();
    const second = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    expect(await second.wake(miner!, quick)).toEqual({ ok: true, value: undefined });
    await until(() => kept()[0]![1] !== old, 'the new session on disk');
    expect(kept()).toHaveLength(1);
  });

  it('close() logs the sessions off and empties the file; one it could not log off stays for the next start', async () => {
    const driver = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    for (const miner of miners()) expect((await driver.sleep(miner, quick)).ok).toBe(true);
    fleet.miners[2]!.fake.failure = 'timeout';
    await driver.close({ timeoutMs: 300 });
    expect(kept().map(([address]) => address)).toEqual([`${fleet.miners[2]!.host}:${fleet.miners[2]!.port}`]);
    fleet.miners[2]!.fake.failure = 'none';
    // The others can be logged on by anyone at once.
    expect(await new LuxosDriver().wake(miners()[0]!, quick)).toEqual({ ok: true, value: undefined });
    // And the next start goes on with the one left.
    const refused = fleet.miners[2]!.fake.sessionsRefused;
    const next = new LuxosDriver({ sessionStore: fileLuxosSessionStore(dir), saveDelayMs: 20 });
    expect(await next.wake(miners()[2]!, quick)).toEqual({ ok: true, value: undefined });
    expect(fleet.miners[2]!.fake.sessionsRefused).toBe(refused);
  });

  it('takes a corrupt or foreign file as no sessions, with a warning naming it', () => {
    const log = recordingLog();
    writeFileSync(path(), '{"version":1,"sessions":[["127.8.0.1:4028"]]');
    expect(fileLuxosSessionStore(dir, log).load().size).toBe(0);
    writeFileSync(path(), JSON.stringify({ version: 2, sessions: [] }));
    expect(fileLuxosSessionStore(dir, log).load().size).toBe(0);
    expect(log.warnings).toEqual([
      'LuxOS sessions file unreadable: ignored, sessions logged on anew',
      'LuxOS sessions file unreadable: ignored, sessions logged on anew',
    ]);
    expect(fileLuxosSessionStore(join(dir, 'none')).load().size).toBe(0);
  });

  it('logs a write that fails once, and keeps commanding the miners', async () => {
    const log = recordingLog();
    writeFileSync(join(dir, 'file'), '');
    // The state "directory" is a file: every write fails.
    const driver = new LuxosDriver({ sessionStore: fileLuxosSessionStore(join(dir, 'file'), log), saveDelayMs: 10 });
    for (const miner of miners().slice(0, 2)) {
      expect((await driver.sleep(miner, quick)).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(log.warnings).toEqual(['LuxOS sessions file could not be written']);
  });
});
