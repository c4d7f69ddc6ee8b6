/**
 * The scheduled run keeps the compliance evidence: a capability test that ended, with the agent's telemetry past its end,
 * gets its result recorded by the next run on dynalite, whether or not anyone read it; a recorded one is left alone.
 */
import { describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { runIntervalJob } from '#app/jobs/run-interval.ts';
import type { LoadSample } from '#domain/telemetry.ts';
import { silentLogger } from '#ports/logger.ts';
import { freshTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const MIN = 60_000;
const T = Date.parse('2024-07-15T20:00:00Z');

describe('the scheduled run and capability tests', () => {
  it('records the result of a test that ended once its telemetry is in, and only once', async () => {
    const t = await freshTable();
    const s = site();
    const mining = s.loads.filter((l) => l.kind === 'mining');
    const fleetMw = mining.reduce((a, l) => a + (l.kind === 'mining' ? l.powerMw : 0), 0);
    await t.repos.capabilityTests.create({
      id: 'cap-1',
      siteId: s.id,
      startMs: T,
      endMs: T + 30 * MIN,
      minutes: 30,
      percent: 50,
      tolerancePct: 5,
      fleetMw,
      capMw: fleetMw / 2,
      overrideId: 'ovr-1',
      auditRecordId: 'aud-1',
      requestedBy: 'ops-1',
      reason: 'quarterly capability test',
      createdAtMs: T - 60 * MIN,
    });
    // Every mining load at full power before, at half from 20 s in, and a reading after the window.
    const at = (atMs: number, share: number): LoadSample[] =>
      mining.map((l) => ({ siteId: s.id, loadId: l.id, atMs, actualMw: (l.kind === 'mining' ? l.powerMw : 0) * share }));
    await t.repos.telemetry.putSamples([...at(T - MIN, 1), ...at(T + 20_000, 0.5), ...at(T + 20 * MIN, 0.5), ...at(T + 31 * MIN, 1)]);
    let now = T + 40 * MIN;
    const deps = {
      sites: [s],
      repos: t.repos,
      publisher: new MemoryEventPublisher(),
      clock: { nowMs: () => now },
      log: silentLogger,
      configAudit: async () => [],
      evidence: { capabilityTests: t.repos.capabilityTests, telemetry: t.repos.telemetry },
    };

    await runIntervalJob(deps, { maxCatchUpHours: 0 }, { atMs: now, trigger: 'test' });

    const recorded = await t.repos.capabilityTests.get('cap-1');
    expect(recorded?.result).toMatchObject({ outcome: 'PASS', askedMw: fleetMw / 2, evaluatedAt: new Date(T + 40 * MIN).toISOString() });

    now = T + 100 * MIN;
    await runIntervalJob(deps, { maxCatchUpHours: 0 }, { atMs: now, trigger: 'test' });
    expect((await t.repos.capabilityTests.get('cap-1'))?.result).toEqual(recorded?.result);
  });
});
