/** `switchyard backtest --shadow-carbon-prices`: the sweep in summary.json and report.html, and its flags' errors. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Summary } from '#app/backtest/index.ts';
import { LB_PER_TONNE } from '#domain/co2.ts';
import { backtestCommand } from '../../../local/commands/backtest.ts';
import { UsageError } from '../../../local/commands/types.ts';
import { writeCarbonBacktestInputs } from '../../support/backtest-carbon-fixture.ts';
import { cli } from '../../support/cli.ts';

let dir: string;
let files: ReturnType<typeof writeCarbonBacktestInputs>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-carbon-backtest-'));
  files = writeCarbonBacktestInputs(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const args = (over: Record<string, string | null> = {}) => {
  const flags: Record<string, string | null> = {
    sites: files.sites,
    rtm: files.rtm,
    dam: files.dam,
    btc: files.btc,
    out: join(dir, 'out'),
    ...over,
  };
  return Object.entries(flags).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v]));
};

const usage = (over: Record<string, string | null>) =>
  backtestCommand(args(over), false).then(
    () => null,
    (e: unknown) => e,
  );

describe('switchyard backtest --shadow-carbon-prices', () => {
  it('writes the sweep into summary.json: fewer tCO2 at a higher shadow price, and what each tonne avoided cost', async () => {
    const r = await backtestCommand(args({ 'shadow-carbon-prices': '0,25,50,100', intensity: files.intensity }), false);
    const written = JSON.parse(readFileSync(r.files.summary, 'utf8')) as Summary;
    const carbon = written.sites[0]!.carbon!;
    expect(carbon).toMatchObject({ intensitySource: 'intensity-csv', intervals: 288, intervalsWithIntensity: 288 });
    expect(carbon.sweep.map((s) => s.shadowPriceUsdPerTonne)).toEqual([0, 25, 50, 100]);
    const [base, , , high] = carbon.sweep as [(typeof carbon.sweep)[0], unknown, unknown, (typeof carbon.sweep)[0]];
    // At $0/t every fleet runs all the time: 150 MW × 72 h, half of it in the dirty hours.
    expect(base.mwh).toBe(150 * 72);
    expect(base.tCo2).toBeCloseTo((150 * 36 * 1_500 + 150 * 36 * 400) / LB_PER_TONNE, 1);
    // At $100/t the S19 XP fleet (≈ $87/MWh of revenue) is not worth $30 + 100 × 1,500 / 2,204.6 ≈ $98 in the dirty hours.
    // So it sleeps through the 36 dirty hours of the three days, and only then.
    expect(high.tCo2).toBeLessThan(base.tCo2);
    expect(high.avoidedMwh).toBe(70 * 36);
    expect(high.avoidedTCo2).toBeCloseTo((70 * 36 * 1_500) / LB_PER_TONNE, 2);
    expect(high.avoidedTCo2).toBeCloseTo(base.tCo2 - high.tCo2, 2);
    expect(high.netMarginUsd).toBeLessThan(base.netMarginUsd);
    expect(high.usdPerTonneAvoided).toBeCloseTo((base.netMarginUsd - high.netMarginUsd) / high.avoidedTCo2, 0);
    expect(high.mwhPerTonneAvoided).toBeCloseTo(high.avoidedMwh / high.avoidedTCo2, 2);
    // Every avoided MWh was a dirty one (1,500 lb): 2,204.6 / 1,500 ≈ 1.47 MWh per tonne.
    expect(high.mwhPerTonneAvoided!).toBeCloseTo(LB_PER_TONNE / 1_500, 2);
    // At $25 and $50/t the S19 XP's margin still covers the carbon: nothing is avoided, and the tonne costs nothing.
    expect(carbon.sweep.slice(1, 3).map((s) => [s.tCo2, s.usdPerTonneAvoided])).toEqual([
      [base.tCo2, null],
      [base.tCo2, null],
    ]);
    expect(base.avoidedTCo2).toBe(0);
    // The report has the chart and a row per price.
    const html = readFileSync(r.files.html, 'utf8');
    expect(html).toContain('<h3>Carbon trade-off</h3>');
    expect(html.match(/class="sweep-point"/g)).toHaveLength(4);
    expect(html.match(/<tr><td>\d+<\/td>/g)?.length).toBeGreaterThanOrEqual(4);
  }, 120_000);

  it('adds the $0/t baseline when it is not given, and sorts the prices', async () => {
    const r = await backtestCommand(args({ 'shadow-carbon-prices': '100, 50', intensity: files.intensity }), false);
    expect(r.summary.sites[0]!.carbon!.sweep.map((s) => s.shadowPriceUsdPerTonne)).toEqual([0, 50, 100]);
  }, 120_000);

  it('leaves summary.json without a carbon part when the flag is absent', async () => {
    const r = await backtestCommand(args(), false);
    expect(r.summary.sites[0]!.carbon).toBeUndefined();
    expect(readFileSync(r.files.html, 'utf8')).not.toContain('Carbon trade-off');
  }, 120_000);

  it.each([
    ['a word', 'abc', '"abc"'],
    ['a negative price', '0,-25', '"-25"'],
    ['an empty entry', '0,,50', '""'],
    ['a price above $10,000/t', '0,20000', '"20000"'],
  ])('refuses %s in --shadow-carbon-prices, naming the flag and the value', async (_what, value, named) => {
    const err = await usage({ 'shadow-carbon-prices': value, intensity: files.intensity });
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--shadow-carbon-prices must be a comma-separated list of \$\/tCO2/);
    expect((err as Error).message).toContain(named);
  });

  it('asks for the intensity, and names the line and column of a bad intensity row', async () => {
    const none = await usage({ 'shadow-carbon-prices': '0,50' });
    expect((none as Error).message).toMatch(/--shadow-carbon-prices needs the grid intensity: give --intensity <csv> or --fuel-mix/);
    const alone = await usage({ intensity: files.intensity });
    expect((alone as Error).message).toMatch(/^--intensity is the grid intensity of --shadow-carbon-prices/);
    const bad = join(dir, 'bad-intensity.csv');
    writeFileSync(bad, 'interval_start_utc,lb_co2_per_mwh\n2024-07-01T05:00:00Z,400\n2024-07-01T05:15:00Z,lots\n');
    const row = await usage({ 'shadow-carbon-prices': '0,50', intensity: bad });
    expect((row as Error).message).toBe(`--intensity ${bad}: line 3, lb_co2_per_mwh: "lots" is not a number from 0 to 5000`);
    const outside = join(dir, 'elsewhere.csv');
    writeFileSync(outside, 'interval_start_utc,lb_co2_per_mwh\n2023-01-01T00:00:00Z,400\n');
    const none2 = await usage({ 'shadow-carbon-prices': '0,50', intensity: outside });
    expect((none2 as Error).message).toBe('the intensity series (intensity-csv) covers none of the backtest window');
  });

  it('as a command: a bad value exits 2 with the flag named on stderr', async () => {
    const r = await cli(['backtest', ...args({ 'shadow-carbon-prices': '0,cheap', intensity: files.intensity })], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('switchyard backtest: --shadow-carbon-prices must be a comma-separated list');
    expect(r.stderr).toContain('"cheap"');
  }, 60_000);
});
