import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriverName, MinerDriver } from '../../../agent/miners/port.ts';
import type { FailureMode } from '../../../local/fake-fleet/fake-miner.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { minerFor, PASSWORD, quick, short } from './support.ts';

/** Miner index per behaviour, so every case has its own fake and its own state. */
const CASES = ['none', 'none', 'bad-credentials', 'timeout', 'garbage', 'half-close', 'vendor-error'] as const;

/** The behaviours every driver shows against its fake, over loopback in the vendor's real format. */
export function driverContract(
  driverName: DriverName,
  firstAddress: string,
  makeDriver: () => MinerDriver,
): {
  fleet: () => FakeFleet;
} {
  let fleet: FakeFleet;
  const failures: Record<number, FailureMode> = Object.fromEntries(CASES.map((mode, index) => [index, mode]));
  beforeAll(async () => {
    fleet = await startFakeFleet({ driver: driverName, count: CASES.length + 4, firstAddress, password: PASSWORD, failures });
  });
  afterAll(() => fleet.close());
  const at = (index: number) => fleet.miners[index]!;

  describe(`${driverName} driver against its fake`, () => {
    it('puts a running miner to sleep and reads it back asleep, then wakes it', async () => {
      const driver = makeDriver();
      const miner = minerFor(at(0), driverName);
      const before = await driver.readState(miner, quick);
      expect(before).toMatchObject({ ok: true, value: { mode: 'running' } });
      expect(before.ok && before.value.hashrateThs).toBeGreaterThan(0);

      expect(await driver.sleep(miner, quick)).toEqual({ ok: true, value: undefined });
      const asleep = await driver.readState(miner, quick);
      expect(asleep).toMatchObject({ ok: true, value: { mode: 'asleep', hashrateThs: 0 } });
      expect(at(0).fake.commands).toEqual(['sleep']);

      expect(await driver.wake(miner, quick)).toEqual({ ok: true, value: undefined });
      expect(await driver.readState(miner, quick)).toMatchObject({ ok: true, value: { mode: 'running' } });
    });

    it('reports bad credentials as bad-credentials, not retryable', async () => {
      const result = await makeDriver().sleep(minerFor(at(2), driverName), quick);
      expect(result).toMatchObject({ ok: false, error: { kind: 'bad-credentials', retryable: false } });
      expect(at(2).fake.state().mode).toBe('running');
    });

    it('gives up on a miner that accepts and never answers within the call timeout', async () => {
      const started = performance.now();
      const result = await makeDriver().sleep(minerFor(at(3), driverName), short);
      expect(result).toMatchObject({ ok: false, error: { kind: 'timeout', retryable: true } });
      expect(performance.now() - started).toBeLessThan(short.timeoutMs + 250);
    });

    it('reports a reply that is not the vendor format as garbage', async () => {
      expect(await makeDriver().readState(minerFor(at(4), driverName), quick)).toMatchObject({ ok: false, error: { kind: 'garbage' } });
    });

    it('reports a socket closed after half a reply as garbage, never as success', async () => {
      expect(await makeDriver().sleep(minerFor(at(5), driverName), quick)).toMatchObject({ ok: false, error: { kind: 'garbage' } });
    });

    it('reports a connection refused as refused and retryable', async () => {
      const unused = { ...minerFor(at(0), driverName), host: '127.254.254.254' };
      expect(await makeDriver().readState(unused, quick)).toMatchObject({ ok: false, error: { kind: 'refused', retryable: true } });
    });

    it('never puts the password in an error message', async () => {
      const results = await Promise.all([2, 3, 4, 5, 6].map((i) => makeDriver().sleep(minerFor(at(i), driverName), short)));
      for (const result of results) expect(JSON.stringify(result)).not.toContain(PASSWORD);
    });
  });
  return { fleet: () => fleet };
}

export const VENDOR_ERROR_INDEX = 6;
export const SPARE_INDEX = CASES.length;
