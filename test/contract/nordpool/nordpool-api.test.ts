/** The Nord Pool Data Portal client against a loopback server that answers as the portal does. */
import { afterEach, describe, expect, it } from 'vitest';
import { compareRevisions } from '#adapters/feeds/day-ahead.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import { NordPoolDayAheadClient } from '#adapters/feeds/nordpool.ts';
import { fixture, nordPoolDay } from '../../unit/nordpool/fixtures.ts';
import { fastHttp, type Handler, type Loopback, loopback } from '../loopback.ts';

const PATH = '/api/DayAheadPrices';
let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function client(handler: Handler, http = fastHttp().http) {
  server = await loopback({ [PATH]: handler });
  return new NordPoolDayAheadClient({ baseUrl: server.url, http });
}

describe('Nord Pool DayAheadPrices over HTTP', () => {
  it('asks for the day, area and currency, and reads the 100 quarter-hours of 2025-10-26', async () => {
    const np = await client(() => ({ body: nordPoolDay({ day: '2025-10-26', minutes: 15 }) }));
    const result = await np.fetchDay('2025-10-26', 'NO3');
    const q = server!.to(PATH)[0]!.query;
    expect(Object.fromEntries(q)).toEqual({ market: 'DayAhead', date: '2025-10-26', deliveryArea: 'NO3', currency: 'EUR' });
    expect(result.status).toBe('published');
    if (result.status !== 'published') return;
    expect(result.day.prices).toHaveLength(100);
    expect(result.day).toMatchObject({ area: 'NO3', deliveryDay: '2025-10-26', currency: 'EUR', intervalMinutes: 15 });
  });

  it('reads the hourly 23-hour day 2025-03-30', async () => {
    const np = await client(() => ({ body: fixture('nordpool-NO3-NO4-2025-03-30.json') }));
    const result = await np.fetchDay('2025-03-30', 'NO3');
    expect(result.status === 'published' && result.day.prices.length).toBe(23);
  });

  it('treats 204 as not published yet, without retrying', async () => {
    const np = await client(() => ({ status: 204, body: '' }));
    expect(await np.fetchDay('2025-11-04', 'NO3')).toMatchObject({ status: 'not-published', area: 'NO3', deliveryDay: '2025-11-04' });
    expect(server!.to(PATH)).toHaveLength(1);
  });

  it('returns the preliminary result, then the final one that replaces it', async () => {
    const np = await client((_r, n) => ({
      body: nordPoolDay({
        day: '2025-11-04',
        minutes: 15,
        version: n,
        state: n === 1 ? 'Preliminary' : 'Final',
        price: (i) => (n === 1 ? 50 : 51) + i,
      }),
    }));
    const first = await np.fetchDay('2025-11-04', 'NO3');
    const second = await np.fetchDay('2025-11-04', 'NO3');
    if (first.status !== 'published' || second.status !== 'published') throw new Error('expected two results');
    expect(first.day.revision).toMatchObject({ version: 1, state: 'Preliminary' });
    expect(second.day.revision).toMatchObject({ version: 2, state: 'Final' });
    expect(compareRevisions(second.day.revision, first.day.revision)).toBeGreaterThan(0);
    expect(second.day.prices[0]!.price).toBe(51);
  });

  it('retries a 503 and then reads the answer', async () => {
    const { http, waits } = fastHttp();
    const day = nordPoolDay({ day: '2025-11-04', minutes: 15 });
    const np = await client((_r, n) => (n === 1 ? { status: 503, body: 'Service Unavailable' } : { body: day }), http);
    expect((await np.fetchDay('2025-11-04', 'NO3')).status).toBe('published');
    expect(waits).toHaveLength(1);
  });

  it('fails at once on a 400, with the status', async () => {
    const np = await client(() => ({ status: 400, body: { message: 'Invalid delivery area' } }));
    const err = await np.fetchDay('2025-11-04', 'NO9').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect(err).toMatchObject({ status: 400, message: expect.stringMatching(/HTTP 400: .*Invalid delivery area/) });
    expect(server!.to(PATH)).toHaveLength(1);
  });

  it('fails after the last attempt on repeated 500s', async () => {
    const np = await client(() => ({ status: 500, body: 'Internal Server Error' }), fastHttp({ maxAttempts: 3 }).http);
    await expect(np.fetchDay('2025-11-04', 'NO3')).rejects.toThrow(/HTTP 500 after 3 attempts/);
  });

  it('fails on an answer for another day, naming the field', async () => {
    const np = await client(() => ({ body: nordPoolDay({ day: '2025-11-03', minutes: 15 }) }));
    await expect(np.fetchDay('2025-11-04', 'NO3')).rejects.toThrow(
      /unusable answer: .*deliveryDateCET: is 2025-11-03, 2025-11-04 was asked for/,
    );
  });
});
