/**
 * Override and price re-decisions of one site share its view of the market and its lease: an
 * override re-decision decides with the latest stored prices (it never undoes a price update that
 * arrived after the hour began), and a price re-decision running at the same time as an override's
 * leaves a consistent chain — every current decision computed from the current one before it, with
 * the overrides in force and the newest price.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { priceRedecideJob } from '#app/jobs/price-redecide.ts';
import { createOverride, type OverrideDeps } from '#app/overrides.ts';
import { chainBreaks } from '#app/reconcile.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { Decision } from '#domain/decision.ts';
import { type Clock, fixedClock } from '#ports/clock.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';
import { MemoryIdempotencyStore } from '../support/memory-idempotency.ts';

const H = 3_600_000;
const Q = 15 * 60_000;
const HOUR = Date.parse('2024-07-15T20:00:00Z');
/** 20:20: the settlement price of 20:00–20:15 is stored. */
const LATER = HOUR + Q + 5 * 60_000;
const SITE = site();
const SPIKE = 900;
/** The intervals open at LATER. */
const OPEN = [HOUR + Q, HOUR + 2 * Q, HOUR + 3 * Q];

const rt = (ms: number, price: number): PricePoint => ({
  market: 'ERCOT',
  node: 'HB_HUBAVG',
  kind: 'RT',
  intervalStartMs: ms,
  intervalMinutes: 15,
  priceUsdPerMwh: price,
});

let t: TestTable;
const engine = (clock: Clock, decisions: DecisionRepository = t.repos.decisions) => ({
  ...runDeps({ sites: [SITE], repos: t.repos, publisher: new MemoryEventPublisher(), clock, log: silentLogger }),
  decisions,
});
const overrideDeps = (clock: Clock, decisions?: DecisionRepository): OverrideDeps => ({
  ...engine(clock, decisions),
  audit: t.repos.audit,
  idempotency: new MemoryIdempotencyStore(),
});
const curtail = {
  action: 'CURTAIL' as const,
  loadId: 's21',
  fromMs: HOUR,
  toMs: HOUR + H,
  reason: 'desk expects a spike',
  acknowledgeObligation: false,
};

beforeEach(async () => {
  t = await freshTable();
  const points: PricePoint[] = [];
  for (let ms = HOUR - 24 * H; ms < HOUR; ms += Q) points.push(rt(ms, 30));
  points.push({ ...rt(HOUR, 35), kind: 'DA', intervalMinutes: 60 });
  await t.repos.marketData.putPrices(points);
  await t.repos.marketData.putHashprices([{ date: '2024-07-14', usdPerPhDay: 50, source: 'test' }]);
  // The hour decided at its start, with the prices up to 19:45–20:00.
  await runInterval(engine(fixedClock(HOUR + 60_000)), { trigger: 'test' });
});

const currentOpen = async () =>
  (await Promise.all(OPEN.map((ms) => t.repos.decisions.current(SITE.id, new Date(ms).toISOString())))) as Decision[];

/** A repository whose every call waits a little first: two re-decisions running at once interleave their reads and writes. */
function slow(repo: DecisionRepository): DecisionRepository {
  return new Proxy(repo, {
    get(target, prop) {
      const v = Reflect.get(target, prop) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        await new Promise((r) => setTimeout(r, 15));
        return (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}

describe('override and price re-decisions of one site', () => {
  it('an override re-decision decides with the price stored after the hour began, not the hour-start prices', async () => {
    await t.repos.marketData.putPrices([rt(HOUR, SPIKE)]);

    await createOverride(overrideDeps(fixedClock(LATER)), { siteId: SITE.id, author: 'desk-1', request: curtail });

    const after = await currentOpen();
    expect(after.map((d) => d.source)).toEqual(['OVERRIDE', 'OVERRIDE', 'OVERRIDE']);
    expect(after.map((d) => d.inputs.price?.lastRtUsdPerMwh)).toEqual([SPIKE, SPIKE, SPIKE]);
  });

  it('an override after a price re-decision keeps the price update', async () => {
    await t.repos.marketData.putPrices([rt(HOUR, SPIKE)]);
    const priced = await priceRedecideJob(engine(fixedClock(LATER)), { market: 'ERCOT', node: 'HB_HUBAVG' });
    expect(priced.written.length).toBeGreaterThan(0);

    await createOverride(overrideDeps(fixedClock(LATER + 60_000)), { siteId: SITE.id, author: 'desk-1', request: curtail });

    expect((await currentOpen()).map((d) => d.inputs.price?.lastRtUsdPerMwh)).toEqual([SPIKE, SPIKE, SPIKE]);
  });

  it('a price re-decision and an override re-decision at once leave a consistent chain with the override and the new price', async () => {
    await t.repos.marketData.putPrices([rt(HOUR, SPIKE)]);
    const clock = fixedClock(LATER);

    const [priced, created] = await Promise.all([
      priceRedecideJob(engine(clock, slow(t.repos.decisions)), { market: 'ERCOT', node: 'HB_HUBAVG' }),
      createOverride(overrideDeps(clock, slow(t.repos.decisions)), { siteId: SITE.id, author: 'desk-1', request: curtail }),
    ]);

    expect(priced.errors).toEqual([]);
    const decisions = await t.repos.decisions.bySite(SITE.id, HOUR, HOUR + H);
    const overrides = await t.repos.overrides.activeFor(SITE.id, HOUR, HOUR + H);
    expect(chainBreaks(SITE, decisions.items, overrides, LATER)).toEqual([]);
    const after = await currentOpen();
    for (const d of after) {
      expect(d.inputs.overridesInForce).toEqual([created.override.id]);
      expect(d.inputs.price?.lastRtUsdPerMwh).toBe(SPIKE);
      expect(d.allocations.find((a) => a.loadId === 's21')!.mw).toBe(0);
      const revisions = await t.repos.decisions.revisions(SITE.id, d.intervalStart);
      expect(revisions.map((r) => r.revision)).toEqual(revisions.map((_, k) => k + 1));
    }
  });
});
