/**
 * The per-interval CSV: one row per site, mining load and interval, with the price, the load's
 * breakeven, and each policy's MW and net margin. Produced in chunks so that a year × many sites
 * never sits in memory as one string.
 */
import { iso } from '#domain/time.ts';
import { POLICIES } from './engine.ts';
import type { BacktestResult, PolicyName } from './index.ts';

const ROWS_PER_CHUNK = 2048;

function num(x: number, digits: number): string {
  if (!Number.isFinite(x)) return '';
  const s = x.toFixed(digits);
  // Trim trailing zeros ("12.50" → "12.5", "3.00" → "3") and avoid "-0".
  const t = s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  return t === '-0' ? '0' : t;
}

export function csvHeader(policies: readonly PolicyName[] = POLICIES): string {
  return [
    'site_id',
    'load_id',
    'interval_start_utc',
    'rt_price_usd_per_mwh',
    'da_price_usd_per_mwh',
    'hashprice_usd_per_ph_day',
    'breakeven_usd_per_mwh',
    ...policies.map((p) => `${p}_mw`),
    ...policies.map((p) => `${p}_net_usd`),
  ].join(',');
}

/** Yields the CSV text in chunks (header first). Needs a result recorded with `record: true`. */
export function* intervalCsv(result: BacktestResult): Generator<string> {
  const tl = result.timeline;
  const first = result.sites[0]?.result;
  const policies = POLICIES.filter((p) => first?.policies[p] !== undefined);
  yield `${csvHeader(policies)}\n`;
  let buf: string[] = [];
  for (const { site, result: r } of result.sites) {
    const s = r.series;
    if (!s) throw new Error('the backtest was run without recording per-interval detail');
    for (let l = 0; l < r.loadIds.length; l++) {
      const loadId = r.loadIds[l]!;
      for (let i = 0; i < tl.n; i++) {
        const k = l * tl.n + i;
        let line = `${site.id},${loadId},${iso(tl.t[i]!)},${num(tl.rt[i]!, 2)},${num(tl.da[i]!, 2)},${num(tl.hashprice[i]!, 4)},${num(s.breakeven[k]!, 2)}`;
        for (const p of policies) line += `,${num(s.mw[p][k]!, 3)}`;
        for (const p of policies) line += `,${num(s.net[p][k]!, 2)}`;
        buf.push(line);
        if (buf.length === ROWS_PER_CHUNK) {
          yield `${buf.join('\n')}\n`;
          buf = [];
        }
      }
    }
  }
  if (buf.length > 0) yield `${buf.join('\n')}\n`;
}
