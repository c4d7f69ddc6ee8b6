/** The ENTSO-E Transparency Platform client against a loopback server that answers as the platform does. */
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSecretClients, SettingsReader } from '#adapters/feeds/credentials.ts';
import { EntsoeDayAheadClient, entsoeFromSettings } from '#adapters/feeds/entsoe.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import { a44, acknowledgement, fixture, fullDay } from '../../unit/nordpool/fixtures.ts';
import { fastHttp, type Handler, type Loopback, loopback } from '../loopback.ts';

const TOKEN = 'a1b2c3d4-0000-4e5f-8a9b-5ecre7t0ken1';
const xml = (body: string, status = 200) => ({ status, headers: { 'content-type': 'text/xml' }, body });
let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function client(handler: Handler, http = fastHttp().http) {
  server = await loopback({ '/api': handler });
  return new EntsoeDayAheadClient({ baseUrl: `${server.url}/api`, securityToken: TOKEN, http });
}

describe('ENTSO-E A44 over HTTP', () => {
  it('asks for the CET delivery day of NO3 by its EIC and reads 100 quarter-hours with A03 gaps', async () => {
    const entsoe = await client(() => xml(fixture('entsoe-A44-NO3-2025-10-26-A03.xml')));
    const result = await entsoe.fetchDay('2025-10-26', 'NO3');
    expect(Object.fromEntries(server!.to('/api')[0]!.query)).toEqual({
      securityToken: TOKEN,
      documentType: 'A44',
      in_Domain: '10YNO-3--------J',
      out_Domain: '10YNO-3--------J',
      periodStart: '202510252200',
      periodEnd: '202510262300',
    });
    if (result.status !== 'published') throw new Error('expected a result');
    expect(result.day).toMatchObject({ area: 'NO3', currency: 'EUR', intervalMinutes: 15, revision: { version: 1, state: 'Final' } });
    expect(result.day.prices).toHaveLength(100);
    expect(result.day.prices[2]!.price).toBe(50);
  });

  it('reads the 92 quarter-hours of 2026-03-29 and the 23 hours of 2025-03-30', async () => {
    const entsoe = await client((r) =>
      xml(
        r.query.get('periodStart') === '202603282300'
          ? a44([{ periods: [fullDay('2026-03-29', 15, (i) => i)] }])
          : a44([{ periods: [fullDay('2025-03-30', 60, (i) => i)] }]),
      ),
    );
    const spring26 = await entsoe.fetchDay('2026-03-29', 'NO3');
    const spring25 = await entsoe.fetchDay('2025-03-30', 'NO3');
    expect(spring26.status === 'published' && spring26.day.prices.length).toBe(92);
    expect(spring25.status === 'published' && [spring25.day.prices.length, spring25.day.intervalMinutes]).toEqual([23, 60]);
  });

  it('treats "No matching data found" as not published, with HTTP 200 or 400', async () => {
    const ack = acknowledgement('999', 'No matching data found for Data item Day-ahead Prices [12.1.D] (10YNO-3--------J).');
    for (const status of [200, 400]) {
      const entsoe = await client(() => xml(ack, status));
      const result = await entsoe.fetchDay('2025-11-04', 'NO3');
      expect(result).toMatchObject({ status: 'not-published', detail: expect.stringMatching(/No matching data found/) });
      await server!.close();
      server = undefined;
    }
  });

  it('fails on any other acknowledgement, with its reason', async () => {
    const entsoe = await client(() => xml(acknowledgement('999', 'The amount of requested data exceeds allowed limit.'), 400));
    await expect(entsoe.fetchDay('2025-11-04', 'NO3')).rejects.toThrow(
      /HTTP 400, acknowledgement 999: The amount of requested data exceeds allowed limit/,
    );
  });

  it('fails on a publication that misses part of the day', async () => {
    const period = fullDay('2025-11-04', 15, () => 1);
    const short = { ...period, end: '2025-11-04T22:00Z', points: period.points.slice(0, 92) };
    const entsoe = await client(() => xml(a44([{ periods: [short] }])));
    await expect(entsoe.fetchDay('2025-11-04', 'NO3')).rejects.toThrow(
      /92 intervals of 15 minutes end at 2025-11-04T22:00:00.000Z, the day at 2025-11-04T23:00:00.000Z/,
    );
  });

  it('retries a 503', async () => {
    const { http, waits } = fastHttp();
    const day = a44([{ periods: [fullDay('2025-11-04', 15, () => 1)] }]);
    const entsoe = await client((_r, n) => (n === 1 ? xml('<html>Service Unavailable</html>', 503) : xml(day)), http);
    expect((await entsoe.fetchDay('2025-11-04', 'NO3')).status).toBe('published');
    expect(waits).toHaveLength(1);
  });

  describe('the security token', () => {
    const echoes: [string, Handler][] = [
      ['a 401 that echoes the query', (r) => ({ status: 401, body: `<html>Unauthorized: ${r.query.toString()} token=${TOKEN}</html>` })],
      ['an acknowledgement that names it', () => xml(acknowledgement('999', `Invalid security token ${TOKEN}`), 401)],
      ['repeated 503s', (r) => xml(`<html>busy ${r.query.get('securityToken')}</html>`, 503)],
      ['an unusable body', () => xml(`<Publication_MarketDocument><type>${TOKEN}</type></Publication_MarketDocument>`)],
    ];
    for (const [name, handler] of echoes) {
      it(`never appears in the error for ${name}`, async () => {
        const entsoe = await client(handler, fastHttp({ maxAttempts: 2 }).http);
        const err = await entsoe.fetchDay('2025-11-04', 'NO3').catch((e: unknown) => e);
        expect(server!.to('/api')[0]!.query.get('securityToken')).toBe(TOKEN);
        expect(err).toBeInstanceOf(FeedError);
        const all = JSON.stringify({ message: (err as Error).message, stack: (err as Error).stack, ...(err as object) });
        expect(all).not.toContain(TOKEN);
        expect(all).not.toContain(encodeURIComponent(TOKEN));
        expect(all).toContain('***');
      });
    }

    it('is read from the ENTSOE_SECURITY_TOKEN setting when first needed', async () => {
      server = await loopback({ '/api': () => xml(a44([{ periods: [fullDay('2025-11-04', 15, () => 1)] }])) });
      const settings = new SettingsReader({ ENTSOE_SECURITY_TOKEN: TOKEN }, defaultSecretClients());
      const entsoe = entsoeFromSettings(settings, { baseUrl: `${server.url}/api`, http: fastHttp().http });
      expect((await entsoe.fetchDay('2025-11-04', 'NO3')).status).toBe('published');
      expect(server.to('/api')[0]!.query.get('securityToken')).toBe(TOKEN);
    });

    it('missing, fails before any request with a message that names the setting', async () => {
      server = await loopback({});
      const entsoe = entsoeFromSettings(new SettingsReader({}, defaultSecretClients()), { baseUrl: `${server.url}/api` });
      await expect(entsoe.fetchDay('2025-11-04', 'NO3')).rejects.toThrow(/ENTSOE_SECURITY_TOKEN is not configured/);
      expect(server.requests).toHaveLength(0);
    });
  });
});
