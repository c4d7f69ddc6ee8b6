/**
 * A curtailment capability test end to end, in process: the local runtime (embedded DynamoDB, API, start-up run) + the
 * demo's fake fleet, Modbus meter and agent. An operator schedules "half the mining fleet asleep for 30 minutes from
 * the interval now in"; the CAP override labelled with the test reaches the fake miners through the dispatch plan, the
 * agent's telemetry records the response, and the compliance report (JSON and the printable page) shows it measured.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '#adapters/jwt.ts';
import type { DemoAgents } from '#local/demo-agents.ts';
import type { Runtime } from '#local/runtime.ts';
import { LOOP_SITE, type Loop, startLoop, until as untilWithin } from '../support/agent-loop.ts';

const MIN = 60_000;
const MINERS = 40;
const site = { ...LOOP_SITE, backupGenerationMw: 25 };

interface Report {
  largeLoad: { peakDemandMw: number; isLargeLoad: boolean; backupServesHalfOfDemand: boolean | null };
  capabilityTests: {
    id: string;
    status: string;
    capMw: number;
    sources: { overrideId: string; stateChangeIds: string[] };
    response: {
      baselineMw: number | null;
      askedMw: number | null;
      achievedMw: number | null;
      secondsToAchieve: number | null;
      outcome: string;
    } | null;
  }[];
}

describe('capability test → override → agent → fake miners → telemetry → compliance report', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-capability-'));
  let rt: Runtime;
  let demo: DemoAgents;
  let operator: string;
  const startedMs = Date.now();

  const api = async (path: string, token: string, init: RequestInit = {}) => {
    const res = await fetch(`${rt.server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    return { status: res.status, text: await res.text(), type: res.headers.get('content-type') ?? '' };
  };
  let loop: Loop;
  const asleep = (loadId: string) => loop.asleep(loadId);
  const until = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => untilWithin(check, what, timeoutMs);
  const day = new Date(startedMs).toISOString().slice(0, 10);
  const report = async (format = 'json') => {
    const next = new Date(Date.parse(day) + 2 * 24 * 60 * MIN).toISOString().slice(0, 10);
    return api(`/reports/compliance?siteId=rockdale&from=${day}&to=${next}&format=${format}`, operator);
  };

  beforeAll(async () => {
    loop = await startLoop(site, home, MINERS);
    ({ rt, demo } = loop);
    operator = await mintToken(loop.secret, 'ops-1', ['operator']);
  }, 120_000);

  afterAll(() => loop?.stop(), 60_000);

  it('puts half the fleet to sleep and the report shows the measured response', async () => {
    await until(() => demo.agents[0]!.agent.controller.plan !== null, 'the first plan');
    await until(() => asleep('s19') === 0 && asleep('s21') === 0, 'every miner running');
    // A complete reading of the running fleet is the test's baseline.
    await until(async () => {
      const samples = await rt.ctx.repos.telemetry.allSamples('rockdale', Date.now() - 5 * MIN, Date.now() + MIN);
      return samples.some((s) => s.loadId === 's21' && s.actualMw > 19) && samples.some((s) => s.loadId === 's19' && s.actualMw > 9);
    }, 'telemetry of the fleet running');

    const interval = Math.floor(Date.now() / (15 * MIN)) * 15 * MIN;
    const created = await api('/sites/rockdale/capability-tests', operator, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'e2e-capability' },
      body: JSON.stringify({ startAt: new Date(interval).toISOString(), minutes: 30, percent: 50, reason: 'e2e' }),
    });
    expect(created.status, created.text).toBe(201);
    const test = JSON.parse(created.text) as Report['capabilityTests'][number];
    expect(test.capMw).toBe(15);

    // The most efficient hall keeps what the cap leaves: s21 runs 15 of its 20 MW, s19 sleeps.
    await until(() => asleep('s19') === MINERS && asleep('s21') >= MINERS / 4, 'half the fleet asleep');
    let measured: Report['capabilityTests'][number] | undefined;
    await until(async () => {
      const r = JSON.parse((await report()).text) as Report;
      measured = r.capabilityTests.find((t) => t.id === test.id);
      return measured?.response?.secondsToAchieve != null && measured.sources.stateChangeIds.length > 0;
    }, 'the response measured in the report');

    const r = measured!.response!;
    expect(measured!.status).toBe('RUNNING');
    expect(r.baselineMw).toBeGreaterThan(29);
    expect(r.askedMw).toBeCloseTo(r.baselineMw! - 15, 3);
    expect(r.achievedMw!).toBeGreaterThanOrEqual(0.95 * r.askedMw!);
    expect(r.secondsToAchieve!).toBeGreaterThanOrEqual(0);
    expect(r.secondsToAchieve!).toBeLessThan(60);
    expect(r.outcome).toBe('PASS');
    const changes = await rt.ctx.repos.telemetry.changes('rockdale', startedMs - 60 * MIN, Date.now() + MIN);
    expect(changes.filter((c) => c.trigger.overrideId === measured!.sources.overrideId).map((c) => c.loadId)).toContain('s19');

    const html = await report('html');
    expect(html.type).toContain('text/html');
    expect(html.text).toContain(test.id);
    expect(html.text).toContain('PASS (so far)');
  }, 120_000);
});
