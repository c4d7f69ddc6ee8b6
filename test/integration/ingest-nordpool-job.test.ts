/**
 * The Nord Pool ingest job on dynalite against loopback servers in the providers' formats: the
 * afternoon slots (204 before publication, a last slot that fails when still unpublished), the
 * fallback to ENTSO-E, a preliminary result replaced by the final one (audited), the ECB rate of
 * the day once it can be out, and PricesStored for what is new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcbRatesClient } from '#adapters/feeds/ecb-fx.ts';
import { EntsoeDayAheadClient } from '#adapters/feeds/entsoe.ts';
import { NordPoolDayAheadClient } from '#adapters/feeds/nordpool.ts';
import { ingestNordPoolJob, type NordPoolIngestDeps } from '#app/jobs/ingest-nordpool.ts';
import type { DomainEvent } from '#ports/events.ts';
import { fastHttp, type Handler, type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';
import { a44, ecbXml, fullDay, nordPoolDay } from '../unit/nordpool/fixtures.ts';

// Saturday 25 October 2025 in Oslo (CEST): the next delivery day is Sunday 26 October, 100 quarter-hours.
const TODAY = '2025-10-25';
const TOMORROW = '2025-10-26';
const at = (local: string) => Date.parse(`${TODAY}T${local}+02:00`);

let server: Loopback;
let nordpool: Handler = () => ({ status: 204, body: '' });
let entsoe: Handler = () => ({ status: 500, body: 'down' });
let ecb: Handler = () => ({ headers: { 'content-type': 'text/xml' }, body: ecbXml([{ date: '2025-10-24', rates: { USD: '1.1612' } }]) });

beforeAll(async () => {
  server = await loopback({
    '/api/DayAheadPrices': (req, n) => nordpool(req, n),
    '/entsoe/api': (req, n) => entsoe(req, n),
    '/ecb/eurofxref-daily.xml': (req, n) => ecb(req, n),
  });
});
afterAll(() => server.close());

const tydal = site({ id: 'tydal', market: 'NORDPOOL', settlementPoint: 'NO3', timezone: 'Europe/Oslo' });

function deps(t: TestTable, nowMs: number, events: DomainEvent[]): NordPoolIngestDeps {
  const http = fastHttp({ maxAttempts: 1 }).http;
  return {
    sites: [tydal],
    marketData: t.repos.marketData,
    audit: t.repos.audit,
    publisher: {
      publish: async (evs) => {
        events.push(...evs);
        return { sent: evs.map((e) => e.id), failed: [] };
      },
    },
    clock: { nowMs: () => nowMs },
    log: { info: () => {}, warn: () => {}, error: () => {} },
    sources: async () => [
      new NordPoolDayAheadClient({ baseUrl: server.url, http }),
      new EntsoeDayAheadClient({ baseUrl: `${server.url}/entsoe/api`, securityToken: 'token-1', http }),
    ],
    rates: () => new EcbRatesClient({ dailyUrl: `${server.url}/ecb/eurofxref-daily.xml`, http }).daily(),
  };
}

const published =
  (day: string, state: string, version: number, price = 40): Handler =>
  (req) =>
    req.query.get('date') === day
      ? { body: nordPoolDay({ day, minutes: 15, state, version, price: () => price }) }
      : { status: 204, body: '' };

describe('the Nord Pool ingest job', () => {
  it('takes a 204 in an early slot as not published yet, without an error, and asks for today when none is stored', async () => {
    const t = await freshTable();
    nordpool = published(TODAY, 'Final', 2);

    const r = await ingestNordPoolJob(deps(t, at('13:15'), []));

    expect(r.errors).toEqual([]);
    expect(r.days.map((d) => [d.deliveryDay, d.status, d.source])).toEqual([
      [TODAY, 'stored', 'nordpool'],
      [TOMORROW, 'not-published', 'nordpool'],
    ]);
    expect(server.to('/entsoe/api')).toHaveLength(0);
  });

  it('fails the last slot when the next day is still not published', async () => {
    const t = await freshTable();
    nordpool = () => ({ status: 204, body: '' });

    const r = await ingestNordPoolJob(deps(t, at('16:30'), []), { lastAttempt: true });

    expect(r.errors.some((e) => e.startsWith(`NO3 ${TOMORROW}: Nord Pool: HTTP 204`))).toBe(true);
  });

  it('falls back to ENTSO-E when Nord Pool fails, stores the 100 quarter-hours in EUR and announces them', async () => {
    const t = await freshTable();
    const events: DomainEvent[] = [];
    nordpool = () => ({ status: 503, body: 'maintenance' });
    entsoe = (req) =>
      req.query.get('securityToken') === 'token-1'
        ? { headers: { 'content-type': 'text/xml' }, body: a44([{ periods: [fullDay(TOMORROW, 15, (i) => 50 + i)] }]) }
        : { status: 401, body: 'unauthorised' };

    const r = await ingestNordPoolJob(deps(t, at('14:00'), events), { deliveryDay: TOMORROW });

    expect(r.errors).toEqual([]);
    expect(r.days).toMatchObject([{ deliveryDay: TOMORROW, status: 'stored', source: 'entsoe', failedOver: [{ source: 'nordpool' }] }]);
    const prices = await t.repos.marketData.getPrices(
      'NORDPOOL',
      'NO3',
      'DA',
      Date.parse('2025-10-25T22:00:00Z'),
      Date.parse('2025-10-26T23:00:00Z'),
    );
    expect(prices).toHaveLength(100);
    expect(prices[99]).toMatchObject({ priceUsdPerMwh: 149, currency: 'EUR', intervalMinutes: 15 });
    expect(r.stored).toMatchObject([{ market: 'NORDPOOL', node: 'NO3', kind: 'DA', newestIntervalStart: '2025-10-26T22:45:00.000Z' }]);
    expect(events.filter((e) => e.detailType === 'PricesStored')).toHaveLength(1);
  });

  it('replaces a preliminary result with the final one in a later slot, audits it, and leaves a Final day alone after', async () => {
    const t = await freshTable();
    nordpool = published(TOMORROW, 'Preliminary', 1, 40);
    await ingestNordPoolJob(deps(t, at('13:15'), []), { deliveryDay: TOMORROW });
    nordpool = published(TOMORROW, 'Final', 1, 42);
    // Today is stored, so the scheduled slot asks for tomorrow only.
    await t.repos.marketData.putDayAheadRevision({
      market: 'NORDPOOL',
      area: 'NO3',
      deliveryDay: TODAY,
      version: 2,
      state: 'Final',
      source: 'nordpool',
      currency: 'EUR',
      intervalMinutes: 15,
      storedAtMs: at('00:00'),
    });

    const later = await ingestNordPoolJob(deps(t, at('14:00'), []));
    const again = await ingestNordPoolJob(deps(t, at('15:30'), []));

    expect(later.days).toMatchObject([{ deliveryDay: TOMORROW, status: 'replaced', revision: { version: 1, state: 'Final' } }]);
    const audit = (await t.repos.audit.list(at('13:00'), at('16:00'))).items;
    const stored = await t.repos.marketData.getDayAheadRevision('NORDPOOL', 'NO3', TOMORROW);
    expect(stored).toMatchObject({ version: 1, state: 'Final' });
    expect(audit).toMatchObject([
      { action: 'DAY_AHEAD_REPLACED', before: { state: 'Preliminary', version: 1 }, after: { state: 'Final', version: 1 } },
    ]);
    expect(again.days).toMatchObject([{ deliveryDay: TOMORROW, status: 'final-already' }]);
  });

  it('fetches the ECB rate only once the rate of the day can be out (16:00 CET), and not again once stored', async () => {
    const t = await freshTable();
    nordpool = published(TOMORROW, 'Final', 1);
    await t.repos.marketData.putFxRates([{ date: '2025-10-24', base: 'EUR', quote: 'USD', rate: 1.1612, source: 'ecb' }]);
    const before = server.to('/ecb/eurofxref-daily.xml').length;

    const early = await ingestNordPoolJob(deps(t, at('13:15'), []));
    // Saturday: the ECB publishes no rate of its own, so the file's latest day is Friday's.
    ecb = () => ({
      headers: { 'content-type': 'text/xml' },
      body: ecbXml([{ date: '2025-10-27', rates: { USD: '1.1650', NOK: '11.7' } }]),
    });
    const monday = await ingestNordPoolJob(deps(t, Date.parse('2025-10-27T16:30:00+01:00'), []));

    expect(early.rates).toEqual({ stored: [], skipped: 'the rate of 2025-10-24 is stored' });
    expect(server.to('/ecb/eurofxref-daily.xml').length - before).toBe(1);
    expect(monday.rates.stored).toEqual([{ date: '2025-10-27', base: 'EUR', quote: 'USD', rate: 1.165, source: 'ecb' }]);
    expect(await t.repos.marketData.latestFxRate('EUR', 'USD', '2025-10-27')).toMatchObject({ date: '2025-10-27', rate: 1.165 });
  });
});
