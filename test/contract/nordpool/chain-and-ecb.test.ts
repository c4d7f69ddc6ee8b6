/** The day-ahead chain (Nord Pool, then ENTSO-E) and the ECB files, against loopback servers in the providers' formats. */
import { afterEach, describe, expect, it } from 'vitest';
import { fetchDayAhead } from '#adapters/feeds/day-ahead-chain.ts';
import { EcbRatesClient, rateOn } from '#adapters/feeds/ecb-fx.ts';
import { EntsoeDayAheadClient } from '#adapters/feeds/entsoe.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import { NordPoolDayAheadClient } from '#adapters/feeds/nordpool.ts';
import { a44, acknowledgement, ecbXml, fixture, fullDay, nordPoolDay } from '../../unit/nordpool/fixtures.ts';
import { fastHttp, type Handler, type Loopback, loopback } from '../loopback.ts';

const DAY = '2025-10-26';
const xml = (body: string, status = 200) => ({ status, headers: { 'content-type': 'text/xml' }, body });
const entsoeDay: Handler = () => xml(a44([{ periods: [fullDay(DAY, 15, (i) => 100 + i)] }]));

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function chain(nordpool: Handler, entsoe: Handler = entsoeDay) {
  server = await loopback({ '/api/DayAheadPrices': nordpool, '/entsoe/api': entsoe });
  const http = fastHttp({ maxAttempts: 2 }).http;
  return [
    new NordPoolDayAheadClient({ baseUrl: server.url, http }),
    new EntsoeDayAheadClient({ baseUrl: `${server.url}/entsoe/api`, securityToken: 'tok', http }),
  ];
}

describe('the day-ahead chain', () => {
  it('takes Nord Pool’s answer and tags it', async () => {
    const sources = await chain(() => ({ body: nordPoolDay({ day: DAY, minutes: 15, price: () => 7 }) }));
    const r = await fetchDayAhead(sources, DAY, 'NO3');
    expect(r).toMatchObject({ status: 'published', source: 'nordpool', failed: [] });
    expect(r.status === 'published' && r.day.prices.length).toBe(100);
    expect(server!.to('/entsoe/api')).toHaveLength(0);
  });

  it('stops at Nord Pool’s 204: not published yet, and ENTSO-E is not asked', async () => {
    const sources = await chain(() => ({ status: 204, body: '' }));
    expect(await fetchDayAhead(sources, DAY, 'NO3')).toMatchObject({ status: 'not-published', source: 'nordpool', failed: [] });
    expect(server!.to('/entsoe/api')).toHaveLength(0);
  });

  it('falls back to ENTSO-E when Nord Pool fails, saying why', async () => {
    const sources = await chain(() => ({ status: 503, body: 'Service Unavailable' }));
    const r = await fetchDayAhead(sources, DAY, 'NO3');
    const failed = [{ source: 'nordpool', message: expect.stringMatching(/HTTP 503 after 2 attempts/) }];
    expect(r).toMatchObject({ status: 'published', source: 'entsoe', failed });
    expect(r.status === 'published' && [r.day.prices.length, r.day.prices[0]!.price]).toEqual([100, 100]);
  });

  it('falls back to ENTSO-E when Nord Pool answers something unusable', async () => {
    const bad = nordPoolDay({ day: DAY, minutes: 15 });
    bad.multiAreaEntries.pop();
    const r = await fetchDayAhead(await chain(() => ({ body: bad })), DAY, 'NO3');
    const failed = [{ source: 'nordpool', message: expect.stringMatching(/unusable answer/) }];
    expect(r).toMatchObject({ status: 'published', source: 'entsoe', failed });
  });

  it('passes on ENTSO-E’s "not published" after a Nord Pool failure', async () => {
    const sources = await chain(
      () => ({ status: 500, body: '' }),
      () => xml(acknowledgement('999', 'No matching data found for Data item Day-ahead Prices [12.1.D]')),
    );
    const r = await fetchDayAhead(sources, DAY, 'NO3');
    expect(r).toMatchObject({ status: 'not-published', source: 'entsoe', failed: [{ source: 'nordpool' }] });
  });

  it('fails naming both sources when both fail', async () => {
    const sources = await chain(
      () => ({ status: 400, body: { message: 'bad request' } }),
      () => xml('<html>Bad Gateway</html>', 502),
    );
    const err = await fetchDayAhead(sources, DAY, 'NO3').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as Error).message).toMatch(
      /^day-ahead NO3 2025-10-26: every source failed \(nordpool: .*HTTP 400.*; entsoe: .*HTTP 502 after 2 attempts\)$/,
    );
  });
});

describe('ECB reference rates over HTTP', () => {
  it('reads the daily and the history file', async () => {
    server = await loopback({
      '/stats/eurofxref/eurofxref-daily.xml': () => xml(ecbXml([{ date: '2025-10-24', rates: { USD: '1.1620', NOK: '11.6840' } }])),
      '/stats/eurofxref/eurofxref-hist.xml': () => xml(fixture('eurofxref-hist-easter-2024.xml')),
    });
    const ecb = new EcbRatesClient({
      dailyUrl: `${server.url}/stats/eurofxref/eurofxref-daily.xml`,
      historyUrl: `${server.url}/stats/eurofxref/eurofxref-hist.xml`,
      http: fastHttp().http,
    });
    expect(await ecb.daily()).toEqual([{ date: '2025-10-24', perEur: { USD: 1.162, NOK: 11.684 } }]);
    expect(rateOn(await ecb.history(), '2024-03-29')).toEqual({ rate: 1.0811, publishedFor: '2024-03-28' });
  });

  it('fails on a 404 and on a broken file, naming the line', async () => {
    server = await loopback({ '/broken.xml': () => xml(ecbXml([{ date: '2025-10-24', rates: { USD: 'x' } }])) });
    const http = fastHttp().http;
    await expect(new EcbRatesClient({ dailyUrl: `${server.url}/missing.xml`, http }).daily()).rejects.toMatchObject({ status: 404 });
    const broken = new EcbRatesClient({ dailyUrl: `${server.url}/broken.xml`, http });
    await expect(broken.daily()).rejects.toThrow(/line 9: Cube\/Cube\[1\]\/Cube\[1\]\/@rate: USD: "x"/);
  });
});
