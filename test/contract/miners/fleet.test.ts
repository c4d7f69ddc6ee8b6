import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDrivers } from '../../../agent/miners/drivers/index.ts';
import { backoffMs, executeFleet, type FleetTask } from '../../../agent/miners/fleet.ts';
import { type DriverRegistry, fail, type Miner, type MinerDriver, ok } from '../../../agent/miners/port.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { minerFor } from './support.ts';

const SIZE = 2_000;
const SLOW = 7;
let fleet: FakeFleet;

beforeAll(async () => {
  fleet = await startFakeFleet({ driver: 'luxos', count: SIZE, firstAddress: '127.6.0.1', failures: { [SLOW]: 'timeout' } });
}, 60_000);
afterAll(() => fleet.close());

/** The real drivers, with a count of calls in flight. */
function counting(drivers: DriverRegistry): { drivers: DriverRegistry; peak: () => number } {
  let inFlight = 0;
  let peak = 0;
  const wrap = (driver: MinerDriver): MinerDriver => {
    const track = async <T>(work: Promise<T>): Promise<T> => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      try {
        return await work;
      } finally {
        inFlight -= 1;
      }
    };
    return {
      name: driver.name,
      readState: (m, o) => track(driver.readState(m, o)),
      sleep: (m, o) => track(driver.sleep(m, o)),
      wake: (m, o) => track(driver.wake(m, o)),
      setPowerTarget: (m, w, o) => track(driver.setPowerTarget(m, w, o)),
    };
  };
  const wrapped = Object.fromEntries(Object.entries(drivers).map(([name, d]) => [name, wrap(d)])) as unknown as DriverRegistry;
  return { drivers: wrapped, peak: () => peak };
}

describe('fleet executor against 2,000 fake LuxOS miners', () => {
  it('sleeps every reachable miner with never more than the concurrency in flight, and one silent miner holds up no one', async () => {
    const { drivers, peak } = counting(createDrivers());
    const tasks: FleetTask[] = fleet.miners.map((m) => ({ miner: minerFor(m, 'luxos'), command: { kind: 'sleep' } }));
    const settings = { concurrency: 128, timeoutMs: 1_000, retries: 1, backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0 } };

    const report = await executeFleet(tasks, { drivers, settings });

    expect(peak()).toBe(128);
    expect(report.succeeded).toBe(SIZE - 1);
    const slow = report.outcomes[SLOW]!;
    expect(slow).toMatchObject({ ok: false, attempts: 2, error: { kind: 'timeout' } });
    const others = report.outcomes.filter((_, i) => i !== SLOW);
    expect(Math.max(...others.map((o) => o.elapsedMs))).toBeLessThan(slow.elapsedMs);
    expect(fleet.miners.filter((m, i) => i !== SLOW && m.fake.state().mode === 'asleep')).toHaveLength(SIZE - 1);
    expect(others.every((o) => o.callMs > 0 && o.callMs <= o.elapsedMs)).toBe(true);
  }, 60_000);

  it('reads the state of every miner back', async () => {
    const tasks: FleetTask[] = fleet.miners.slice(0, 500).map((m) => ({ miner: minerFor(m, 'luxos'), command: { kind: 'read-state' } }));
    // A generous timeout: on a loaded machine 500 reads take seconds; only the silent miner must time out.
    const report = await executeFleet(tasks, { drivers: createDrivers(), settings: { concurrency: 256, timeoutMs: 4_000, retries: 0 } });
    expect(report.outcomes.filter((o) => o.ok).every((o) => o.state !== undefined)).toBe(true);
    expect(report.succeeded).toBe(499);
  });
});

/** A driver whose sleep answers from a script per miner, recording when each attempt came. */
function scripted(script: (miner: Miner, attempt: number) => ReturnType<MinerDriver['sleep']>): {
  drivers: DriverRegistry;
  attempts: Map<string, number[]>;
} {
  const attempts = new Map<string, number[]>();
  const driver: MinerDriver = {
    name: 'luxos',
    readState: async () => fail('unsupported', 'not scripted'),
    sleep: (miner) => {
      const times = attempts.get(miner.id) ?? [];
      times.push(performance.now());
      attempts.set(miner.id, times);
      return script(miner, times.length);
    },
    wake: async () => fail('unsupported', 'not scripted'),
    setPowerTarget: async () => fail('unsupported', 'not scripted'),
  };
  return { drivers: { luxos: driver, braiins: driver, whatsminer: driver, antminer: driver }, attempts };
}

const miner = (id: string): Miner => ({ id, host: '127.0.0.1', port: 1, driver: 'luxos', ratedW: 3500 });

