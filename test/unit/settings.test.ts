/** Settings schemas of the functions and the local runtime: a bad value is refused naming the variable; unset means the default. */
import { describe, expect, it } from 'vitest';
import { Env as HashpriceEnv } from '#functions/ingest-hashprice/contract.ts';
import { Env as PricesEnv, Event as PricesEvent } from '#functions/ingest-prices/contract.ts';
import { Env as RunEnv } from '#functions/run-interval/contract.ts';
import { parseEnv, parseEvent } from '#functions/shared/settings.ts';
import { readConfig } from '#local/config.ts';
import { readLiveSettings } from '#local/settings.ts';
import { checkedEnvironment } from '../../infra/functions.ts';

const BASE = { TABLE_NAME: 't', EVENT_BUS_NAME: 'b', SITES_FILE: '/var/task/sites.json' };

describe('function environments', () => {
  it('apply the documented defaults when a variable is unset or empty', () => {
    expect(parseEnv(PricesEnv, BASE, 'ingest-prices').PRICE_LOOKBACK_HOURS).toBe(6);
    expect(parseEnv(HashpriceEnv, { ...BASE, HASHPRICE_LOOKBACK_DAYS: '' }, 'ingest-hashprice').HASHPRICE_LOOKBACK_DAYS).toBe(2);
    expect(parseEnv(RunEnv, { ...BASE, MAX_CATCH_UP_HOURS: '48' }, 'run-interval').MAX_CATCH_UP_HOURS).toBe(48);
  });

  it.each([
    ['MAX_CATCH_UP_HOURS', RunEnv, 'abc', 'MAX_CATCH_UP_HOURS: must be a whole number from 1 to 744 (got "abc")'],
    ['PRICE_LOOKBACK_HOURS', PricesEnv, '2.5', 'PRICE_LOOKBACK_HOURS: must be a whole number from 1 to 168 (got "2.5")'],
    ['FEED_HTTP_MAX_ATTEMPTS', PricesEnv, '0', 'FEED_HTTP_MAX_ATTEMPTS: must be a whole number from 1 to 20 (got "0")'],
    ['HASHPRICE_LOOKBACK_DAYS', HashpriceEnv, '-1', 'HASHPRICE_LOOKBACK_DAYS: must be a whole number from 0 to 366 (got "-1")'],
    ['HASHPRICE_SOURCES', HashpriceEnv, 'mempool,coinbase', 'HASHPRICE_SOURCES: unknown source "coinbase" (known: hashrateindex, mempool)'],
  ] as const)('refuse a bad %s, naming it', (name, schema, value, message) => {
    expect(() => parseEnv(schema, { ...BASE, [name]: value }, 'fn')).toThrow(`fn environment: ${message}`);
  });

  it('names a missing required variable', () => {
    const env = { EVENT_BUS_NAME: 'b', SITES_FILE: 's' };
    expect(() => parseEnv(RunEnv, env, 'run-interval')).toThrow('run-interval environment: TABLE_NAME: is required');
  });
});

describe('function events', () => {
  it('turn a backfill window into instants, and refuse half a window', () => {
    expect(parseEvent(PricesEvent, { from: '2024-07-01T05:00:00Z', to: '2024-07-02T05:00:00Z' })).toEqual({
      window: { fromMs: Date.parse('2024-07-01T05:00:00Z'), toMs: Date.parse('2024-07-02T05:00:00Z') },
    });
    expect(parseEvent(PricesEvent, undefined)).toEqual({});
    expect(() => parseEvent(PricesEvent, { from: '2024-07-01T05:00:00Z' })).toThrow('event.from needs both from and to, or neither');
    expect(() => parseEvent(PricesEvent, { from: '2024-07-01', to: '2024-07-02T05:00:00Z' })).toThrow(
      'event.from must be an ISO instant with an offset (got "2024-07-01")',
    );
  });
});

describe('the stack', () => {
  it('refuses to deploy a variable a function does not declare, or a value it would refuse', () => {
    expect(() => checkedEnvironment('run-interval', { ...BASE, MAX_CATCHUP_HOURS: '24' })).toThrow(
      'run-interval: the stack sets MAX_CATCHUP_HOURS, which functions/run-interval/contract.ts does not declare',
    );
    const prices = (timeout: string) => checkedEnvironment('ingest-prices', { ...BASE, FEED_HTTP_TIMEOUT_MS: timeout });
    expect(() => prices('10s')).toThrow(/FEED_HTTP_TIMEOUT_MS: must be a whole number/);
    expect(prices('10000')).toMatchObject({ FEED_HTTP_TIMEOUT_MS: '10000' });
  });
});

describe('local settings', () => {
  it('name a bad port or catch-up bound', () => {
    expect(() => readConfig({ PORT: 'http' })).toThrow('local environment: PORT: must be a whole number from 0 to 65535 (got "http")');
    expect(() => readConfig({ SWITCHYARD_MAX_CATCH_UP_HOURS: '0' })).toThrow(
      'SWITCHYARD_MAX_CATCH_UP_HOURS: must be a whole number from 1 to 744 (got "0")',
    );
    expect(() => readConfig({ SWITCHYARD_MARKET_DATA: 'real' })).toThrow(
      'SWITCHYARD_MARKET_DATA: must be demo, stored or live (got "real")',
    );
  });

  it("read live-feed settings with the Lambdas' names and defaults, and name missing credentials", () => {
    const creds = { ERCOT_USERNAME: 'u', ERCOT_PASSWORD: 'p', ERCOT_SUBSCRIPTION_KEY: 'k' };
    expect(readLiveSettings(creds)).toMatchObject({ PRICE_LOOKBACK_HOURS: 6, HASHPRICE_LOOKBACK_DAYS: 2 });
    expect(readLiveSettings({ ...creds, PRICE_LOOKBACK_HOURS: '12' }).PRICE_LOOKBACK_HOURS).toBe(12);
    expect(() => readLiveSettings({ ...creds, PRICE_LOOKBACK_HOURS: 'NaN' })).toThrow(
      'live feeds environment: PRICE_LOOKBACK_HOURS: must be a whole number',
    );
    expect(() => readLiveSettings({ ERCOT_USERNAME: 'u' })).toThrow(
      'ERCOT_PASSWORD: is required for live market data; ERCOT_SUBSCRIPTION_KEY: is required for live market data',
    );
  });
});
