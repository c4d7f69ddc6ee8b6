import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { backtestCommand } from '../../../local/commands/backtest.ts';
import { UsageError } from '../../../local/commands/types.ts';

let dir: string;
const path = (name: string) => join(dir, name);

/** Three operating days (2024-07-01..03) in the published MIS and network layouts. */
function writeInputs(): void {
  const rt = ['DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag'];
  const dam = ['DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag'];
  for (const d of ['01', '02', '03']) {
    for (let he = 1; he <= 24; he++) {
      for (let q = 1; q <= 4; q++) rt.push(`07/${d}/2024,${he},${q},HB_HUBAVG,SH,${he === 20 && q < 4 ? 1500 : 20 + he},N`);
      dam.push(`07/${d}/2024,${String(he).padStart(2, '0')}:00,HB_HUBAVG,${25 + he},N`);
    }
  }
  const btc = ['date,price_usd,hashrate_ths,fees_btc,issuance_btc,blocks'];
  for (let day = 20; day <= 30; day++) btc.push(`2024-06-${day},60000,600000000,10,450,144`);
  for (const d of ['01', '02', '03']) btc.push(`2024-07-${d},60000,600000000,10,450,144`);
  writeFileSync(path('rtm.csv'), `${rt.join('\n')}\n`);
  writeFileSync(path('dam.csv'), `${dam.join('\n')}\n`);
  writeFileSync(path('btc.csv'), `${btc.join('\n')}\n`);
  writeFileSync(path('sites.json'), readFileSync(new URL('../../../examples/backtest-two-fleet.json', import.meta.url)));
}

const args = (over: Record<string, string | null> = {}) => {
  const flags: Record<string, string | null> = {
    sites: path('sites.json'),
    rtm: path('rtm.csv'),
    dam: path('dam.csv'),
    btc: path('btc.csv'),
    out: path('out'),
    ...over,
  };
  return Object.entries(flags).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v]));
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-backtest-'));
  writeInputs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** NP6-788-CD: three SCED runs per quarter-hour of the three days; one run spikes in HE 19 of July 2. */
function writeRtm5(): void {
  const rows = ['SCEDTimestamp,RepeatedHourFlag,SettlementPoint,LMP'];
  for (const d of ['01', '02', '03']) {
    for (let h = 0; h < 24; h++) {
      for (let m = 0; m < 60; m += 5) {
        const at = `07/${d}/2024 ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:12`;
        rows.push(`${at},N,HB_HUBAVG,${d === '02' && h === 18 && m === 20 ? 2500 : 20 + h}`);
        rows.push(`${at},N,HB_WEST,${10 + h}`);
      }
    }
  }
  writeFileSync(path('rtm5.csv'), `${rows.join('\n')}\n`);
}