describe('fleet executor retries', () => {
  it('waits an exponentially growing time between attempts at an unreachable miner', async () => {
    const { drivers, attempts } = scripted(async (_m, attempt) => (attempt < 3 ? fail('refused', 'refused') : ok(undefined)));
    const backoff = { initialMs: 40, factor: 2, maxMs: 1_000, jitter: 0 };
    const report = await executeFleet([{ miner: miner('a'), command: { kind: 'sleep' } }], {
      drivers,
      settings: { concurrency: 4, timeoutMs: 100, retries: 3, backoff },
    });
    expect(report.outcomes[0]).toMatchObject({ ok: true, attempts: 3 });
    const [first, second, third] = attempts.get('a')!;
    expect(second! - first!).toBeGreaterThanOrEqual(38);
    expect(third! - second!).toBeGreaterThanOrEqual(78);
  });

  it('does not retry what another attempt cannot fix', async () => {
    const { drivers, attempts } = scripted(async () => fail('bad-credentials', 'no'));
    const report = await executeFleet([{ miner: miner('a'), command: { kind: 'sleep' } }], { drivers, settings: { retries: 5 } });
    expect(report.outcomes[0]).toMatchObject({ ok: false, attempts: 1, error: { kind: 'bad-credentials' } });
    expect(attempts.get('a')).toHaveLength(1);
  });

  it('lets the others through while an unreachable miner waits out its backoff, even with one slot', async () => {
    const { drivers } = scripted(async (m) => (m.id === 'down' ? fail('unreachable', 'no route') : ok(undefined)));
    const ids = ['down', ...Array.from({ length: 50 }, (_, i) => `up${i}`)];
    const tasks = ids.map((id) => ({ miner: miner(id), command: { kind: 'sleep' as const } }));
    const report = await executeFleet(tasks, {
      drivers,
      settings: { concurrency: 1, timeoutMs: 100, retries: 2, backoff: { initialMs: 100, factor: 2, maxMs: 1_000, jitter: 0 } },
    });
    const down = report.outcomes[0]!;
    expect(down).toMatchObject({ ok: false, attempts: 3, error: { kind: 'unreachable' } });
    expect(report.outcomes.slice(1).every((o) => o.ok && o.elapsedMs < 100)).toBe(true);
    // Two waits of 100 and 200 ms; Node's timers run on the loop's millisecond clock, so each may end a little early.
    expect(down.elapsedMs).toBeGreaterThanOrEqual(296);
  });

  it('drops the retries still waiting when the batch is aborted', async () => {
    const { drivers } = scripted(async () => fail('refused', 'refused'));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const report = await executeFleet([{ miner: miner('a'), command: { kind: 'sleep' } }], {
      drivers,
      signal: controller.signal,
      settings: { retries: 10, backoff: { initialMs: 10_000, factor: 2, maxMs: 10_000, jitter: 0 } },
    });
    expect(report.outcomes[0]).toMatchObject({ ok: false, attempts: 1 });
    expect(report.elapsedMs).toBeLessThan(1_000);
  });

  it('gives up on a driver that overruns its own timeout, frees its slot for the others, and ignores its late answer', async () => {
    let late: (() => void) | undefined;
    const { drivers, attempts } = scripted((m) =>
      m.id === 'stuck' ? new Promise((resolve) => (late = () => resolve(ok(undefined)))) : Promise.resolve(ok(undefined)),
    );
    const tasks = ['stuck', 'a', 'b'].map((id) => ({ miner: miner(id), command: { kind: 'sleep' as const } }));
    const report = await executeFleet(tasks, { drivers, settings: { concurrency: 1, timeoutMs: 100, retries: 0 } });
    late?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(report.outcomes[0]).toMatchObject({
      ok: false,
      attempts: 1,
      error: { kind: 'timeout', message: 'stuck: driver overran its timeout' },
    });
    // The guard is the driver's timeout plus a second, checked four times a second.
    expect(report.outcomes[0]!.elapsedMs).toBeGreaterThanOrEqual(1_100);
    expect(report.outcomes[0]!.elapsedMs).toBeLessThan(2_000);
    expect(report.outcomes.slice(1).every((o) => o.ok)).toBe(true);
    expect(report.succeeded).toBe(2);
    expect(attempts.get('stuck')).toHaveLength(1);
  });

  it('reports a driver that throws or rejects as garbage for that miner only', async () => {
    const { drivers } = scripted((m) => {
      if (m.id === 'throws') throw new TypeError('bug');
      if (m.id === 'rejects') return Promise.reject(new RangeError('bug'));
      return Promise.resolve(ok(undefined));
    });
    const tasks = ['throws', 'rejects', 'fine'].map((id) => ({ miner: miner(id), command: { kind: 'sleep' as const } }));
    const report = await executeFleet(tasks, { drivers, settings: { retries: 3 } });
    expect(report.outcomes.map((o) => [o.ok, o.error?.kind, o.attempts])).toEqual([
      [false, 'garbage', 1],
      [false, 'garbage', 1],
      [true, undefined, 1],
    ]);
    expect(report.outcomes[0]!.error!.message).toBe('throws: driver failed (TypeError)');
  });

  it('computes backoff with a cap and jitter', () => {
    const backoff = { initialMs: 100, factor: 2, maxMs: 500, jitter: 0.5 };
    expect(backoffMs(backoff, 1, () => 1)).toBe(100);
    expect(backoffMs(backoff, 2, () => 1)).toBe(200);
    expect(backoffMs(backoff, 5, () => 1)).toBe(500);
    expect(backoffMs(backoff, 2, () => 0)).toBe(100);
  });
});
