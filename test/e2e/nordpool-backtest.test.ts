/**
 * `switchyard backtest` for a NORDPOOL site through the CLI, with hand-made files in the providers'
 * formats (test/e2e/fixtures/nordpool-backtest): delivery day 2025-10-25 (96 quarter-hours) as Nord
 * Pool DayAheadPrices JSON and 2025-10-26 (the autumn DST change, 100 quarter-hours) as an ENTSO-E A44
 * document, converted to USD at a fixed rate or at the ECB reference rate known at each day's start.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../support/cli.ts';

const fixture = (name: string) => join('test/e2e/fixtures/nordpool-backtest', name);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-np-backtest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface NordPoolSummary {
  nordpool: { prices: { area: string; days: { deliveryDay: string; source: string; intervals: number }[] }; fx: Record<string, unknown> };
  sites: { siteId: string; intervals: number; policies: { always_on: { energyCostUsd: number; runIntervals: number } } }[];
}

async function backtest(out: string, extra: string[] = []) {
  const args = ['backtest', '--sites', fixture('sites.json'), '--btc', fixture('btc.csv'), '--out', join(dir, out)];
  const prices = ['--nordpool-json', fixture('nordpool-NO3-2025-10-25.json'), '--entsoe-xml', fixture('entsoe-A44-NO3-2025-10-26-A03.xml')];
  const r = await cli([...args, ...prices, ...extra], {}, 120_000);
  const file = join(dir, out, 'summary.json');
  return { ...r, summary: existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as NordPoolSummary) : undefined };
}

describe('switchyard backtest for a NORDPOOL site', () => {
  let fixed: Awaited<ReturnType<typeof backtest>>;

  it('decides every quarter-hour of both days, the 100 of the DST day included, at the default fixed rate, and says so', async () => {
    fixed = await backtest('default');

    expect(fixed.code, fixed.stderr).toBe(0);
    const s = fixed.summary!;
    expect(s.nordpool.prices.days).toEqual([
      expect.objectContaining({ deliveryDay: '2025-10-25', source: 'nordpool-json', intervals: 96 }),
      expect.objectContaining({ deliveryDay: '2025-10-26', source: 'entsoe-xml', intervals: 100 }),
    ]);
    expect(s.sites[0]).toMatchObject({ siteId: 'tydal', intervals: 196 });
    expect(s.sites[0]!.policies.always_on.runIntervals).toBe(196);
    expect(s.nordpool.fx).toEqual({ source: 'fixed', eurUsd: 1.08, from: 'default' });
    expect(fixed.stdout).toContain('EUR→USD: fixed 1.08 (the default');
  }, 150_000);

  it('converts with --eur-usd: the always-on energy cost scales with the rate', async () => {
    const r = await backtest('double', ['--eur-usd', '2.16']);

    expect(r.code, r.stderr).toBe(0);
    expect(r.summary!.nordpool.fx).toEqual({ source: 'fixed', eurUsd: 2.16, from: '--eur-usd' });
    const [a, b] = [fixed.summary!, r.summary!].map((s) => s.sites[0]!.policies.always_on.energyCostUsd);
    expect(b! / a!).toBeCloseTo(2, 5);
    expect(r.stdout).toContain('EUR→USD: fixed 2.16 (--eur-usd)');
  }, 150_000);

  it('converts each day with the ECB rate out at its start: Friday 24 October for both, not a later one', async () => {
    const r = await backtest('ecb', ['--ecb-fx-xml', fixture('eurofxref-hist.xml')]);

    expect(r.code, r.stderr).toBe(0);
    expect(r.summary!.nordpool.fx).toEqual({
      source: 'ecb-fx-xml',
      file: fixture('eurofxref-hist.xml'),
      days: [
        { deliveryDay: '2025-10-25', rateDay: '2025-10-24', eurUsd: 1.162 },
        { deliveryDay: '2025-10-26', rateDay: '2025-10-24', eurUsd: 1.162 },
      ],
    });
    const [a, b] = [fixed.summary!, r.summary!].map((s) => s.sites[0]!.policies.always_on.energyCostUsd);
    expect(b! / a!).toBeCloseTo(1.162 / 1.08, 5);
    expect(r.stdout).toContain('EUR→USD: ECB reference rates from');
  }, 150_000);

  it('refuses a bad Nord Pool file, naming the flag, file, line, column and field, and writes nothing', async () => {
    const text = readFileSync(fixture('nordpool-NO3-2025-10-25.json'), 'utf8').replace('"NO3": 61.2', '"NO3": "61,2"');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, text);
    const line = text.split('\n').findIndex((l) => l.includes('"61,2"')) + 1;
    const column = text.split('\n')[line - 1]!.indexOf('"61,2"') + 1;

    const args = [
      'backtest',
      '--sites',
      fixture('sites.json'),
      '--btc',
      fixture('btc.csv'),
      '--out',
      join(dir, 'bad'),
      '--nordpool-json',
      bad,
    ];
    const r = await cli(args, {}, 120_000);

    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `--nordpool-json ${bad}: Nord Pool DayAheadPrices JSON, line ${line}, column ${column}: multiAreaEntries[24].entryPerArea.NO3`,
    );
    expect(existsSync(join(dir, 'bad'))).toBe(false);
  }, 150_000);
});
