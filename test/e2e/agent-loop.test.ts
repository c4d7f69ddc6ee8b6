/**
 * The loop end to end, in process: the local runtime (embedded DynamoDB, API, start-up run) + the demo's fake fleet,
 * Modbus meter and agent. A 5-minute price above the load's threshold puts the miners to sleep, telemetry shows it
 * (GET /actuals), the P&L shows actual MWh; a price back below resumes them; a trader's CURTAIL reaches the miners.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '#adapters/jwt.ts';
import type { DemoAgents } from '#local/demo-agents.ts';
import type { Runtime } from '#local/runtime.ts';
import { LOOP_SITE, type Loop, startLoop, until } from '../support/agent-loop.ts';

const MIN = 60_000;
const MINERS = 40;
const site = LOOP_SITE;

describe('decision → agent → miners → telemetry → P&L actuals', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-agent-loop-'));
  let rt: Runtime;
  let demo: DemoAgents;
  let finance: string;
  let trader: string;
  const startedMs = Date.now();

  const api = async (path: string, token: string, init: RequestInit = {}) => {
    const res = await fetch(`${rt.server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  let loop: Loop;
  const miners = (loadId: string) => loop.miners(loadId);
  const asleep = (loadId: string) => loop.asleep(loadId);
  const storePrice = (usd: number) => loop.storePrice(usd);
  const actuals = async () => {
    const q = `from=${new Date(startedMs - 60 * MIN).toISOString()}&to=${new Date(Date.now() + 60 * MIN).toISOString()}`;
    const page = (await api(`/sites/rockdale/actuals?${q}`, finance)).body as unknown as {
      items: { loadId: string; actualMw: number; miners?: { running: number; asleep: number } }[];
      stateChanges?: { loadId: string; change: string; trigger: Record<string, unknown>; miners?: { confirmed: number } }[];
    };
    return { samples: page.items, stateChanges: page.stateChanges ?? [] };
  };

  beforeAll(async () => {
    loop = await startLoop(site, home, MINERS);
    ({ rt, demo } = loop);
    finance = await mintToken(loop.secret, 'finance-1', ['finance']);
    trader = await mintToken(loop.secret, 'trader-1', ['trader']);
  }, 120_000);

  afterAll(() => loop?.stop(), 60_000);

  it('each fake miner hashes what its rack’s power does at the load’s efficiency, so actual revenue is on the plan’s scale', async () => {
    // A fake miner stands for a rack of the load's MW ÷ miners: its TH/s is that power ÷ the load's J/TH.
    for (const load of site.loads.filter((l) => l.kind === 'mining')) {
      const fake = miners(load.id)[0]!.fake;
      expect(fake.ratedThs).toBeCloseTo(fake.ratedW / load.efficiencyJPerTh!, 6);
    }
    await until(() => demo.agents[0]!.agent.controller.plan !== null, 'the first plan');
    const status = () => demo.agents[0]!.agent.controller.status().find((s) => s.loadId === 's21')!;
    await until(() => status().running === MINERS && status().hashrateThs > 0, 'the s21 miners read back running', 30_000);
    const s21 = status();
    // W ÷ J/TH: 20 MW of S21 at 17.5 J/TH hash about 1.14 EH/s.
    expect(s21.hashrateThs / ((s21.actualMw * 1e6) / 17.5)).toBeCloseTo(1, 2);

    const day = new Date(startedMs).toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 24 * 60 * MIN).toISOString().slice(0, 10);
    type Row = { miningRevenueUsd: number; miningMwh: number; actual: { mwh: number; miningRevenueUsd: number } | null };
    const pnlRow = async () => ((await api(`/reports/pnl?siteId=rockdale&from=${day}&to=${next}`, finance)).body.items as Row[])[0]!;
    await until(async () => ((await pnlRow()).actual?.miningRevenueUsd ?? 0) > 0, 'actual revenue in the P&L', 30_000);
    const row = (await pnlRow()) as Row & { actual: NonNullable<Row['actual']> };
    // Per MWh, what the miners reported earning is what the plan priced (two loads of different efficiencies: within a tenth).
    const plannedPerMwh = row.miningRevenueUsd / row.miningMwh;
    const actualPerMwh = row.actual.miningRevenueUsd / row.actual.mwh;
    expect(plannedPerMwh).toBeGreaterThan(0);
    expect(actualPerMwh / plannedPerMwh).toBeGreaterThan(0.9);
    expect(actualPerMwh / plannedPerMwh).toBeLessThan(1.1);
  }, 120_000);

  it('a trader’s CURTAIL reaches the load’s miners, the override its trigger', async () => {
    await until(() => demo.agents[0]!.agent.controller.plan !== null, 'the first plan');
    await until(() => asleep('s19') === 0 && asleep('s21') === 0, 'every miner running');
    const now = Date.now();
    const created = await api('/sites/rockdale/overrides', trader, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        action: 'CURTAIL',
        loadId: 's19',
        from: new Date(Math.floor(now / (15 * MIN)) * 15 * MIN).toISOString(),
        to: new Date(Math.floor(now / (15 * MIN)) * 15 * MIN + 60 * MIN).toISOString(),
        reason: 'agent loop test',
      }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const overrideId = (created.body as { id?: string; override?: { id: string } }).override?.id ?? (created.body as { id: string }).id;
    await until(() => asleep('s19') === MINERS, 'every s19 miner asleep');
    await until(
      async () => (await actuals()).stateChanges.some((c) => c.trigger.kind === 'OVERRIDE'),
      'the override’s curtailment reported',
    );
    expect(asleep('s21')).toBe(0); // the other load runs on
    const change = (await actuals()).stateChanges.find((c) => c.trigger.kind === 'OVERRIDE')!;
    expect(change).toMatchObject({ loadId: 's19', change: 'CURTAILED', trigger: { overrideId } });
  }, 60_000);
  it('a price above the threshold puts the miners to sleep; actuals and the P&L show it', async () => {
    expect(demo.agents.map((a) => [a.siteId, a.driver, a.miners])).toEqual([['rockdale', 'luxos', 2 * MINERS]]);
    await until(() => demo.agents[0]!.agent.controller.plan !== null, 'the first plan');
    const plan = demo.agents[0]!.agent.controller.plan!;
    const threshold = plan.intervals.find((i) => Date.parse(i.intervalEnd) > Date.now())!.loads.find((l) => l.loadId === 's21')!
      .thresholdUsdPerMwh!;
    expect(threshold).toBeGreaterThan(-5);
    await until(() => asleep('s21') === 0, 'every s21 miner running');
    await until(async () => (await actuals()).samples.some((s) => s.actualMw > 0), 'a sample with the miners running');

    await storePrice(Math.max(5_000, threshold + 1_000));
    await until(() => asleep('s21') === MINERS, 'every s21 miner asleep');
    await until(
      async () => (await actuals()).stateChanges.some((c) => c.loadId === 's21' && c.change === 'CURTAILED'),
      'the curtailment reported',
    );
    const after = await actuals();
    const curtailed = after.stateChanges.find((c) => c.loadId === 's21' && c.change === 'CURTAILED')!;
    expect(curtailed).toMatchObject({
      loadId: 's21',
      trigger: { kind: 'PRICE', thresholdUsdPerMwh: threshold },
      miners: { confirmed: MINERS },
    });
    await until(
      async () => (await actuals()).samples.some((s) => s.loadId === 's21' && s.miners?.asleep === MINERS),
      'a sample with the miners asleep',
    );

    const day = new Date(startedMs).toISOString().slice(0, 10);
    const next = new Date(Date.parse(day) + 24 * 60 * MIN).toISOString().slice(0, 10);
    const pnl = await api(`/reports/pnl?siteId=rockdale&from=${day}&to=${next}`, finance);
    expect(pnl.status).toBe(200);
    const row = (pnl.body.items as { actual: { mwh: number; plannedMwh: number; loadIntervals: number } | null }[])[0]!;
    expect(row.actual).not.toBeNull();
    expect(row.actual!.loadIntervals).toBeGreaterThan(0);
    expect(row.actual!.mwh).toBeGreaterThan(0);
    expect(row.actual!.plannedMwh).toBeGreaterThan(0);
  }, 120_000);
});
