import { describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { checkRunHour, hoursToRun, type RunDeps, runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { Site } from '#domain/sites.ts';
import { fixedClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const H = 3_600_000;
const Q = 15 * 60_000;
const HOUR = Date.parse('2024-07-15T20:00:00Z');

async function seedMarket(t: TestTable, fromMs: number, toMs: number, rt: (ms: number) => number) {
  const points: PricePoint[] = [];
  for (let ms = fromMs; ms < toMs; ms += Q)
    points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: ms, intervalMinutes: 15, priceUsdPerMwh: rt(ms) });
  for (let ms = fromMs; ms < toMs + 2 * H; ms += H)
    points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: ms, intervalMinutes: 60, priceUsdPerMwh: 35 });
  await t.repos.marketData.putPrices(points);
  await t.repos.marketData.putHashprices([
    { date: '2024-07-13', usdPerPhDay: 50, source: 'test' },
    { date: '2024-07-14', usdPerPhDay: 50, source: 'test' },
  ]);
}

function deps(
  t: TestTable,
  sites: Site[],
  nowMs: number,
  publisher = new MemoryEventPublisher(),
): RunDeps & { publisher: MemoryEventPublisher } {
  return { ...runDeps({ sites, repos: t.repos, publisher, clock: fixedClock(nowMs), log: silentLogger }), publisher };
}

describe('the hours a run decides', () => {
  it('is the requested hour, plus missed hours up to the bound for scheduled runs', () => {
    expect(hoursToRun(HOUR, null, true, 24)).toEqual([HOUR]);
    expect(hoursToRun(HOUR, HOUR - 3 * H, true, 24)).toEqual([HOUR - 2 * H, HOUR - H, HOUR]);
    expect(hoursToRun(HOUR, HOUR - 100 * H, true, 4)).toEqual([HOUR - 3 * H, HOUR - 2 * H, HOUR - H, HOUR]);
    expect(hoursToRun(HOUR, HOUR - 3 * H, false, 24)).toEqual([HOUR]);
    expect(hoursToRun(HOUR, HOUR, true, 24)).toEqual([HOUR]);
  });

  it('may be the next hour at the latest, and none before the nodal market', () => {
    const now = HOUR + 20 * 60_000;
    expect(() => checkRunHour(HOUR + H + 59 * 60_000, now)).not.toThrow();
    expect(() => checkRunHour(HOUR + 2 * H, now)).toThrow(/at: must be an instant from 2010-12-01T06:00:00.000Z to the next hour/);
    expect(() => checkRunHour(Date.parse('2010-11-30T00:00:00Z'), now)).toThrow(/at: must be an instant/);
    expect(() => checkRunHour(Number.NaN, now)).toThrow(/got NaN/);
  });

  it('records nothing for a refused hour, so scheduled runs still catch up', async () => {
    const t = await freshTable();
    const d = deps(t, [site()], HOUR);
    await expect(runInterval(d, { atMs: Date.parse('2100-01-01T00:00:00Z'), trigger: 'cli' })).rejects.toThrow(/at: must be an instant/);
    expect(await t.repos.runs.lastSuccessfulHour()).toBeNull();
  });
});

