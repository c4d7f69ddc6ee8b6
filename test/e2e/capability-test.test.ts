/**
 * A curtailment capability test end to end, in process: the local runtime (embedded DynamoDB, API, start-up run) + the
 * demo's fake fleet, Modbus meter and agent. An operator schedules "half the mining fleet asleep for 30 minutes from
 * the interval now in"; the CAP override labelled with the test reaches the fake miners through the dispatch plan, the
 * agent's telemetry records the response, and the compliance report (JSON and the printable page) shows it measured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '#adapters/jwt.ts';
import { readConfig } from '#local/config.ts';
import { localJwtSecret } from '#local/context.ts';
import { type DemoAgents, startDemoAgents } from '#local/demo-agents.ts';
import { type Runtime, startRuntime } from '#local/runtime.ts';

const MIN = 60_000;
const MINERS = 40;
const site = {
  id: 'rockdale',
  name: 'Rockdale, TX',
  market: 'ERCOT',
  settlementPoint: 'HB_HUBAVG',
  timezone: 'America/Chicago',
  interconnectMw: 50,
  baseLoadMw: 1,
  backupGenerationMw: 25,
  execution: 'price-responsive',
  loads: [
    { id: 's21', kind: 'mining', name: 'S21 hall', powerMw: 20, efficiencyJPerTh: 17.5, poolFeePct: 2 },
    { id: 's19', kind: 'mining', name: 'S19 hall', powerMw: 10, efficiencyJPerTh: 21.5, poolFeePct: 2 },
    { id: 'tenant-a', kind: 'ai', name: 'GPU tenant', contractedMw: 10, priceUsdPerMwh: 180, interruptible: false, backupGenMw: 0 },
  ],
  policy: { failSafe: { peakHoursLocal: [], otherwise: 'HOLD' } },
};

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
  const miners = (loadId: string) => demo.agents[0]!.fleets.find((f) => f.loadId === loadId)!.fleet.miners;
  const asleep = (loadId: string) => miners(loadId).filter((m) => m.fake.state().mode === 'asleep').length;
  const until = async (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) => {
    const end = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const day = new Date(startedMs).toISOString().slice(0, 10);
  const report = async (format = 'json') => {
    const next = new Date(Date.parse(day) + 2 * 24 * 60 * MIN).toISOString().slice(0, 10);
    return api(`/reports/compliance?siteId=rockdale&from=${day}&to=${next}&format=${format}`, operator);
  };

  beforeAll(async () => {
    const sitesFile = join(home, 'sites.json');
    writeFileSync(sitesFile, JSON.stringify({ sites: [site] }));
    rt = await startRuntime(readConfig({ SWITCHYARD_HOME: home, PORT: '0', SWITCHYARD_SITES: sitesFile, SWITCHYARD_MARKET_DATA: 'demo' }));
    await rt.firstRun;
    const secret = localJwtSecret(home);
    operator = await mintToken(secret, 'ops-1', ['operator']);
    // Below any threshold: the miners run until the test.
    await rt.ctx.repos.marketData.putPrices([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT5', intervalStartMs: Date.now(), intervalMinutes: 5, priceUsdPerMwh: -5 },
    ]);
    demo = await startDemoAgents({
      sites: rt.ctx.sites(),
      home,
      apiUrl: rt.server.url,
      jwtSecret: secret,
      marketData: rt.ctx.repos.marketData,
      minersPerLoad: MINERS,
      settings: { pollS: 0.5, priceS: 0.5, meterS: 0.5, telemetryS: 1, refreshS: 5 },
      log: { info() {}, warn() {}, error() {} },
    });
  }, 120_000);

  afterAll(async () => {
    await demo?.stop();
    await rt?.stop();
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

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
