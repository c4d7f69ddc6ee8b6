import { describe, expect, it } from 'vitest';
import { parseAgentSettings } from '../../../agent/settings.ts';

describe('agent settings', () => {
  it('takes the documented defaults', () => {
    const settings = parseAgentSettings({ site: 'rockdale', inventory: 'inv.json' });
    expect(settings).toMatchObject({ api: 'http://127.0.0.1:3000', pollS: 5, priceS: 30, telemetryS: 30, stepMiners: 1000 });
  });

  it('names the flag of a bad value', () => {
    expect(() => parseAgentSettings({ site: 'rockdale', inventory: 'inv.json', stepMiners: '0' })).toThrow(/--step-miners: /);
    expect(() => parseAgentSettings({ site: 'rockdale', inventory: 'inv.json', api: 'ftp://x' })).toThrow(
      /--api: expected an http\(s\) URL/,
    );
    expect(() => parseAgentSettings({ inventory: 'inv.json' })).toThrow(/--site: /);
  });

  it('converts numeric flags given as text', () => {
    expect(parseAgentSettings({ site: 'a', inventory: 'i', pollS: '2.5' }).pollS).toBe(2.5);
  });
});
