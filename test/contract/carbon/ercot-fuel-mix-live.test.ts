/** The ERCOT fuel-mix dashboard feed against a loopback server speaking the dashboard's JSON. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ERCOT_FUEL_MIX_LIVE_PATH,
  ErcotFuelMixLiveFeed,
  liveQuarterHours,
  parseDashboardTime,
  parseErcotFuelMixLive,
} from '#adapters/feeds/ercot-fuel-mix-live.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import { ERCOT_LIVE_DEFAULT_EMISSION_FACTORS, intensityByInterval } from '#domain/carbon.ts';
import { ValidationError } from '#domain/errors.ts';
import { fastHttp, type Loopback, loopback } from '../loopback.ts';

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const reading = (gas: number, wind: number, coal = 9_000) => ({
  'Coal and Lignite': { gen: coal, hsl: 13_100, seasonalCapacity: 13_705 },
  'Natural Gas': { gen: gas, hsl: 40_000, seasonalCapacity: 68_441 },
  Wind: { gen: wind, hsl: 20_000, seasonalCapacity: 40_588 },
  'Power Storage': { gen: -300, hsl: 5_000, seasonalCapacity: 16_866 },
});

/** Two days as the dashboard serves them: local stamps with offsets, a few seconds off the 5-minute ticks. */
const BODY = {
  lastUpdated: '2024-11-03 01:31:00-0600',
  monthlyCapacity: { 'Coal and Lignite': 13_705, 'Natural Gas': 68_441, Wind: 40_588, 'Power Storage': 16_866 },
  data: {
    '2024-11-02': {
      '2024-11-02 23:55:09-0500': reading(30_000, 10_000),
    },
    '2024-11-03': {
      '2024-11-03 00:00:10-0500': reading(31_000, 10_000),
      '2024-11-03 00:05:11-0500': reading(32_000, 11_000),
      '2024-11-03 00:09:52-0500': reading(33_000, 12_000),
      // The fall-back hour: 01:00 CDT and then 01:00 CST, told apart by their offsets.
      '2024-11-03 01:00:12-0500': reading(20_000, 20_000),
      '2024-11-03 01:00:08-0600': reading(21_000, 21_000),
    },
  },
};

