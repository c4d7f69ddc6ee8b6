/**
 * Re-deciding under contention: changes of one site-hour that arrive together are served by few
 * re-decisions, each under the site's lease, so that every override ends up in the current decision,
 * revisions have no gaps, and every current decision is computed from the current one before it —
 * also across processes (separate repositories over one table), and when a writer without the lease
 * takes a revision number first. The reconciler at the end of every run repairs a break in the chain.
 */
import { describe, expect, it } from 'vitest';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { cancelOverride, createOverride, type OverrideDeps } from '#app/overrides.ts';
import { LEASE_MS, redecideWindow } from '#app/redecide.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { type Decision, stateAfter } from '#domain/decision.ts';
import { ThrottledError } from '#domain/errors.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository, StoredOverride } from '#ports/decisions.ts';
import { type Logger, silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';
import { MemoryIdempotencyStore } from '../support/memory-idempotency.ts';

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

function engine(t: TestTable, clock: Clock = { nowMs: () => NOW }, log: Logger = silentLogger, repos = t.repos) {
  return runDeps({ sites: [SITE], repos, publisher: new MemoryEventPublisher(), clock, log });
}

async function decidedHour(): Promise<TestTable> {
  const t = await freshTable();
  const points: PricePoint[] = [];
  for (let ms = HOUR - 24 * H; ms < HOUR; ms += Q)
    points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: ms, intervalMinutes: 15, priceUsdPerMwh: 30 });
  points.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: HOUR, intervalMinutes: 60, priceUsdPerMwh: 35 });
  await t.repos.marketData.putPrices(points);
  await t.repos.marketData.putHashprices([{ date: '2024-07-14', usdPerPhDay: 50, source: 'test' }]);
  await runInterval(engine(t), { trigger: 'test' });
  return t;
}

function overrideDeps(t: TestTable, repos = t.repos): OverrideDeps {
  return { ...engine(t, undefined, undefined, repos), audit: repos.audit, idempotency: new MemoryIdempotencyStore() };
}

const request = (i: number) => ({
  action: 'CAP' as const,
  loadId: i % 2 ? 's21' : 's19',
  capMw: 10 + i,
  fromMs: HOUR,
  toMs: HOUR + H,
  reason: `burst ${i}`,
  acknowledgeObligation: false,
});

/** Every interval's revisions, and what holds whatever the interleaving: no gaps, and each current decision computed from the one before. */
async function consistent(t: TestTable): Promise<Decision[][]> {
  const all = await Promise.all(starts.map((s) => t.repos.decisions.revisions('rockdale', s)));
  for (const [i, revs] of all.entries()) {
    expect(revs.map((d) => d.revision)).toEqual(revs.map((_, k) => k + 1));
    const last = revs[revs.length - 1]!;
    expect(await t.repos.decisions.current('rockdale', starts[i]!)).toMatchObject({ revision: last.revision });
    if (i === 0) continue;
    const before = all[i - 1]![all[i - 1]!.length - 1]!;
    expect(last.previousRevision).toBe(before.revision);
    const state = stateAfter(before);
    expect(last.inputs.previous).toEqual(
      Object.fromEntries(Object.entries(state).map(([id, s]) => [id, { mw: s.mw, since: new Date(s.sinceMs).toISOString() }])),
    );
  }
  return all;
}

