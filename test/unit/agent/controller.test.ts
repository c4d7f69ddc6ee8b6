import { describe, expect, it } from 'vitest';
import { Controller, type ControllerSettings } from '../../../agent/controller.ts';
import type { DispatchPlan, StateChange } from '../../../agent/plan.ts';
import { FakeClock, type FakeMiners, fleetOf, interval, MIN, plan, planLoad, price, T0 } from './support.ts';

interface Rig {
  controller: Controller;
  fake: FakeMiners;
  clock: FakeClock;
  changes: StateChange[];
  /** Lets the commands in flight finish. */
  settle(): Promise<void>;
}

interface RigOptions {
  driver?: 'luxos' | 'braiins';
  settings?: Partial<ControllerSettings>;
  /** Miners asleep before the agent starts. */
  asleep?: string[];
  /** A price known before the agent starts. */
  lmp?: number;
}

async function rig(p: DispatchPlan, options: RigOptions = {}): Promise<Rig> {
  const { miners, fake } = fleetOf(10, options.driver ?? 'luxos');
  for (const id of options.asleep ?? []) fake.state.get(id)!.mode = 'asleep';
  const clock = new FakeClock();
  const changes: StateChange[] = [];
  const controller = new Controller({
    miners,
    drivers: fake.drivers(),
    clock,
    settings: { fleet: { retries: 1, backoff: { initialMs: 1, factor: 1, maxMs: 1, jitter: 0 } }, ...options.settings },
    onStateChange: (c) => changes.push(c),
  });
  controller.setPlan(p);
  if (options.lmp !== undefined) controller.setPrice(price(options.lmp, T0));
  await controller.start();
  fake.peak = 0;
  return { controller, fake, clock, changes, settle: () => controller.whenIdle() };
}

