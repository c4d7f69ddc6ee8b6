import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '#ports/logger.ts';
import { Controller } from '../../../agent/controller.ts';
import { fileLoadTimerStore, LOAD_TIMERS_FILE } from '../../../agent/load-timers.ts';
import type { DispatchPlan } from '../../../agent/plan.ts';
import { FakeClock, FakeMiners, fleetOf, interval, MIN, plan, price, T0 } from './support.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'agent-timers-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fleetSettings = { fleet: { retries: 0, backoff: { initialMs: 1, factor: 1, maxMs: 1, jitter: 0 } } };

function recordingLog(): Logger & { lines: { level: string; message: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields });
  return { lines, info: at('info'), warn: at('warn'), error: at('error') } as Logger & { lines: typeof lines };
}

/** One agent run against the same miners: a new controller, as after a restart, with the timers kept (or not) in `dir`. */
async function run(p: DispatchPlan, fake: FakeMiners, clock: FakeClock, keep = true, log?: Logger): Promise<Controller> {
  const { miners } = fleetOf(10, 'luxos', new FakeMiners()); // the same ids, without resetting `fake`'s states
  const controller = new Controller({
    miners,
    drivers: fake.drivers(),
    clock,
    settings: fleetSettings,
    ...(keep ? { timers: fileLoadTimerStore(dir, log) } : {}),
    ...(log ? { log } : {}),
  });
  controller.setPlan(p);
  await controller.start();
  await controller.whenIdle();
  return controller;
}

/** Ten miners; the first run curtails them at T0 on a high price. */
async function curtailedAtT0(p: DispatchPlan): Promise<{ fake: FakeMiners; clock: FakeClock }> {
  const { fake } = fleetOf(10);
  const clock = new FakeClock();
  const first = await run(p, fake, clock);
  first.setPrice(price(60, T0));
  await first.whenIdle();
  expect(fake.running()).toBe(0);
  await first.stop(1000);
  return { fake, clock };
}

describe('min run / min off across an agent restart', () => {
  it('keeps a load curtailed before the restart off until its minimum off time has passed', async () => {
    const p = plan({}, { minOffMinutes: 15 });
    const { fake, clock } = await curtailedAtT0(p);
    clock.advance(10 * MIN);
    const second = await run(p, fake, clock);
    second.setPrice(price(20, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(0);
    clock.advance(5 * MIN);
    second.evaluate();
    await second.whenIdle();
    expect(fake.running()).toBe(10);
  });

  it('without the kept timers the same restart would resume at once (what the file prevents)', async () => {
    const p = plan({}, { minOffMinutes: 15 });
    const { fake, clock } = await curtailedAtT0(p);
    rmSync(join(dir, LOAD_TIMERS_FILE));
    clock.advance(10 * MIN);
    const second = await run(p, fake, clock);
    second.setPrice(price(20, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(10);
  });

  it('keeps a load resumed before the restart running for its minimum run time', async () => {
    const p = plan({}, { minRunMinutes: 30 });
    const { fake, clock } = await curtailedAtT0(p);
    clock.advance(5 * MIN);
    const second = await run(p, fake, clock);
    second.setPrice(price(20, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(10);
    await second.stop(1000);
    const resumedAt = clock.ms;
    clock.advance(10 * MIN);
    const third = await run(p, fake, clock);
    third.setPrice(price(90, clock.ms));
    await third.whenIdle();
    expect(fake.running()).toBe(10);
    clock.ms = resumedAt + 30 * MIN;
    third.setPrice(price(90, clock.ms));
    await third.whenIdle();
    expect(fake.running()).toBe(0);
  });

  it('writes the timers whole: versioned JSON with the instant of the change, no temporary file left', async () => {
    await curtailedAtT0(plan({}, { minOffMinutes: 15 }));
    expect(JSON.parse(readFileSync(join(dir, LOAD_TIMERS_FILE), 'utf8'))).toEqual({
      version: 1,
      loads: { s21: { since: new Date(T0).toISOString(), running: false } },
    });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('starts with a corrupt timers file, says so in the log, and counts the loads as long settled', async () => {
    const p = plan({}, { minOffMinutes: 15 });
    const { fake, clock } = await curtailedAtT0(p);
    writeFileSync(join(dir, LOAD_TIMERS_FILE), '{"version":1,"loads":{"s21":{"since":"not a da');
    const log = recordingLog();
    const second = await run(p, fake, clock, true, log);
    expect(log.lines).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('load timers file unreadable') }),
    );
    second.setPrice(price(20, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(10);
  });

  it('a missing timers file is a first start: no warning', async () => {
    const { fake } = fleetOf(10);
    const log = recordingLog();
    await run(plan(), fake, new FakeClock(), true, log);
    expect(existsSync(join(dir, LOAD_TIMERS_FILE))).toBe(false);
    expect(log.lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('a load found the other way from what was kept changed while the agent was away: counted from the restart', async () => {
    const p = plan({ intervals: [interval({}, T0 - 10 * MIN, 240)] }, { minRunMinutes: 30 });
    const { fake, clock } = await curtailedAtT0(p);
    for (const s of fake.state.values()) s.mode = 'running'; // woken by hand while the agent was down
    clock.advance(60 * MIN);
    const log = recordingLog();
    const second = await run(p, fake, clock, true, log);
    expect(log.lines).toContainEqual(expect.objectContaining({ message: expect.stringContaining('changed since the agent stopped') }));
    clock.advance(10 * MIN);
    second.setPrice(price(90, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(10);
    clock.advance(20 * MIN);
    second.setPrice(price(90, clock.ms));
    await second.whenIdle();
    expect(fake.running()).toBe(0);
  });
});
