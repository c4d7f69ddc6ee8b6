/**
 * A small backtest fixture for the carbon sweep: three operating days (2024-07-01..03) of real-time and day-ahead prices
 * in the published MIS layouts, a network file for hashprice, the two-fleet example site, and a quarter-hourly grid
 * intensity that is dirty by day (1,500 lb/MWh, local 08:00–20:00) and clean by night (400).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DIRTY_LB = 1_500;
export const CLEAN_LB = 400;

export function writeCarbonBacktestInputs(dir: string): Record<'sites' | 'rtm' | 'dam' | 'btc' | 'intensity', string> {
  const path = (name: string) => join(dir, name);
  const rt = ['DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag'];
  const dam = ['DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag'];
  for (const d of ['01', '02', '03']) {
    for (let he = 1; he <= 24; he++) {
      for (let q = 1; q <= 4; q++) rt.push(`07/${d}/2024,${he},${q},HB_HUBAVG,SH,${30 + (he % 5)},N`);
      dam.push(`07/${d}/2024,${String(he).padStart(2, '0')}:00,HB_HUBAVG,${30 + (he % 5)},N`);
    }
  }
  const btc = ['date,price_usd,hashrate_ths,fees_btc,issuance_btc,blocks'];
  for (let day = 20; day <= 30; day++) btc.push(`2024-06-${day},60000,600000000,10,450,144`);
  for (const d of ['01', '02', '03']) btc.push(`2024-07-${d},60000,600000000,10,450,144`);
  // July in Texas is CDT (UTC−5): local 08:00–20:00 is 13:00–01:00 UTC.
  const intensity = ['interval_start_utc,lb_co2_per_mwh'];
  for (let t = Date.parse('2024-07-01T05:00:00Z'); t < Date.parse('2024-07-04T05:00:00Z'); t += 15 * 60_000) {
    const localHour = (new Date(t).getUTCHours() + 19) % 24;
    intensity.push(`${new Date(t).toISOString().replace('.000Z', 'Z')},${localHour >= 8 && localHour < 20 ? DIRTY_LB : CLEAN_LB}`);
  }
  writeFileSync(path('rtm.csv'), `${rt.join('\n')}\n`);
  writeFileSync(path('dam.csv'), `${dam.join('\n')}\n`);
  writeFileSync(path('btc.csv'), `${btc.join('\n')}\n`);
  writeFileSync(path('intensity.csv'), `${intensity.join('\n')}\n`);
  writeFileSync(path('sites.json'), readFileSync(new URL('../../examples/backtest-two-fleet.json', import.meta.url)));
  return { sites: path('sites.json'), rtm: path('rtm.csv'), dam: path('dam.csv'), btc: path('btc.csv'), intensity: path('intensity.csv') };
}
