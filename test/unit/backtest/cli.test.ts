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
  const flags: Record<string, string | null> = { sites: path('sites.json'), rtm: path('rtm.csv'), dam: path('dam.csv'), btc: path('btc.csv'), out: path('out'), ...over };
  return Object.entries(flags).flatMap(([k, v]) => (v === null ? [] : [`--${k}`, v]));
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-backtest-'));
  writeInputs();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard backtest', () => {
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
    [{ rtm5: '/tmp/np6-788.csv' }, /--rtm5 \/tmp\/np6-788.csv: reading NP6-788-CD files is not available/],
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
    await expect(backtestCommand(args({ sites: path('sites-4cp.json') }), false)).rejects.toThrow(/4CP enabled: give --load .* and --load-forecast/);
  });
});
