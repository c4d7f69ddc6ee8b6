/**
 * The decision log as CSV (RFC 4180): one row per current decision, with a column pair per load of
 * the site (action, MW) and, for mining loads, the curtailment threshold.
 */
import type { Decision } from '#domain/decision.ts';
import type { Site } from '#domain/sites.ts';

const ECONOMICS = [
  ['expected_price_usd_per_mwh', 'expectedPriceUsdPerMwh'],
  ['mining_revenue_usd', 'miningRevenueUsd'],
  ['energy_cost_usd', 'energyCostUsd'],
  ['mining_net_usd', 'miningNetUsd'],
  ['running_mw', 'runningMw'],
  ['curtailed_mw', 'curtailedMw'],
  ['ai_served_mw', 'aiServedMw'],
  ['ai_revenue_usd', 'aiRevenueUsd'],
  ['grid_draw_mw', 'gridDrawMw'],
] as const;

export function decisionCsvHeader(site: Site): string {
  const cols = ['site_id', 'interval_start_utc', 'interval_minutes', 'revision', 'source', 'reasons', 'flags'];
  for (const l of site.loads) {
    cols.push(`${l.id}_action`, `${l.id}_mw`);
    if (l.kind === 'mining') cols.push(`${l.id}_curtail_above_usd_per_mwh`);
  }
  cols.push(
    ...ECONOMICS.map(([c]) => c),
    'hashprice_usd_per_ph_day',
    'override_ids',
    'grid_event_ids',
    'engine_version',
    'decided_at',
    'run_id',
  );
  return `${cols.map(cell).join(',')}\r\n`;
}

export function decisionCsvRow(site: Site, d: Decision): string {
  const cells: unknown[] = [d.siteId, d.intervalStart, d.intervalMinutes, d.revision, d.source, d.reasons.join(' '), d.flags.join(' ')];
  const byLoad = new Map(d.allocations.map((a) => [a.loadId, a]));
  for (const l of site.loads) {
    const a = byLoad.get(l.id);
    cells.push(a?.action ?? '', a?.mw ?? '');
    if (l.kind === 'mining') cells.push(a?.curtailAboveUsdPerMwh ?? '');
  }
  for (const [, k] of ECONOMICS) cells.push(d.economics[k] ?? '');
  cells.push(
    d.inputs.hashprice?.usdPerPhDay ?? '',
    d.inputs.overrideIds.join(' '),
    d.inputs.gridEventIds.join(' '),
    d.engineVersion,
    d.decidedAt,
    d.runId,
  );
  return `${cells.map(cell).join(',')}\r\n`;
}

/** A whole table as CSV: a header row, then one row per record in the columns' order. */
export function csvTable(columns: readonly string[], rows: Iterable<readonly unknown[]>): string {
  let text = `${columns.map(cell).join(',')}\r\n`;
  for (const r of rows) text += `${r.map(cell).join(',')}\r\n`;
  return text;
}

/** The response of a CSV download: RFC 4180 text, saved under `name`. */
export function csvDownload(name: string, body: string | ReadableStream<Uint8Array>): Response {
  const headers = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` };
  return new Response(body, { status: 200, headers });
}

/** One CSV cell: quoted when it holds a separator, quote or line break; a leading formula character is neutralised. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
