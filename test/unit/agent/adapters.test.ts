import { describe, expect, it } from 'vitest';
import { priceFeedFor, siteAdapters } from '#agent/adapters/index.ts';

describe('the agent’s live price feed', () => {
  it('is built only when the market’s credentials are all set', () => {
    expect(priceFeedFor('ERCOT', {})).toBeNull();
    expect(priceFeedFor('ERCOT', { ERCOT_USERNAME: 'u', ERCOT_PASSWORD: 'p' })).toBeNull();
    expect(priceFeedFor('ERCOT', { ERCOT_USERNAME: 'u', ERCOT_PASSWORD: 'p', ERCOT_SUBSCRIPTION_KEY: 'k' })).not.toBeNull();
    expect(priceFeedFor('PJM', {})).toBeNull();
    expect(priceFeedFor('PJM', { PJM_SUBSCRIPTION_KEY: 'k' })).not.toBeNull();
  });

  it('is none for a market without 5-minute prices: the agent follows the plan’s schedule', () => {
    expect(priceFeedFor('FIXED', { PJM_SUBSCRIPTION_KEY: 'k' })).toBeNull();
    expect(siteAdapters({}).prices('NORDPOOL')).toBeNull();
  });
});
