/**
 * Re-deciding an override's window writes the intervals' revisions together; when another change
 * records one of them first, the interval is settled on top of it and the intervals after it stay
 * consistent with the state it leaves. The other change is injected between our reads and writes.
 */
import { describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { redecideWindow } from '#app/redecide.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { stateAfter, type Decision } from '#domain/decision.ts';
import { fixedClock } from '#ports/clock.ts';
import type { DecisionRepository, StoredOverride } from '#ports/decisions.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const H = 3_600_000;
const Q = 15 * 60_000;
const HOUR = Date.parse('2024-07-15T20:00:00Z');
const NOW = HOUR + 60_000;
const SITE = site();
const starts = [0, 1, 2, 3].map((i) => new Date(HOUR + i * Q).toISOString());

const OVERRIDE: StoredOverride = {
  id: 'ovr-under-test',
  siteId: 'rockdale',
  loadId: 's21',
  action: 'CURTAIL',
  fromMs: HOUR,
  toMs: HOUR + H,
  reason: 'test',
  author: 'desk-1',
  acknowledgeObligation: false,
  createdAtMs: NOW,
  version: 1,
  status: 'ACTIVE',
  expiresAtMs: HOUR + H,
};

async function decidedHour(): Promise<TestTable> {
  const t = await freshTable();
  const points: PricePoint[] = [];
  for (let ms = HOUR - 24 * H; ms < HOUR; ms += Q) points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: ms, intervalMinutes: 15, priceUsdPerMwh: 30 });
  points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: HOUR, intervalMinutes: 60, priceUsdPerMwh: 35 });
  await t.repos.marketData.putPrices(points);
  await t.repos.marketData.putHashprices([{ date: '2024-07-14', usdPerPhDay: 50, source: 'test' }]);
  await runInterval(runDeps({ sites: [SITE], repos: t.repos, publisher: new MemoryEventPublisher(), clock: fixedClock(NOW), log: silentLogger }), { trigger: 'test' });
  await t.repos.overrides.create(OVERRIDE);
  return t;
}

/** Decisions whose first revision write for `intervalStart` is preceded by another change's revision. */
function racing(decisions: DecisionRepository, intervalStart: string, theirs: (ours: Decision) => Decision): DecisionRepository {
  let raced = false;
  return Object.assign(Object.create(decisions) as DecisionRepository, {
    async putRevision(d: Decision) {
      if (!raced && d.intervalStart === intervalStart) {
        raced = true;
        expect(await decisions.putRevision(theirs(d))).toBe('written');
      }
      return decisions.putRevision(d);
    },
  });
}

async function redecide(t: TestTable, decisions: DecisionRepository): Promise<Decision[]> {
  const deps = { ...runDeps({ sites: [SITE], repos: t.repos, publisher: new MemoryEventPublisher(), clock: fixedClock(NOW), log: silentLogger }), decisions };
  return redecideWindow(deps, SITE, OVERRIDE.fromMs, OVERRIDE.toMs, { overrideId: OVERRIDE.id, change: 'CREATED' }, NOW);
}

/** Every interval's revisions, and the checks that hold whatever the interleaving. */
async function settled(t: TestTable): Promise<Decision[][]> {
  const all = await Promise.all(starts.map((s) => t.repos.decisions.revisions('rockdale', s)));
  for (const [i, revs] of all.entries()) {
    expect(revs.map((d) => d.revision)).toEqual(revs.map((_, k) => k + 1));
    const last = revs[revs.length - 1]!;
    expect(last.inputs.overridesInForce).toContain(OVERRIDE.id);
    if (i === 0) continue;
    // The state each interval was decided on is the state the interval before it ends in.
    const before = stateAfter(all[i - 1]![all[i - 1]!.length - 1]!);
    expect(last.inputs.previous).toEqual(Object.fromEntries(Object.entries(before).map(([id, s]) => [id, { mw: s.mw, since: new Date(s.sinceMs).toISOString() }])));
  }
  return all;
}

describe('redecideWindow', () => {
  it('writes one new revision per open interval when nothing else is changing them', async () => {
    const t = await decidedHour();
    const written = await redecide(t, t.repos.decisions);
    expect(written.map((d) => [d.intervalStart, d.revision, d.source])).toEqual(starts.map((s) => [s, 2, 'OVERRIDE']));
    const all = await settled(t);
    expect(all.map((revs) => revs.length)).toEqual([2, 2, 2, 2]);
    expect(all.every((revs) => revs[1]!.allocations.find((a) => a.loadId === 's21')!.mw === 0)).toBe(true);
  });

  it('decides an interval again on top of a revision recorded first without the change in view', async () => {
    const t = await decidedHour();
    const theirs = (ours: Decision): Decision => ({
      ...ours,
      reasons: ['SOMETHING_ELSE'],
      runId: 'other-change',
      allocations: ours.allocations.map((a) => (a.loadId === 's21' ? { ...a, action: 'RUN', mw: 100 } : a)),
      inputs: { ...ours.inputs, overrideIds: [], overridesInForce: [] },
    });
    const written = await redecide(t, racing(t.repos.decisions, starts[1]!, theirs));
    const all = await settled(t);
    expect(all[1]!.map((d) => d.runId)).toEqual([expect.any(String), 'other-change', `override-${OVERRIDE.id}-created`]);
    expect(written.map((d) => [d.intervalStart, d.revision])).toEqual([
      [starts[0], 2],
      [starts[1], 3],
      [starts[2], 2],
      [starts[3], 2],
    ]);
  });

  it('keeps a revision recorded first that reflects the change, and re-decides the intervals after it on the state it leaves', async () => {
    const t = await decidedHour();
    // Another change saw this override too, but curtailed the second fleet as well.
    const theirs = (ours: Decision): Decision => ({
      ...ours,
      runId: 'other-change',
      allocations: ours.allocations.map((a) => (a.loadId === 's19' ? { ...a, action: 'CURTAIL', mw: 0 } : a)),
    });
    const written = await redecide(t, racing(t.repos.decisions, starts[1]!, theirs));
    const all = await settled(t);
    expect(all[1]!.map((d) => d.runId)).toEqual([expect.any(String), 'other-change']);
    // The second fleet restarts in the third interval: decided again on that state.
    expect(all[2]!.map((d) => d.revision)).toEqual([1, 2, 3]);
    expect(all[2]![2]!.inputs.previous!.s19).toEqual({ mw: 0, since: starts[1] });
    expect(written.map((d) => [d.intervalStart, d.revision])).toEqual([
      [starts[0], 2],
      [starts[2], 2],
      [starts[2], 3],
      [starts[3], 2],
      [starts[3], 3],
    ]);
  });
});