describe('runInterval against DynamoDB', () => {
  it('decides, records and publishes the four intervals of the hour for every site', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    const sites = [
      site(),
      site({ id: 'second', interconnectMw: 80, loads: [{ id: 'm', kind: 'mining', powerMw: 70, efficiencyJPerTh: 21.5 }] }),
    ];
    const d = deps(t, sites, HOUR + 5 * 60_000);
    const summary = await runInterval(d, { trigger: 'test' });
    expect(summary.decisionsWritten).toBe(8);
    expect(summary.runs[0]).toMatchObject({ status: 'SUCCEEDED', hourStart: new Date(HOUR).toISOString(), eventsSent: 8 });
    const page = await t.repos.decisions.bySite('rockdale', HOUR, HOUR + H);
    expect(page.items.map((x) => x.intervalStart)).toEqual([0, 1, 2, 3].map((i) => new Date(HOUR + i * Q).toISOString()));
    expect(page.items.every((x) => x.published && x.source === 'AUTO' && x.revision === 1)).toBe(true);
    // Known at the hour's start: the last RT interval is the one that ended at HOUR.
    expect(page.items[0]!.inputs.price).toMatchObject({ lastRtIntervalStart: new Date(HOUR - Q).toISOString(), daUsdPerMwh: 35 });
    expect(page.items[0]!.inputs.hashprice).toMatchObject({ day: '2024-07-14', usdPerPhDay: 50 });
    expect(d.publisher.events.map((e) => e.detailType)).toEqual(Array(8).fill('DecisionMade'));
    expect(d.publisher.events.find((e) => e.detail.siteId === 'rockdale')!.detail).toMatchObject({
      revision: 1,
      allocations: expect.any(Array),
    });
    expect(await t.repos.runs.lastSuccessfulHour()).toBe(HOUR);
  });

  it('changes nothing when the same hour runs again', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    const first = deps(t, [site()], HOUR);
    await runInterval(first, { atMs: HOUR, trigger: 'test' });
    const before = (await t.repos.decisions.bySite('rockdale', HOUR, HOUR + H)).items;
    // Later, with different prices stored for the same past: still nothing changes.
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 999);
    const again = deps(t, [site()], HOUR + 30 * 60_000);
    const summary = await runInterval(again, { atMs: HOUR, trigger: 'test' });
    expect(summary.decisionsWritten).toBe(0);
    expect(summary.decisionsExisting).toBe(4);
    expect(again.publisher.events).toHaveLength(0);
    expect((await t.repos.decisions.bySite('rockdale', HOUR, HOUR + H)).items).toEqual(before);
  });

  it('gives one decision per interval when two runs of the same hour race', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    const a = deps(t, [site()], HOUR);
    const b = deps(t, [site()], HOUR);
    const [ra, rb] = await Promise.all([runInterval(a, { atMs: HOUR, trigger: 'a' }), runInterval(b, { atMs: HOUR, trigger: 'b' })]);
    expect(ra.decisionsWritten + rb.decisionsWritten).toBe(4);
    for (let i = 0; i < 4; i++) {
      expect(await t.repos.decisions.revisions('rockdale', new Date(HOUR + i * Q).toISOString())).toHaveLength(1);
    }
    expect(a.publisher.events.length + b.publisher.events.length).toBe(4);
  });

  it('catches up the hours missed since the last successful run, up to the bound', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 30 * H, HOUR, () => 30);
    await runInterval(deps(t, [site()], HOUR - 5 * H), { trigger: 'schedule' });
    const d = { ...deps(t, [site()], HOUR + 60_000), maxCatchUpHours: 3 };
    const summary = await runInterval(d, { trigger: 'schedule' });
    expect(summary.runs.map((r) => r.hourStart)).toEqual([HOUR - 2 * H, HOUR - H, HOUR].map((h) => new Date(h).toISOString()));
    expect((await t.repos.decisions.bySite('rockdale', HOUR - 5 * H, HOUR + H)).items).toHaveLength(4 * 4);
    expect(await t.repos.runs.lastSuccessfulHour()).toBe(HOUR);
  });

  it('carries the minimum-run state across the hour boundary from the stored decisions', async () => {
    const t = await freshTable();
    // Cheap until HOUR − 15 min, then a spike: a fleet started at HOUR − 1 h with a 90-minute minimum run keeps running until HOUR + 30 min.
    await seedMarket(t, HOUR - 24 * H, HOUR + H, (ms) => (ms < HOUR - Q ? 20 : 800));
    const slow = site({ loads: [{ id: 'm', kind: 'mining', powerMw: 50, efficiencyJPerTh: 17.5, minRunMinutes: 90 }] });
    await runInterval(deps(t, [slow], HOUR - H), { atMs: HOUR - H, trigger: 'test' });
    await runInterval(deps(t, [slow], HOUR), { atMs: HOUR, trigger: 'test' });
    const actions = (await t.repos.decisions.bySite('rockdale', HOUR - H, HOUR + H)).items.map((x) => x.allocations[0]!.action);
    expect(actions).toEqual(['RUN', 'RUN', 'RUN', 'RUN', 'RUN', 'RUN', 'CURTAIL', 'CURTAIL']);
    const held = await t.repos.decisions.current('rockdale', new Date(HOUR).toISOString());
    expect(held!.allocations[0]!.reasons).toContain('MIN_RUN_TIME');
  });

  it('leaves undelivered events marked and re-sends them on the next run', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR + H, () => 30);
    const failing = new MemoryEventPublisher({ failIds: [`decision#rockdale#${new Date(HOUR + Q).toISOString()}#1`] });
    const first = await runInterval(deps(t, [site()], HOUR, failing), { atMs: HOUR, trigger: 'test' });
    expect(first.eventsFailed).toBe(1);
    expect((await t.repos.decisions.current('rockdale', new Date(HOUR + Q).toISOString()))!.published).toBe(false);
    const next = deps(t, [site()], HOUR + H);
    const second = await runInterval(next, { atMs: HOUR + H, trigger: 'test' });
    expect(second.resent).toBe(1);
    expect(next.publisher.events[0]!.id).toBe(`decision#rockdale#${new Date(HOUR + Q).toISOString()}#1`);
    expect(await t.repos.decisions.unpublished(10)).toHaveLength(0);
  });

  it('decides with a fail-safe, flagged, when market data is missing', async () => {
    const t = await freshTable();
    const d = deps(t, [site()], HOUR);
    await runInterval(d, { atMs: HOUR, trigger: 'test' });
    const items = (await t.repos.decisions.bySite('rockdale', HOUR, HOUR + H)).items;
    expect(items).toHaveLength(4);
    expect(items[0]!.flags).toEqual(expect.arrayContaining(['MISSING_PRICE', 'MISSING_HASHPRICE', 'FAIL_SAFE']));
  });

  it('records a partial run when one site fails, and does not move the last successful hour', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    const d = deps(t, [site(), site({ id: 'broken' })], HOUR);
    const realBySite = d.decisions.bySite.bind(d.decisions);
    d.decisions = Object.create(d.decisions, {
      bySite: {
        value: (siteId: string, ...rest: [number, number]) =>
          siteId === 'broken' ? Promise.reject(new Error('throttled')) : realBySite(siteId, ...rest),
      },
    });
    const summary = await runInterval(d, { atMs: HOUR, trigger: 'test' });
    expect(summary.runs[0]).toMatchObject({ status: 'PARTIAL', errors: ['broken: throttled'], decisionsWritten: 4 });
    expect(await t.repos.runs.lastSuccessfulHour()).toBeNull();
    expect((await t.repos.runs.recent(5))[0]).toMatchObject({ status: 'PARTIAL' });
  });
});

