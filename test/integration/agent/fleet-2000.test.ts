import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Controller } from '../../../agent/controller.ts';
import { createDrivers } from '../../../agent/miners/drivers/index.ts';
import type { StateChange } from '../../../agent/plan.ts';
import { type FakeFleet, startFakeFleet } from '../../../local/fake-fleet/fleet.ts';
import { interval, plan, planLoad } from '../../unit/agent/support.ts';

/** The loop end to end on 2,000 fake LuxOS miners: price known → the last miner confirmed asleep, and back (the time is printed, not asserted). */
const COUNT = 2_000;
let fleet: FakeFleet;

beforeAll(async () => {
  fleet = await startFakeFleet({ driver: 'luxos', count: COUNT, firstAddress: '127.21.0.1' });
}, 120_000);
afterAll(() => fleet.close());

describe('2,000 LuxOS miners', () => {
  it('are asleep within seconds of a price above the threshold, in steps, and wake again below it', async () => {
    const miners = fleet.miners.map((m) => ({ id: m.id, host: m.host, port: m.port, driver: 'luxos' as const, ratedW: 3500 }));
    const changes: StateChange[] = [];
    // Sleeps in flight at once: never more than a step's worth.
    let inFlight = 0;
    let peak = 0;
    const real = createDrivers();
    const luxos = real.luxos;
    const drivers = {
      ...real,
      luxos: {
        ...luxos,
        name: luxos.name,
        readState: luxos.readState.bind(luxos),
        wake: luxos.wake.bind(luxos),
        setPowerTarget: luxos.setPowerTarget.bind(luxos),
        sleep: async (...args: Parameters<typeof luxos.sleep>) => {
          peak = Math.max(peak, ++inFlight);
          try {
            return await luxos.sleep(...args);
          } finally {
            inFlight--;
          }
        },
      },
    };
    const controller = new Controller({
      miners: { siteId: 'rockdale', loads: [{ loadId: 's21', miners }] },
      drivers,
      clock: { nowMs: () => Date.now() },
      settings: { stepMiners: 500 },
      onStateChange: (c) => changes.push(c),
    });
    const start = Math.floor(Date.now() / 900_000) * 900_000;
    const failSafe = { peakHoursLocal: [], otherwise: 'HOLD' as const };
    controller.setPlan(plan({ intervals: [interval({ loads: [planLoad({ mw: 7 })] }, start, 60)], failSafe }, { powerMw: 7 }));
    controller.setPrice({ market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: Date.now(), lmpUsdPerMwh: 20 });
    await controller.start();
    expect(controller.status()[0]).toMatchObject({ running: COUNT, unreachable: 0 });

    const known = performance.now();
    controller.setPrice({ market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: Date.now(), lmpUsdPerMwh: 80 });
    await controller.whenIdle();
    const sleepMs = performance.now() - known;
    expect(fleet.miners.every((m) => m.fake.state().mode === 'asleep')).toBe(true);
    expect(changes[0]).toMatchObject({ change: 'CURTAILED', miners: { commanded: COUNT, confirmed: COUNT, failed: 0 } });

    // Back, from a restarted agent: it reads the miners (all asleep) and wakes them below the threshold less the band.
    // The first one stops as `RunningAgent.stop()` does, giving its LuxOS sessions back (else each logon is a 402 for a minute).
    await controller.stop(5_000);
    await luxos.close?.({ timeoutMs: 10_000 });
    const restarted = new Controller({
      miners: { siteId: 'rockdale', loads: [{ loadId: 's21', miners }] },
      drivers: createDrivers(),
      clock: { nowMs: () => Date.now() },
      settings: { stepMiners: 500 },
      onStateChange: (c) => changes.push(c),
    });
    restarted.setPlan(plan({ intervals: [interval({ loads: [planLoad({ mw: 7 })] }, start, 60)], failSafe }, { powerMw: 7 }));
    await restarted.start();
    expect(restarted.status()[0]).toMatchObject({ asleep: COUNT });
    const knownLow = performance.now();
    restarted.setPrice({ market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: Date.now(), lmpUsdPerMwh: 20 });
    await restarted.whenIdle();
    const wakeMs = performance.now() - knownLow;
    expect(fleet.miners.every((m) => m.fake.state().mode === 'running')).toBe(true);
    process.stdout.write(
      `agent: ${COUNT} LuxOS miners asleep ${Math.round(sleepMs)} ms after the price was known; awake again in ${Math.round(wakeMs)} ms\n`,
    );
    expect(peak).toBeLessThanOrEqual(500);
  }, 120_000);
});