describe('redecideWindow', () => {
  it('writes one new revision per open interval, each computed from the new one before it', async () => {
    const t = await decidedHour();
    await t.repos.overrides.create(OVERRIDE);
    const written = await redecideWindow(
      engine(t),
      SITE,
      OVERRIDE.fromMs,
      OVERRIDE.toMs,
      { overrideId: OVERRIDE.id, change: 'CREATED' },
      NOW,
    );
    expect(written.map((d) => [d.intervalStart, d.revision, d.source, d.previousRevision])).toEqual([
      [starts[0], 2, 'OVERRIDE', null],
      [starts[1], 2, 'OVERRIDE', 2],
      [starts[2], 2, 'OVERRIDE', 2],
      [starts[3], 2, 'OVERRIDE', 2],
    ]);
    const all = await consistent(t);
    expect(all.every((revs) => revs[1]!.allocations.find((a) => a.loadId === 's21')!.mw === 0)).toBe(true);
  });

  it('settles on top of a revision another writer recorded without the lease, keeping the chain', async () => {
    const t = await decidedHour();
    await t.repos.overrides.create(OVERRIDE);
    // Between our reads and our writes, a writer that does not take the lease records 20:15 revision 2.
    let raced = false;
    const decisions: DecisionRepository = Object.assign(Object.create(t.repos.decisions) as DecisionRepository, {
      async putRevision(d: Decision) {
        if (!raced && d.intervalStart === starts[1]) {
          raced = true;
          const theirs = {
            ...d,
            runId: 'other-writer',
            reasons: ['SOMETHING_ELSE'],
            inputs: { ...d.inputs, overrideIds: [], overridesInForce: [] },
          };
          expect(await t.repos.decisions.putRevision(theirs)).toBe('written');
        }
        return t.repos.decisions.putRevision(d);
      },
    });
    const written = await redecideWindow(
      { ...engine(t), decisions },
      SITE,
      OVERRIDE.fromMs,
      OVERRIDE.toMs,
      { overrideId: OVERRIDE.id, change: 'CREATED' },
      NOW,
    );
    const all = await consistent(t);
    expect(all[1]!.map((d) => d.runId)).toEqual([expect.any(String), 'other-writer', `override-${OVERRIDE.id}-created`]);
    for (const revs of all) expect(revs[revs.length - 1]!.inputs.overridesInForce).toEqual([OVERRIDE.id]);
    expect(written.length).toBeGreaterThanOrEqual(4);
  });
});

describe('overrides under contention', () => {
  it('N concurrent overrides on one site-hour: every one in the current decision, revisions without gaps, few re-decisions', async () => {
    const t = await decidedHour();
    const deps = overrideDeps(t);
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, i) => createOverride(deps, { siteId: 'rockdale', author: `desk-${i}`, request: request(i) })),
    );
    const ids = results.map((r) => r.override.id).sort();
    const all = await consistent(t);
    for (const revs of all) {
      expect(revs[revs.length - 1]!.inputs.overridesInForce).toEqual(ids);
      // Coalesced: far fewer revisions than changes (the first alone, then the rest together, give or take).
      expect(revs.length - 1).toBeLessThanOrEqual(4);
    }
    // Each answer names revisions that reflect it.
    for (const r of results) {
      expect(r.revisions.length).toBe(4);
      for (const ref of r.revisions) {
        const d = (await t.repos.decisions.revision('rockdale', ref.intervalStart, ref.revision))!;
        expect(d.inputs.overridesInForce).toContain(r.override.id);
      }
    }
  });

  it('serialises re-decisions of separate processes through the lease: every override in, chain consistent', async () => {
    const t = await decidedHour();
    // Two processes: their own repositories over the same table, so their own queues; only the lease is shared.
    const other = dynamoRepositories(t.client, t.tableName);
    const a = overrideDeps(t);
    const b = overrideDeps(t, other);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createOverride(i % 2 ? a : b, { siteId: 'rockdale', author: `desk-${i}`, request: request(i) })),
    );
    const all = await consistent(t);
    for (const revs of all) expect(revs[revs.length - 1]!.inputs.overridesInForce).toEqual(results.map((r) => r.override.id).sort());
  });

  it('waits for a lease another holder has, takes over one that expired, and refuses with Retry-After after the bound', async () => {
    const t = await decidedHour();
    let now = NOW;
    const clock = { nowMs: () => now };
    await t.repos.overrides.create(OVERRIDE);
    // A holder that stopped: its lease outlives it until its expiry.
    expect(await t.repos.decisions.acquireRedecideLease('rockdale', 'stopped-holder', now, now + LEASE_MS)).toBe(true);
    expect(await t.repos.decisions.acquireRedecideLease('rockdale', 'someone-else', now, now + LEASE_MS)).toBe(false);
    const cause = { overrideId: OVERRIDE.id, change: 'CREATED' as const };
    const pending = redecideWindow(engine(t, clock), SITE, OVERRIDE.fromMs, OVERRIDE.toMs, cause, NOW);
    await new Promise((r) => setTimeout(r, 200));
    now += LEASE_MS; // the stopped holder's lease expires
    expect((await pending).map((d) => d.revision)).toEqual([2, 2, 2, 2]);
    // Released: the next change takes it at once.
    expect(await t.repos.decisions.acquireRedecideLease('rockdale', 'next', now, now + LEASE_MS)).toBe(true);
    // Held and never expiring (the clock stands still): refused after the bound, as 429 with Retry-After.
    const refused = await redecideWindow(engine(t, clock), SITE, OVERRIDE.fromMs, OVERRIDE.toMs, cause, NOW).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ThrottledError);
    expect((refused as ThrottledError).retryAfterSeconds).toBeGreaterThan(0);
  }, 30_000);
});

