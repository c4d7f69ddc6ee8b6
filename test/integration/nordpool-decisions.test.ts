/**
 * The acceptance of Nord Pool sites on DynamoDB: a NORDPOOL NO3 site decides every quarter-hour of a
 * 100-quarter-hour delivery day from prices ingested in Nord Pool's own format, and each decision
 * shows the EUR price, the ECB rate it was converted with, and the USD economics.
 */
import { describe, expect, it } from 'vitest';
import { deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import { parseFeedFile } from '#adapters/feeds/registry.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { ingestBatch } from '#app/ingest.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { fixedClock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import { freshTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';
import { ecbXml, nordPoolDay } from '../unit/nordpool/fixtures.ts';

const H = 3_600_000;
const DAY = '2025-10-26'; // the last Sunday of October: 25 hours, 100 quarter-hours

const tydal = site({
  id: 'tydal',
  name: 'Tydal',
  market: 'NORDPOOL',
  settlementPoint: 'NO3',
  timezone: 'Europe/Oslo',
  interconnectMw: 50,
  loads: [{ id: 'hall', kind: 'mining', powerMw: 40, efficiencyJPerTh: 20, poolFeePct: 2 }],
});

describe('a Nord Pool NO3 site', () => {
  it('decides all 100 quarter-hours of the fall-back day in USD from EUR prices and the ECB rate', async () => {
    const t = await freshTable();
    // Cheap at night, expensive in the evening: index i is the quarter-hour of the delivery day.
    const eur = (i: number) => (i >= 72 && i < 84 ? 140 : 30 + (i % 4));
    const np = JSON.stringify(nordPoolDay({ day: DAY, minutes: 15, price: (i) => eur(i) }));
    await ingestBatch(t.repos.marketData, parseFeedFile('nordpool-json', np), { audit: t.repos.audit, nowMs: 0 });
    const fx = ecbXml([
      { date: '2025-10-23', rates: { USD: '1.1600' } },
      { date: '2025-10-24', rates: { USD: '1.1625' } }, // Friday: the rate of the weekend
      { date: '2025-10-27', rates: { USD: '1.1700' } },
    ]);
    await ingestBatch(t.repos.marketData, parseFeedFile('ecb-fx-xml', fx));
    await t.repos.marketData.putHashprices([
      { date: '2025-10-24', usdPerPhDay: 50, source: 'test' },
      { date: '2025-10-25', usdPerPhDay: 50, source: 'test' },
    ]);

    const { startMs, endMs } = deliveryDayWindow(DAY);
    const deps = runDeps({
      sites: [tydal],
      repos: t.repos,
      publisher: new MemoryEventPublisher(),
      clock: fixedClock(endMs),
      log: silentLogger,
    });
    for (let h = startMs; h < endMs; h += H) await runInterval(deps, { atMs: h, trigger: 'test' });

    const decisions = (await t.repos.decisions.bySite('tydal', startMs, endMs, { limit: 200 })).items;
    expect(decisions).toHaveLength(100);
    expect(decisions.every((d) => d.intervalMinutes === 15)).toBe(true);
    expect(decisions.map((d) => Date.parse(d.intervalStart) - startMs)).toEqual(Array.from({ length: 100 }, (_, i) => i * 15 * 60_000));
    decisions.forEach((d, i) => {
      const fxIn = d.inputs.price?.fx;
      expect(fxIn).toEqual({ currency: 'EUR', pricePerMwh: eur(i), usdPerUnit: 1.1625, rateDay: '2025-10-24', rateSource: 'ecb-fx-xml' });
      expect(d.inputs.price?.expectedUsdPerMwh).toBeCloseTo(eur(i) * 1.1625, 4);
    });
    // 140 EUR × 1.1625 = 162.75 USD is above the hall's breakeven: curtailed; about 35 USD is below it: running.
    const mw = (i: number) => decisions[i]!.allocations.find((a) => a.loadId === 'hall')!.mw;
    expect(mw(10)).toBe(40);
    expect(mw(75)).toBe(0);
    expect(decisions.every((d) => d.allocations.find((a) => a.loadId === 'hall')!.reasons.includes('DA_OPTIMUM'))).toBe(true);
    expect(decisions[75]!.economics.expectedPriceUsdPerMwh).toBeCloseTo(162.75, 4);
  });

  it('falls back to a fixed rate only when one is configured, and otherwise has no price', async () => {
    const { MarketReader } = await import('#app/market-view.ts');
    const t = await freshTable();
    await ingestBatch(
      t.repos.marketData,
      parseFeedFile('nordpool-json', JSON.stringify(nordPoolDay({ day: DAY, minutes: 15, price: () => 50 }))),
      {
        nowMs: 0,
      },
    );
    const { startMs } = deliveryDayWindow(DAY);
    const forecaster = { name: 'TEST', expect: () => 0 };
    const plain = new MarketReader(t.repos.marketData, false);
    const snap = await plain.snapshot(tydal, startMs, startMs);
    expect(plain.price(tydal, snap, startMs, startMs, forecaster)).toBeNull();
    const fixed = new MarketReader(t.repos.marketData, false, { fixedRates: { EUR: 1.1 } });
    const p = fixed.price(tydal, await fixed.snapshot(tydal, startMs, startMs), startMs, startMs, forecaster);
    expect([p?.expectedUsdPerMwh, p?.fx?.usdPerUnit, p?.fx?.rateSource]).toEqual([55, 1.1, 'fixed']);
  });
});
