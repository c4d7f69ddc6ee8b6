import { describe, expect, it } from 'vitest';
import type { Logger } from '#ports/logger.ts';
import { Controller } from '../../../agent/controller.ts';
import type { DriverRegistry, Miner, MinerResult, MinerState } from '../../../agent/miners/port.ts';
import type { StateChange } from '../../../agent/plan.ts';
import { FakeClock, fleetOf, plan, price, T0 } from './support.ts';

const fleetSettings = { fleet: { retries: 0, backoff: { initialMs: 1, factor: 1, maxMs: 1, jitter: 0 } } };

/**
 * The fake miners' drivers, counting reads per miner. Reads started while `gate` is set wait at it before reading;
 * reads started while `answers` is set read the miner at once and wait at it before answering (a reply on its way).
 */
function countingDrivers(base: DriverRegistry) {
  const reads = new Map<string, number>();
  let gate: Promise<void> | null = null;
  let answers: Promise<void> | null = null;
  const wrap = (driver: DriverRegistry['luxos']) => ({
    ...driver,
    name: driver.name,
    readState: async (miner: Miner, options: { timeoutMs: number }): Promise<MinerResult<MinerState>> => {
      reads.set(miner.id, (reads.get(miner.id) ?? 0) + 1);
      const held = answers;
      if (gate !== null) await gate;
      const result = await driver.readState(miner, options);
      if (held !== null) await held;
      return result;
    },
  });
  const drivers: DriverRegistry = { ...base, luxos: wrap(base.luxos) };
  return {
    drivers,
    reads,
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      return () => {
        gate = null;
        open();
      };
    },
    /** Holds the answers of the reads that start until `passNew()`; `release()` lets them all arrive. */
    holdAnswers(): { passNew: () => void; release: () => void } {
      let open!: () => void;
      answers = new Promise<void>((resolve) => {
        open = resolve;
      });
      return {
        passNew: () => {
          answers = null;
        },
        release: () => {
          answers = null;
          open();
        },
      };
    },
  };
}

async function started(count = 10, log?: Logger, changes?: StateChange[]) {
  const { miners, fake } = fleetOf(count);
  const counting = countingDrivers(fake.drivers());
  const controller = new Controller({
    miners,
    drivers: counting.drivers,
    clock: new FakeClock(),
    settings: fleetSettings,
    ...(log ? { log } : {}),
    ...(changes ? { onStateChange: (change: StateChange) => void changes.push(change) } : {}),
  });
  controller.setPlan(plan());
  await controller.start();
  counting.reads.clear();
  return { controller, fake, ...counting };
}

describe('the rolling read-back', () => {
  it('reads the fleet in slices, each miner once a round, round and round', async () => {
    const r = await started(10);
    for (let i = 0; i < 4; i++) await r.controller.refreshNext(3); // 12 reads: one round and two miners of the next
    expect([...r.reads.values()].reduce((a, b) => a + b, 0)).toBe(12);
    expect(r.reads.get('m0')).toBe(2);
    expect(r.reads.get('m1')).toBe(2);
    expect(r.reads.get('m2')).toBe(1);
    expect(r.reads.get('m9')).toBe(1);
  });

  it('brings what a slice reads into the status (a miner put to sleep by hand shows asleep)', async () => {
    const r = await started(10);
    r.fake.state.get('m4')!.mode = 'asleep';
    await r.controller.refreshNext(3);
    expect(r.controller.status()[0]).toMatchObject({ asleep: 0 });
    await r.controller.refreshNext(3);
    expect(r.controller.status()[0]).toMatchObject({ asleep: 1 });
  });

  it('puts back to sleep a miner it finds running while its load is curtailed, with no new price, meter or plan', async () => {
    const r = await started(10);
    r.controller.setPrice(price(60, T0));
    await r.controller.whenIdle();
    expect(r.fake.running()).toBe(0);
    r.fake.state.get('m4')!.mode = 'running'; // woken by hand, or rebooted
    await r.controller.refreshNext(3);
    await r.controller.whenIdle();
    expect(r.fake.running()).toBe(1);
    await r.controller.refreshNext(3);
    await r.controller.whenIdle();
    expect(r.fake.running()).toBe(0);
    expect(r.fake.commandsOf('sleep').filter((id) => id === 'm4')).toHaveLength(2);
  });

  it('never lets a read that began before a command overwrite what the command did', async () => {
    const changes: StateChange[] = [];
    const r = await started(10, undefined, changes);
    const answers = r.holdAnswers();
    const reading = r.controller.refreshNext(10); // every miner read running; the replies are still on their way
    await new Promise((resolve) => setTimeout(resolve, 5));
    answers.passNew();
    r.controller.setPrice(price(60, T0));
    await r.controller.whenIdle();
    expect(r.fake.running()).toBe(0);
    answers.release();
    await reading;
    await r.controller.whenIdle();
    expect(r.controller.status()[0]).toMatchObject({ asleep: 10, running: 0 });
    expect(r.fake.commandsOf('sleep')).toHaveLength(10); // each miner put to sleep once
    expect(changes.map((c) => [c.change, c.miners])).toEqual([['CURTAILED', { commanded: 10, confirmed: 10, failed: 0 }]]);
  });

  it('never lets a read overwrite what a read that started after it has already brought', async () => {
    const r = await started(10);
    const answers = r.holdAnswers();
    const older = r.controller.refreshNext(10); // m4 read running, the reply on its way
    await new Promise((resolve) => setTimeout(resolve, 5));
    answers.passNew();
    r.fake.state.get('m4')!.mode = 'asleep'; // put to sleep by hand
    await r.controller.refreshNext(10);
    expect(r.controller.status()[0]).toMatchObject({ asleep: 1 });
    answers.release();
    await older;
    expect(r.controller.status()[0]).toMatchObject({ asleep: 1 });
  });

  it('logs unreachable miners once per round, not once per slice', async () => {
    const warnings: string[] = [];
    const log: Logger = { info() {}, warn: (m, f) => void warnings.push(`${m} ${JSON.stringify(f)}`), error() {} };
    const r = await started(10, log);
    r.fake.down.add('m1');
    r.fake.down.add('m7');
    for (let i = 0; i < 5; i++) await r.controller.refreshNext(2);
    expect(warnings).toEqual(['miners unreachable {"unreachable":2,"of":10}']);
    expect(r.controller.status()[0]).toMatchObject({ unreachable: 2 });
  });
});

describe('stopping the controller', () => {
  it('waits for a read-back in flight before it resolves', async () => {
    const r = await started(10);
    const release = r.hold();
    let read = false;
    const refreshing = r.controller.refreshNext(5).then(() => {
      read = true;
    });
    let stopped = false;
    const stopping = r.controller.stop(5_000).then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(read).toBe(true);
    await refreshing;
  });

  it('gives up waiting after its bound when a read never ends', async () => {
    const r = await started(10);
    const release = r.hold();
    void r.controller.refreshNext(5);
    const t0 = performance.now();
    await r.controller.stop(50);
    expect(performance.now() - t0).toBeLessThan(1_000);
    release();
  });

  it('starts no read and sends no command once stopped', async () => {
    const r = await started(10);
    await r.controller.stop(1_000);
    await r.controller.refreshNext(10);
    r.controller.setPrice({ market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: Date.now(), lmpUsdPerMwh: 500 });
    await r.controller.whenIdle();
    expect(r.reads.size).toBe(0);
    expect(r.fake.commands).toEqual([]);
  });
});