describe('switchyard backtest', () => {
  it('carries the thresholds out against 5-minute LMPs given with --rtm5, and then labels no policy an upper bound', async () => {
    writeRtm5();
    const without = await backtestCommand(args({ from: '2024-07-02', to: '2024-07-03' }), false);
    const withRt5 = await backtestCommand(args({ from: '2024-07-02', to: '2024-07-03', rtm5: path('rtm5.csv') }), false);
    const a = without.summary.sites[0]!.policies;
    const b = withRt5.summary.sites[0]!.policies;
    expect(a.engine_price_responsive!.upperBound).toBe(true);
    expect(b.engine_price_responsive!.upperBound).toBeUndefined();
    expect(b.engine_dispatched!.upperBound).toBeUndefined();
    // The scheduled engine does not read 5-minute prices; the executed policies answer them.
    expect(b.engine!.netMarginUsd).toBe(a.engine!.netMarginUsd);
    expect(b.engine_dispatched!.netMarginUsd).not.toBe(a.engine_dispatched!.netMarginUsd);
  });

  it('writes summary.json, intervals.csv and report.html for the window of local days asked for', async () => {
    const r = await backtestCommand(args({ from: '2024-07-02', to: '2024-07-04' }), false);
    expect(r.summary.from).toBe('2024-07-02T05:00:00.000Z');
    expect(r.summary.to).toBe('2024-07-04T05:00:00.000Z');
    expect(r.summary.sites[0]!.intervals).toBe(192);
    for (const f of Object.values(r.files)) expect(existsSync(f)).toBe(true);
    expect(JSON.parse(readFileSync(r.files.summary, 'utf8'))).toEqual(JSON.parse(JSON.stringify(r.summary)));
    expect(readFileSync(r.files.csv, 'utf8').trimEnd().split('\n')).toHaveLength(1 + 2 * 192);
  });

  it.each([
    [{ out: null }, /--out is required/],
    [{ rtm: '/nonexistent/rtm.csv' }, /--rtm \/nonexistent\/rtm.csv: file not found/],
    [{ from: '2024-07-03', to: '2024-07-02' }, /--to must be after --from/],
    [{ from: 'yesterday' }, /--from must be a day/],
    [{ forecaster: 'oracle' }, /--forecaster must be one of spike-persistence, last-price/],
    [{ 'price-lag-minutes': '1.5' }, /--price-lag-minutes must be a whole number from 0/],
    [{ 'reaction-lag-sced': 'soon' }, /--reaction-lag-sced must be a whole number from 0/],
    [{ rtm5: '/nonexistent/np6-788.csv' }, /--rtm5 \/nonexistent\/np6-788.csv: file not found/],
    [{ 'walk-forward': 'weekly' }, /--walk-forward must be one of monthly/],
    [{ 'walk-forward': 'monthly', forecaster: 'last-price' }, /--walk-forward refits the spike-persistence forecaster/],
  ])('rejects bad flags with a usage error naming the flag (%o)', async (over, message) => {
    const err = await backtestCommand(args(over), false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  });

  it('takes the settlement-price lag and the reaction lag from their flags into the summary', async () => {
    const r = await backtestCommand(args({ 'price-lag-minutes': '0', 'reaction-lag-sced': '2' }), false);
    expect(r.summary.timing).toEqual({ priceLagMinutes: 0, lmpLagMinutes: 1, reactionLagSced: 2 });
    const late = await backtestCommand(args({ 'price-lag-minutes': '20' }), false);
    expect(late.summary.timing.priceLagMinutes).toBe(20);
    // Knowing prices later cannot help the scheduled engine here (spikes last three intervals).
    expect(late.summary.sites[0]!.captureRatio.engine!).toBeLessThan(r.summary.sites[0]!.captureRatio.engine!);
  });

  it('with --walk-forward monthly, lists each month of the window and what its fit could use; compares with the last price', async () => {
    const r = await backtestCommand(args({ from: '2024-07-02', 'walk-forward': 'monthly' }), false);
    expect(r.summary.forecaster).toBe('spike-persistence (walk-forward monthly)');
    // The files hold one day before the window: too little to fit on, so July runs on the last price.
    expect(r.summary.walkForward).toEqual([{ month: '2024-07', fitFrom: null, fitTo: null, fitIntervals: 0, params: expect.any(Object) }]);
    expect(r.summary.sites[0]!.captureVsLastPrice!.engine).toEqual({ delta: 0, low: 0, high: 0 });
    expect(readFileSync(r.files.html, 'utf8')).toContain('walk-forward-note');
  });

  it('rejects an unknown flag', async () => {
    await expect(backtestCommand([...args(), '--speed', 'fast'], false)).rejects.toThrow(/--speed/);
  });

  it('names the flag, file, line and field of a bad row', async () => {
    const bad = readFileSync(path('dam.csv'), 'utf8').replace('07/01/2024,03:00,HB_HUBAVG,28', '07/01/2024,03:00,HB_HUBAVG,twenty');
    writeFileSync(path('bad-dam.csv'), bad);
    const err = await backtestCommand(args({ dam: path('bad-dam.csv') }), false).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/--dam .*bad-dam\.csv: ERCOT DAM CSV, line 4: SettlementPointPrice/);
  });

  it('asks for the load files when a site has 4CP enabled', async () => {
    const sites = JSON.parse(readFileSync(path('sites.json'), 'utf8'));
    sites.sites[0].fourCp = { enabled: true, rateUsdPerKwYear: 60 };
    writeFileSync(path('sites-4cp.json'), JSON.stringify(sites));
    await expect(backtestCommand(args({ sites: path('sites-4cp.json') }), false)).rejects.toThrow(
      /4CP enabled: give --load .* and --load-forecast/,
    );
  });
});