describe('recovery', () => {
  it('completes an interval whose revision was written by a run that stopped before its current pointer', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    const d = deps(t, [site()], HOUR);
    await runInterval(d, { atMs: HOUR, trigger: 'first' });
    const orphan = (await t.repos.decisions.current('rockdale', new Date(HOUR).toISOString()))!;
    // Simulate the crash: a second table holding only the revision record.
    const t2 = await freshTable();
    await seedMarket(t2, HOUR - 24 * H, HOUR, () => 30);
    await t2.repos.decisions.putRevision({ ...orphan, published: false });
    expect(await t2.repos.decisions.current('rockdale', orphan.intervalStart)).toBeNull();
    const again = deps(t2, [site()], HOUR + H);
    const summary = await runInterval(again, { atMs: HOUR, trigger: 'again' });
    expect(summary.resent).toBe(1);
    expect(summary.decisionsWritten).toBe(3);
    expect(await t2.repos.decisions.current('rockdale', orphan.intervalStart)).toMatchObject({ runId: orphan.runId, published: true });
    expect(await t2.repos.decisions.revisions('rockdale', orphan.intervalStart)).toHaveLength(1);
  });
});

describe('coincident peaks in live runs', () => {
  it('curtails a 4CP site in a likely peak hour from the stored load forecast and actual load', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    // July 2024, 15:00 CDT: the month's afternoons reached 80 GW; today is forecast at 86 GW now.
    const load = [];
    for (let ms = Date.parse('2024-07-01T05:00:00Z'); ms < HOUR + 10 * H; ms += H) {
      const hourLocal = (new Date(ms).getUTCHours() + 19) % 24;
      const today = ms >= HOUR - 15 * H;
      const mw = (today ? 86_000 : 80_000) - Math.abs(hourLocal - 15) * 1500;
      load.push({ market: 'ERCOT', kind: 'FORECAST' as const, intervalStartMs: ms, intervalMinutes: 60, mw });
      if (ms < HOUR) load.push({ market: 'ERCOT', kind: 'ACTUAL' as const, intervalStartMs: ms, intervalMinutes: 60, mw });
    }
    await t.repos.marketData.putSystemLoad(load);
    const fourCp = site({ fourCp: { enabled: true, rateUsdPerKwYear: 60, months: [6, 7, 8, 9] } });
    await runInterval(deps(t, [fourCp], HOUR), { atMs: HOUR, trigger: 'test' });
    const first = (await t.repos.decisions.current('rockdale', new Date(HOUR).toISOString()))!;
    expect(first.inputs.peakProbability).toBeGreaterThan(0.02);
    expect(first.allocations.find((a) => a.loadId === 's21')).toMatchObject({ action: 'CURTAIL', reasons: ['FOURCP_PEAK_RISK'] });
    // The same site without 4CP runs: energy at $30 is well below breakeven.
    const t2 = await freshTable();
    await seedMarket(t2, HOUR - 24 * H, HOUR, () => 30);
    await t2.repos.marketData.putSystemLoad(load);
    await runInterval(deps(t2, [site()], HOUR), { atMs: HOUR, trigger: 'test' });
    expect(
      (await t2.repos.decisions.current('rockdale', new Date(HOUR).toISOString()))!.allocations.find((a) => a.loadId === 's21')!.action,
    ).toBe('RUN');
  });
});

