/** Small files in the providers' real layouts, for the feed tests. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RTM_HEADER = 'DeliveryDate,DeliveryHour,DeliveryInterval,SettlementPointName,SettlementPointType,SettlementPointPrice,DSTFlag';
export const DAM_HEADER = 'DeliveryDate,HourEnding,SettlementPoint,SettlementPointPrice,DSTFlag';

/** MIS hour labels of a local day: [hour-ending, DSTFlag]. */
export function misHours(kind: 'normal' | 'spring' | 'fall'): [number, 'N' | 'Y'][] {
  const out: [number, 'N' | 'Y'][] = [];
  for (let h = 1; h <= 24; h++) {
    if (kind === 'spring' && h === 3) continue;
    out.push([h, 'N']);
    if (kind === 'fall' && h === 2) out.push([2, 'Y']);
  }
  return out;
}

/** A whole local day of RTM rows (NP6-905-CD), prices 1, 2, 3, … in file order. */
export function rtmDay(date: string, kind: 'normal' | 'spring' | 'fall', node = 'HB_HUBAVG', firstPrice = 1): string[] {
  const rows: string[] = [];
  let p = firstPrice;
  for (const [h, flag] of misHours(kind)) {
    for (let q = 1; q <= 4; q++) rows.push(`${date},${h},${q},${node},SH,${(p++).toFixed(2)},${flag}`);
  }
  return rows;
}

export function damDay(date: string, kind: 'normal' | 'spring' | 'fall', node = 'HB_HUBAVG'): string[] {
  return misHours(kind).map(([h, flag], i) => `${date},${String(h).padStart(2, '0')}:00,${node},${(10 + i).toFixed(2)},${flag}`);
}

export const csv = (header: string, rows: readonly string[]) => `${header}\n${rows.join('\n')}\n`;

/** ../shared/data, where the real market data lives (absent on a user's own machine). */
export const DATA_DIR = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const HAVE_DATA = existsSync(DATA_DIR);
if (!HAVE_DATA) console.warn(`[feeds] ${DATA_DIR} not found: tests on the real market data files are skipped`);