describe('thresholds with hysteresis', () => {
  it('puts every miner to sleep when the price is above the threshold plus the band', async () => {
    const r = await rig(plan());
    r.controller.setPrice(price(60, T0));
    await r.settle();
    expect(r.fake.running()).toBe(0);
    expect(r.changes).toEqual([
      expect.objectContaining({
        loadId: 's21',
        change: 'CURTAILED',
        fromMw: 10,
        toMw: 0,
        trigger: { kind: 'PRICE', priceUsdPerMwh: 60, thresholdUsdPerMwh: 50 },
      }),
    ]);
    expect(r.changes[0]!.miners).toEqual({ commanded: 10, confirmed: 10, failed: 0 });
  });

  it('keeps running between the threshold and the threshold plus the band', async () => {
    const r = await rig(plan());
    r.controller.setPrice(price(51.5, T0));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    expect(r.fake.commands).toEqual([]);
  });

  it('resumes only below the threshold less the band', async () => {
    const r = await rig(plan());
    r.controller.setPrice(price(60, T0));
    await r.settle();
    r.clock.advance(5 * MIN);
    r.controller.setPrice(price(49, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(0);
    r.controller.setPrice(price(47.5, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    expect(r.changes.map((c) => c.change)).toEqual(['CURTAILED', 'RESUMED']);
  });
});

describe('minimum run and off times', () => {
  it('keeps a curtailed load off for its minimum off time', async () => {
    const r = await rig(plan({}, { minOffMinutes: 15 }));
    r.controller.setPrice(price(60, T0));
    await r.settle();
    r.clock.advance(10 * MIN);
    r.controller.setPrice(price(20, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(0);
    r.clock.advance(5 * MIN);
    r.controller.evaluate();
    await r.settle();
    expect(r.fake.running()).toBe(10);
  });

  it('keeps a resumed load running for its minimum run time', async () => {
    const r = await rig(plan({}, { minRunMinutes: 30 }));
    r.controller.setPrice(price(60, T0));
    await r.settle();
    r.clock.advance(5 * MIN);
    r.controller.setPrice(price(20, r.clock.ms));
    await r.settle();
    r.clock.advance(10 * MIN);
    r.controller.setPrice(price(90, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    r.clock.advance(20 * MIN);
    r.controller.setPrice(price(90, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(0);
  });
});

describe('steps', () => {
  it('commands at most N miners at a time', async () => {
    const r = await rig(plan(), { settings: { stepMiners: 3 } });
    r.controller.setPrice(price(60, T0));
    await r.settle();
    expect(r.fake.running()).toBe(0);
    expect(r.fake.peak).toBeLessThanOrEqual(3);
    expect(r.fake.commandsOf('sleep')).toHaveLength(10);
  });

  it('ramps a load with a ramp time over the elapsed steps, not at once', async () => {
    const r = await rig(plan({}, { rampMinutes: 20 }));
    r.controller.setPrice(price(60, T0));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    r.clock.advance(5 * MIN);
    r.controller.setPrice(price(60, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(7); // 10 MW over 20 min: 2.5 MW per 5 minutes; 7.5 MW is 7 whole miners of 1 MW
    r.clock.advance(15 * MIN);
    r.controller.setPrice(price(60, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(0);
  });
});

describe('AI tenants first', () => {
  it('sleeps miners as the tenants load rises and gives the headroom back as it falls', async () => {
    const r = await rig(plan());
    r.controller.setPrice(price(20, T0));
    r.controller.setMeters({ atMs: T0, aiLoadMw: 5, siteTotalMw: 15 });
    await r.settle();
    expect(r.fake.running()).toBe(10);
    r.controller.setMeters({ atMs: T0, aiLoadMw: 12.5, siteTotalMw: 22.5 });
    await r.settle();
    expect(r.fake.running()).toBe(7);
    expect(r.changes.at(-1)).toMatchObject({ change: 'CURTAILED', toMw: 7.5, trigger: { kind: 'INTERCONNECT' } });
    r.controller.setMeters({ atMs: T0, aiLoadMw: 4, siteTotalMw: 11 });
    await r.settle();
    expect(r.fake.running()).toBe(10);
  });

  it('counts the tenants at their contracted MW while no fresh meter reading exists', async () => {
    const r = await rig(plan({ aiContractedMw: 14 }), { settings: { maxMeterAgeMs: 5_000 } });
    r.controller.setMeters({ atMs: T0 - 60_000, aiLoadMw: 1, siteTotalMw: 11 });
    r.controller.setPrice(price(20, T0));
    await r.settle();
    expect(r.fake.running()).toBe(6);
  });

  it('lowers a miner’s power target where the firmware has one, rather than sleeping it', async () => {
    const r = await rig(plan(), { driver: 'braiins' });
    r.controller.setPrice(price(20, T0));
    r.controller.setMeters({ atMs: T0, aiLoadMw: 12.4, siteTotalMw: 22.4 });
    await r.settle();
    expect(r.fake.running()).toBe(8);
    expect([...r.fake.commands].sort()).toEqual(['sleep m8', 'sleep m9', 'target:600000 m7']);
  });

  it('keeps the headroom margin free', async () => {
    const r = await rig(plan(), { settings: { headroomMw: 2 } });
    r.controller.setPrice(price(20, T0));
    r.controller.setMeters({ atMs: T0, aiLoadMw: 9, siteTotalMw: 19 });
    await r.settle();
    expect(r.fake.running()).toBe(9);
  });
});

describe('forced states', () => {
  it('a CAP override runs only the capped MW', async () => {
    const forced = { mw: 6, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CAP', overrideId: 'ov-1' };
    const r = await rig(
      plan({ intervals: [interval({ loads: [planLoad({ forced, thresholdUsdPerMwh: null, curtailAboveUsdPerMwh: null })] })] }),
    );
    r.controller.setPrice(price(20, T0));
    await r.settle();
    expect(r.fake.running()).toBe(6);
    expect(r.changes).toEqual([
      expect.objectContaining({ change: 'CURTAILED', fromMw: 10, toMw: 6, trigger: { kind: 'OVERRIDE', overrideId: 'ov-1' } }),
    ]);
  });

  it('a forced CURTAIL wins over a low price and names its override', async () => {
    const r = await rig(plan());
    r.controller.setPrice(price(20, T0));
    await r.settle();
    const forced = { mw: 0, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CURTAIL', overrideId: 'ov-2' };
    r.controller.setPlan(
      plan({ intervals: [interval({ loads: [planLoad({ forced, thresholdUsdPerMwh: null, curtailAboveUsdPerMwh: null })] })] }),
    );
    await r.settle();
    expect(r.fake.running()).toBe(0);
    expect(r.changes).toEqual([expect.objectContaining({ change: 'CURTAILED', trigger: { kind: 'OVERRIDE', overrideId: 'ov-2' } })]);
  });

  it('a forced RUN wins over a high price', async () => {
    const forced = { mw: 10, cause: 'OVERRIDE' as const, code: 'OVERRIDE_RUN', overrideId: 'ov-3' };
    const r = await rig(plan({ intervals: [interval({ loads: [planLoad({ forced, thresholdUsdPerMwh: null })] })] }));
    r.controller.setPrice(price(900, T0));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    expect(r.fake.commands).toEqual([]);
  });

  it('a forced state still stays under the interconnect', async () => {
    const forced = { mw: 10, cause: 'GRID_DEPLOYMENT' as const, code: 'AS_DEPLOYMENT', gridEventIds: ['ev-1'] };
    const r = await rig(plan({ intervals: [interval({ loads: [planLoad({ forced, thresholdUsdPerMwh: null })] })] }));
    r.controller.setMeters({ atMs: T0, aiLoadMw: 15, siteTotalMw: 25 });
    await r.settle();
    expect(r.fake.running()).toBe(5);
  });
});

describe('faults', () => {
  it('carries out the last plan until its intervals run out, then the fail-safe', async () => {
    const p = plan({ failSafe: { peakHoursLocal: [], otherwise: 'CURTAIL' } });
    const r = await rig(p);
    r.controller.setPrice(price(20, T0));
    await r.settle();
    r.clock.advance(45 * MIN); // the interval ends at T0 + 50 min
    r.controller.setPrice(price(20, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(10);
    r.clock.advance(6 * MIN);
    r.controller.setPrice(price(20, r.clock.ms));
    await r.settle();
    expect(r.fake.running()).toBe(0);
    expect(r.changes.at(-1)).toMatchObject({ change: 'CURTAILED', trigger: { kind: 'FAIL_SAFE' } });
  });

  it('the fail-safe curtails in a peak hour even when it would otherwise hold', async () => {
    const r = await rig(plan({ intervals: [], failSafe: { peakHoursLocal: [7], otherwise: 'HOLD' } }));
    await r.settle();
    expect(r.fake.running()).toBe(0);
  });

  it('the fail-safe HOLD keeps the miners as they are', async () => {
    const r = await rig(plan({ intervals: [], failSafe: { peakHoursLocal: [], otherwise: 'HOLD' } }));
    await r.settle();
    expect(r.fake.commands).toEqual([]);
  });

  it('a price older than the limit is stale: fail-safe', async () => {
    const r = await rig(plan({ failSafe: { peakHoursLocal: [], otherwise: 'CURTAIL' } }), {
      settings: { maxPriceAgeMs: 10 * MIN },
      lmp: 20,
    });
    await r.settle();
    expect(r.fake.running()).toBe(10);
    r.clock.advance(11 * MIN);
    r.controller.evaluate();
    await r.settle();
    expect(r.fake.running()).toBe(0);
    expect(r.changes.at(-1)?.trigger).toEqual({ kind: 'FAIL_SAFE' });
  });

  it('an unreachable miner is reported and does not block the others', async () => {
    const r = await rig(plan());
    const fake = r.fake;
    fake.down.add('m3');
    r.controller.setPrice(price(60, T0));
    await r.settle();
    expect(r.fake.running()).toBe(1); // m3 is still running: it did not hear us
    expect(r.changes[0]!.miners).toEqual({ commanded: 10, confirmed: 9, failed: 1 });
    expect(r.controller.status()[0]).toMatchObject({ asleep: 9, unreachable: 1 });
    fake.down.delete('m3');
    await r.controller.refresh();
    await r.settle();
    expect(r.fake.running()).toBe(0);
  });

  it('after a restart, reads the miners first and commands none already in their target state', async () => {
    const forced = { mw: 6, cause: 'OVERRIDE' as const, code: 'OVERRIDE_CAP', overrideId: 'ov-1' };
    const p = plan({ intervals: [interval({ loads: [planLoad({ forced, thresholdUsdPerMwh: null })] })] });
    const r = await rig(p, { asleep: ['m6', 'm7', 'm8', 'm9'] });
    await r.settle();
    expect(r.fake.commands).toEqual([]);
    expect(r.controller.status()[0]).toMatchObject({ running: 6, asleep: 4, actualMw: 6 });
  });

  it('after a restart with every miner asleep and a high price, stays asleep without a command', async () => {
    const r = await rig(plan(), { asleep: Array.from({ length: 10 }, (_, i) => `m${i}`), lmp: 60 });
    await r.settle();
    expect(r.fake.commands).toEqual([]);
  });
});

describe('modes of execution', () => {
  it('a dispatched site follows the QSE base point', async () => {
    const r = await rig(plan({ execution: 'dispatched' }));
    r.controller.setBasePoint({ atMs: T0, basePointMw: 4 });
    await r.settle();
    expect(r.fake.running()).toBe(4);
  });

  it('a market without a real-time price follows the plan’s schedule', async () => {
    const p = plan({
      market: 'NORDPOOL',
      settlementPoint: 'NO3',
      timezone: 'Europe/Oslo',
      intervals: [interval({ loads: [planLoad({ mw: 3 })] })],
    });
    const r = await rig(p);
    await r.settle();
    expect(r.fake.running()).toBe(3);
  });
});