describe('ERCOT fuel-mix dashboard feed', () => {
  it('reads every fuel of every reading at its instant in UTC, rounded to the minute', async () => {
    server = await loopback({ [ERCOT_FUEL_MIX_LIVE_PATH]: () => ({ body: BODY }) });
    const mix = await new ErcotFuelMixLiveFeed({ baseUrl: server.url, http: fastHttp().http }).fetch();
    expect(server.to(ERCOT_FUEL_MIX_LIVE_PATH)).toHaveLength(1);
    expect(new Date(mix.lastUpdatedMs).toISOString()).toBe('2024-11-03T07:31:00.000Z');
    const times = [...new Set(mix.points.map((p) => new Date(p.atMs).toISOString()))];
    expect(times).toEqual([
      '2024-11-03T04:55:00.000Z',
      '2024-11-03T05:00:00.000Z',
      '2024-11-03T05:05:00.000Z',
      '2024-11-03T05:10:00.000Z',
      '2024-11-03T06:00:00.000Z',
      '2024-11-03T07:00:00.000Z',
    ]);
    expect(mix.points.slice(0, 4).map((p) => [p.fuel, p.mw])).toEqual([
      ['Coal and Lignite', 9_000],
      ['Power Storage', -300],
      ['Wind', 10_000],
      ['Natural Gas', 30_000],
    ]);
    expect(mix.points).toHaveLength(24);
  });

  it('gives an intensity per reading with the live defaults (gas blended, storage left out)', () => {
    const mix = parseErcotFuelMixLive(BODY);
    const [first] = intensityByInterval(
      mix.points.map((p) => ({ intervalStartMs: p.atMs, fuel: p.fuel, mwh: p.mw })),
      ERCOT_LIVE_DEFAULT_EMISSION_FACTORS,
    );
    // (9,000 × 2,200 + 30,000 × 920 + 10,000 × 0) / 49,000, by hand: 967.3469…
    expect(first!.lbCo2PerMwh).toBeCloseTo(47_400_000 / 49_000, 9);
  });

  it('averages the 5-minute readings into quarter-hour MWh', () => {
    const gas = liveQuarterHours(parseErcotFuelMixLive(BODY).points).filter((q) => q.fuel === 'Natural Gas');
    expect(gas.map((q) => [new Date(q.intervalStartMs).toISOString(), q.mwh, q.readings])).toEqual([
      ['2024-11-03T04:45:00.000Z', 30_000 / 4, 1],
      ['2024-11-03T05:00:00.000Z', (31_000 + 32_000 + 33_000) / 3 / 4, 3],
      ['2024-11-03T06:00:00.000Z', 20_000 / 4, 1],
      ['2024-11-03T07:00:00.000Z', 21_000 / 4, 1],
    ]);
  });

  it('retries a 503 and then reads the body', async () => {
    server = await loopback({ [ERCOT_FUEL_MIX_LIVE_PATH]: (_r, n) => (n === 1 ? { status: 503, body: 'busy' } : { body: BODY }) });
    const { http, waits } = fastHttp();
    const mix = await new ErcotFuelMixLiveFeed({ baseUrl: server.url, http }).fetch();
    expect([mix.points.length, waits.length]).toEqual([24, 1]);
  });

  it('refuses a reading without gen, naming where it is', async () => {
    const bad = { ...BODY, data: { '2024-11-03': { '2024-11-03 00:00:10-0500': { Wind: { hsl: 1 } } } } };
    server = await loopback({ [ERCOT_FUEL_MIX_LIVE_PATH]: () => ({ body: bad }) });
    const err = await new ErcotFuelMixLiveFeed({ baseUrl: server.url, http: fastHttp().http }).fetch().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toMatch(/unexpected response shape: data\.2024-11-03\.2024-11-03 00:00:10-0500\.Wind\.gen: /);
  });

  it('refuses a timestamp it cannot place, naming it', async () => {
    const bad = { ...BODY, data: { '2024-11-03': { '11/03/2024 00:00': reading(1, 1) } } };
    server = await loopback({ [ERCOT_FUEL_MIX_LIVE_PATH]: () => ({ body: bad }) });
    await expect(new ErcotFuelMixLiveFeed({ baseUrl: server.url, http: fastHttp().http }).fetch()).rejects.toThrow(
      /: data\.2024-11-03\.11\/03\/2024 00:00: expected "YYYY-MM-DD HH:MM:SS-0600", got "11\/03\/2024 00:00"$/,
    );
  });
});

describe('parseDashboardTime', () => {
  it.each([
    ['2024-07-01 09:30:12-0500', '2024-07-01T14:30:12.000Z'],
    ['2024-01-15 14:00:00-06:00', '2024-01-15T20:00:00.000Z'],
    // Without an offset, the wall clock is Central time.
    ['2024-07-01 09:30:00', '2024-07-01T14:30:00.000Z'],
    ['2024-01-15 09:30:00', '2024-01-15T15:30:00.000Z'],
  ])('%s is %s', (text, expected) => expect(new Date(parseDashboardTime(text) as number).toISOString()).toBe(expected));

  it.each([
    ['2024-11-03 01:30:00', /repeated fall-back hour/],
    ['2024-03-10 02:30:00', /does not exist in Central time/],
    ['2024-02-30 10:00:00-0600', /is not a valid time/],
    ['yesterday', /^expected "YYYY-MM-DD/],
  ])('refuses %s', (text, reason) => expect(parseDashboardTime(text)).toMatch(reason));

  it('a body whose lastUpdated cannot be read is a ValidationError on that field', () => {
    expect(() => parseErcotFuelMixLive({ ...BODY, lastUpdated: 'soon' })).toThrow(ValidationError);
    expect(() => parseErcotFuelMixLive({ ...BODY, lastUpdated: 'soon' })).toThrow(/lastUpdated: expected/);
  });
});