describe('the cost of an override', () => {
  it('does not grow with the revisions already written: the same store calls for the first override and after forty revisions', async () => {
    const t = await decidedHour();
    const calls: string[] = [];
    const counted = Object.fromEntries(
      Object.entries(t.repos).map(([name, repo]) => [
        name,
        new Proxy(repo as object, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver) as unknown;
            if (typeof v !== 'function') return v;
            return (...args: unknown[]) => {
              calls.push(`${name}.${String(prop)}`);
              return (v as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }),
      ]),
    ) as unknown as TestTable['repos'];
    const deps = overrideDeps(t, counted);
    const once = async (i: number) => {
      calls.length = 0;
      const created = await createOverride(deps, { siteId: 'rockdale', author: 'desk-1', request: request(i) });
      const forCreate = [...calls].sort();
      await cancelOverride(deps, { id: created.override.id, expectedVersion: 1, actor: 'desk-1', reason: 'done' });
      return { forCreate, revision: created.revisions[0]!.revision };
    };
    const first = await once(0);
    for (let i = 1; i < 20; i++) await once(i);
    const later = await once(20);
    expect(later.revision).toBeGreaterThan(40);
    expect(later.forCreate).toEqual(first.forCreate);
  });
});

describe('the reconciler at the end of every run', () => {
  it('repairs a break written out of order through the repository, and logs it', async () => {
    const t = await decidedHour();
    await t.repos.overrides.create(OVERRIDE);
    await redecideWindow(engine(t), SITE, OVERRIDE.fromMs, OVERRIDE.toMs, { overrideId: OVERRIDE.id, change: 'CREATED' }, NOW);
    // Out of order: 20:15 revision 3 (s21 running) recorded after 20:30 revision 2 was computed from 20:15 revision 2 (curtailed).
    const r2 = (await t.repos.decisions.current('rockdale', starts[1]!))!;
    const outOfOrder: Decision = {
      ...r2,
      revision: 3,
      runId: 'out-of-order',
      allocations: r2.allocations.map((a) => (a.loadId === 's21' ? { ...a, action: 'RUN', mw: 100 } : a)),
    };
    await t.repos.decisions.record(outOfOrder);
    expect((await t.repos.decisions.current('rockdale', starts[2]!))!.previousRevision).toBe(2);

    const lines: { message: string; fields: Record<string, unknown> }[] = [];
    const log: Logger = {
      ...silentLogger,
      warn: (message: string, fields: Record<string, unknown> = {}) => lines.push({ message, fields }),
    };
    const summary = await runInterval(engine(t, { nowMs: () => NOW + 5 * 60_000 }, log), { trigger: 'schedule' });

    const repaired = lines.find((l) => l.message === 'decision chain repaired');
    expect(repaired?.fields).toMatchObject({
      siteId: 'rockdale',
      from: starts[2],
      found: { kind: 'CHAIN', computedFrom: 2, previousCurrent: 3 },
    });
    expect(summary.decisionsWritten).toBe(2);
    const after = (await t.repos.decisions.current('rockdale', starts[2]!))!;
    expect(after).toMatchObject({ revision: 3, previousRevision: 3, published: true });
    expect(after.reasons).toContain('CHAIN_RECONCILED');
    expect((await t.repos.decisions.current('rockdale', starts[3]!))!.previousRevision).toBe(3);
    // Consistent now: the next run finds nothing to repair.
    lines.length = 0;
    expect((await runInterval(engine(t, { nowMs: () => NOW + 6 * 60_000 }, log), { trigger: 'schedule' })).decisionsWritten).toBe(0);
    expect(lines.filter((l) => l.message === 'decision chain repaired')).toEqual([]);
  });
});