describe('reconciling overrides', () => {
  it('decides again an open interval whose overrides changed without a re-decision, once', async () => {
    const t = await freshTable();
    await seedMarket(t, HOUR - 24 * H, HOUR, () => 30);
    await runInterval(deps(t, [site()], HOUR), { atMs: HOUR, trigger: 'first' });
    // An override stored by a request that stopped before it re-decided anything.
    const o = {
      id: 'ov-orphan',
      siteId: 'rockdale',
      loadId: 's21',
      action: 'CURTAIL' as const,
      fromMs: HOUR + 2 * Q,
      toMs: HOUR + H,
      reason: 'desk',
      author: 'desk-1',
      acknowledgeObligation: false,
      createdAtMs: HOUR + 20 * 60_000,
      version: 1,
      status: 'ACTIVE' as const,
      expiresAtMs: HOUR + H,
    };
    await t.repos.overrides.create(o);
    const now = HOUR + 25 * 60_000;
    const second = await runInterval(deps(t, [site()], now), { atMs: HOUR, trigger: 'second' });
    expect(second.decisionsWritten).toBe(2);
    for (const i of [2, 3]) {
      const d = (await t.repos.decisions.current('rockdale', new Date(HOUR + i * Q).toISOString()))!;
      expect(d).toMatchObject({ revision: 2, source: 'OVERRIDE', published: true });
      expect(d.reasons).toContain('OVERRIDES_RECONCILED');
      expect(d.allocations.find((a) => a.loadId === 's21')!.action).toBe('CURTAIL');
    }
    expect((await t.repos.decisions.current('rockdale', new Date(HOUR).toISOString()))!.revision).toBe(1);
    expect((await runInterval(deps(t, [site()], now), { atMs: HOUR, trigger: 'third' })).decisionsWritten).toBe(0);

    // Cancelled, again without a re-decision: the next run brings the open interval back.
    await t.repos.overrides.cancel('ov-orphan', 1, 'desk-1', 'spike passed', HOUR + 50 * 60_000);
    const later = await runInterval(deps(t, [site()], HOUR + 50 * 60_000), { atMs: HOUR, trigger: 'fourth' });
    expect(later.decisionsWritten).toBe(1); // 20:45 only: 20:30 has ended
    expect((await t.repos.decisions.current('rockdale', new Date(HOUR + 2 * Q).toISOString()))!.revision).toBe(2);
    const last = (await t.repos.decisions.current('rockdale', new Date(HOUR + 3 * Q).toISOString()))!;
    expect(last).toMatchObject({ revision: 3 });
    expect(last.allocations.find((a) => a.loadId === 's21')!.action).toBe('RUN');
  });
});
