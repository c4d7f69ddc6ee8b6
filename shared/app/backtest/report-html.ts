/**
 * The backtest report: one self-contained HTML page (inline CSS and SVG, no script, nothing
 * fetched), readable offline. Per site: the policy table, real-time price against the breakeven
 * with the engine's curtailments shaded, cumulative net margin per policy, the gain over
 * always-on, and a monthly table.
 */
import { HOUR_MS, iso } from '#domain/time.ts';
import { carbonReportSection } from './carbon.ts';
import { captureRatio, ENGINE_POLICIES, POLICIES, type PolicyName, type SiteResult } from './engine.ts';
import type { BacktestResult, Summary } from './index.ts';
import type { Timeline } from './timeline.ts';

const COLORS: Record<PolicyName, string> = {
  always_on: '#7f7f7f',
  perfect_foresight: '#2ca02c',
  engine: '#1f77b4',
  engine_hourly: '#9467bd',
  engine_price_responsive: '#17becf',
  engine_dispatched: '#ff7f0e',
};

/** One sentence per policy: what it assumes is known and how its decisions are carried out. */
const EXPLAINED: Record<PolicyName, string> = {
  always_on: 'every mining load at full power in every interval.',
  perfect_foresight: 'the best schedule knowing every settlement price in advance (under minimum run and off times): the ceiling.',
  engine:
    'scheduled: the engine decides each interval at its start with the prices published by then and the site follows that for the whole interval.',
  engine_hourly: 'scheduled once an hour: the four intervals of each hour decided at its start, as the hourly run does.',
  engine_price_responsive:
    'price-responsive: a controller on site curtails each fleet when the latest published 5-minute price is above the engine’s threshold, one reaction lag late, with the hysteresis band.',
  engine_dispatched:
    'dispatched: a Controllable Load Resource that SCED dispatches on the engine’s thresholds as a bid, following each 5-minute price without lag because the same run sets the price.',
};

const W = 960;
const H = 280;
const PAD = { left: 72, right: 16, top: 16, bottom: 36 };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const usd = (x: number) => `${x < 0 ? '−' : ''}$${Math.abs(Math.round(x)).toLocaleString('en-US')}`;
const fmt = (x: number, d = 1) => x.toFixed(d);

interface Axis {
  min: number;
  max: number;
}

function scaleX(t: number, x: Axis): number {
  return PAD.left + ((t - x.min) / (x.max - x.min || 1)) * (W - PAD.left - PAD.right);
}
function scaleY(v: number, y: Axis): number {
  return PAD.top + (1 - (v - y.min) / (y.max - y.min || 1)) * (H - PAD.top - PAD.bottom);
}

/** Round tick values for an axis. */
function ticks(a: Axis, count = 5): number[] {
  const span = a.max - a.min || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(a.min / step) * step; v <= a.max + 1e-9; v += step) out.push(v);
  return out;
}

function frame(x: Axis, y: Axis, yLabel: (v: number) => string): string {
  const parts: string[] = [];
  for (const v of ticks(y)) {
    const py = scaleY(v, y);
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${fmt(py)}" y2="${fmt(py)}"/>`);
    parts.push(`<text class="tick" x="${PAD.left - 6}" y="${fmt(py + 4)}" text-anchor="end">${esc(yLabel(v))}</text>`);
  }
  // Month ticks on the time axis.
  const d = new Date(x.min);
  let m = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  while (m < x.max) {
    const px = scaleX(m, x);
    const label = new Date(m).toISOString().slice(0, 7);
    parts.push(`<line class="grid" x1="${fmt(px)}" x2="${fmt(px)}" y1="${PAD.top}" y2="${H - PAD.bottom}"/>`);
    if (px < W - PAD.right - 24)
      parts.push(`<text class="tick" x="${fmt(px)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${label}</text>`);
    const nd = new Date(m);
    m = Date.UTC(nd.getUTCFullYear(), nd.getUTCMonth() + 1, 1);
  }
  parts.push(
    `<rect class="axes" x="${PAD.left}" y="${PAD.top}" width="${W - PAD.left - PAD.right}" height="${H - PAD.top - PAD.bottom}"/>`,
  );
  return parts.join('');
}

function polyline(points: [number, number][], x: Axis, y: Axis, cls: string, color: string, label: string): string {
  const d = points.map(([t, v]) => `${fmt(scaleX(t, x))},${fmt(scaleY(v, y))}`).join(' ');
  return `<polyline class="${cls}" data-series="${esc(label)}" fill="none" stroke="${color}" stroke-width="1.4" points="${d}"/>`;
}

function legend(items: [string, string][]): string {
  return `<div class="legend">${items.map(([c, l]) => `<span><i style="background:${c}"></i>${esc(l)}</span>`).join('')}</div>`;
}

/** Real-time price (hourly maximum) against the breakeven of the first load, engine curtailments shaded. */
function priceChart(tl: Timeline, r: SiteResult): string {
  const s = r.series!;
  const n = tl.n;
  const x: Axis = { min: tl.t[0]!, max: tl.t[n - 1]! + tl.intervalMinutes * 60_000 };
  const hourly: [number, number][] = [];
  const be: [number, number][] = [];
  let maxBe = 0;
  for (let i = 0; i < n; ) {
    const hs = Math.floor(tl.t[i]! / HOUR_MS) * HOUR_MS;
    let mx = Number.NEGATIVE_INFINITY;
    let j = i;
    for (; j < n && Math.floor(tl.t[j]! / HOUR_MS) * HOUR_MS === hs; j++) mx = Math.max(mx, tl.rt[j]!);
    hourly.push([hs, mx]);
    const b = s.breakeven[i]!;
    if (Number.isFinite(b)) {
      be.push([hs, b]);
      maxBe = Math.max(maxBe, b);
    }
    i = j;
  }
  // Spikes reach $5,000: clip the axis at three times the highest breakeven so the band around it is readable.
  const sorted = hourly.map((p) => p[1]).sort((a, b) => a - b);
  const lo = Math.min(0, sorted[0] ?? 0);
  const cap = Math.max(maxBe * 3, 100);
  const y: Axis = { min: lo, max: cap };
  const clipped = hourly.map(([t, v]): [number, number] => [t, Math.min(v, cap)]);
  const spikes = hourly.filter(([, v]) => v > cap).length;
  // Curtailment bands: intervals in which the engine ran any mining load below full power.
  const bands: string[] = [];
  const engineMw = s.mw.engine;
  const full = r.loadIds.length;
  const curtailedAt = (i: number) => {
    if (!engineMw) return false;
    for (let l = 0; l < full; l++) if (engineMw[l * n + i]! < (s.fullMw[l] ?? 0)) return true;
    return false;
  };
  for (let i = 0; i < n; i++) {
    if (!curtailedAt(i)) continue;
    let j = i;
    while (j + 1 < n && curtailedAt(j + 1)) j++;
    const x0 = scaleX(tl.t[i]!, x);
    const x1 = scaleX(tl.t[j]! + tl.intervalMinutes * 60_000, x);
    bands.push(
      `<rect class="curtail" x="${fmt(x0, 2)}" y="${PAD.top}" width="${fmt(Math.max(0.6, x1 - x0), 2)}" height="${H - PAD.top - PAD.bottom}"/>`,
    );
    i = j;
  }
  return `<figure>
<figcaption>Real-time price (hourly maximum) against the breakeven of <b>${esc(r.loadIds[0] ?? '')}</b>; shaded: intervals the engine curtailed${spikes ? ` — ${spikes} hours above $${Math.round(cap)} drawn at the top` : ''}</figcaption>
<svg class="chart price-chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="price against breakeven">
${frame(x, y, (v) => `$${v}`)}
<g class="bands">${bands.join('')}</g>
${polyline(clipped, x, y, 'series price', '#444', 'real-time price')}
${polyline(be, x, y, 'series breakeven', '#d62728', 'breakeven')}
</svg>
${legend([
  ['#444', 'real-time price, hourly max'],
  ['#d62728', 'breakeven'],
  ['rgba(31,119,180,0.25)', 'engine curtailed'],
])}
</figure>`;
}

/** Cumulative net margin per policy (daily points), absolute or relative to always-on. */
function cumulativeChart(tl: Timeline, r: SiteResult, relative: boolean): string {
  const s = r.series!;
  const n = tl.n;
  const policies = POLICIES.filter((p) => s.net[p] !== undefined && (!relative || p !== 'always_on'));
  const x: Axis = { min: tl.t[0]!, max: tl.t[n - 1]! + tl.intervalMinutes * 60_000 };
  const lines: Record<string, [number, number][]> = {};
  let min = 0;
  let max = 0;
  const L = r.loadIds.length;
  const acc: Record<string, number> = {};
  for (const p of policies) {
    lines[p] = [[x.min, 0]];
    acc[p] = 0;
  }
  let base = 0;
  const DAY = 86_400_000;
  for (let i = 0; i < n; i++) {
    for (let l = 0; l < L; l++) {
      for (const p of policies) acc[p]! += s.net[p][l * n + i]!;
      if (relative) base += s.net.always_on[l * n + i]!;
    }
    const end = tl.t[i]! + tl.intervalMinutes * 60_000;
    if (i === n - 1 || Math.floor(tl.t[i + 1]! / DAY) !== Math.floor(tl.t[i]! / DAY)) {
      for (const p of policies) {
        const v = acc[p]! - (relative ? base : 0);
        lines[p]!.push([end, v]);
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
  }
  const y: Axis = { min, max: max === min ? min + 1 : max };
  const scale = Math.max(Math.abs(min), Math.abs(max));
  const label = (v: number) => (scale >= 1e6 ? `$${fmt(v / 1e6, 1)}M` : `$${fmt(v / 1e3, 0)}k`);
  const title = relative ? 'Cumulative gain over always-on (net margin)' : 'Cumulative net margin per policy';
  return `<figure>
<figcaption>${title}</figcaption>
<svg class="chart ${relative ? 'gain-chart' : 'margin-chart'}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}">
${frame(x, y, label)}
${policies.map((p) => polyline(lines[p]!, x, y, `series policy ${p}`, COLORS[p], p)).join('\n')}
</svg>
${legend(policies.map((p) => [COLORS[p], p]))}
</figure>`;
}

const signed = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(x).toFixed(4)}`;
const deltaText = (d: { delta: number; low: number; high: number }) => `${signed(d.delta)} [${signed(d.low)}, ${signed(d.high)}]`;

function policyTable(summary: Summary['sites'][number]): string {
  const rows = POLICIES.filter((p) => summary.policies[p]).map((p) => {
    const t = summary.policies[p]!;
    const cr = (ENGINE_POLICIES as readonly PolicyName[]).includes(p)
      ? summary.captureRatio[p as (typeof ENGINE_POLICIES)[number]]
      : undefined;
    const labels = `${t.upperBound ? ' <span class="upper-bound">upper bound</span>' : ''}${summary.headline === p ? ' <span class="headline">this site</span>' : ''}`;
    const extra = [
      t.restartCostUsd !== undefined ? `<td>${usd(t.restartCostUsd)}</td>` : '',
      t.fourCpChargeUsd !== undefined ? `<td>${usd(t.fourCpChargeUsd)}</td>` : '',
      t.ancillaryRevenueUsd !== undefined ? `<td>${usd(t.ancillaryRevenueUsd)}</td>` : '',
    ].join('');
    const vs = summary.captureVsLastPrice ? summary.captureVsLastPrice[p as (typeof ENGINE_POLICIES)[number]] : undefined;
    const vsCell = summary.captureVsLastPrice ? `<td class="vs-last-price">${vs ? deltaText(vs) : ''}</td>` : '';
    const money = `<td>${usd(t.netMarginUsd)}</td><td>${usd(t.miningRevenueUsd)}</td><td>${usd(t.energyCostUsd)}</td>`;
    const capture = `<td>${cr === undefined ? '' : cr.toFixed(4)}</td>${vsCell}`;
    const runs = `<td>${t.runIntervals.toLocaleString('en-US')}</td>`;
    return `<tr><th><i style="background:${COLORS[p]}"></i>${p}${labels}</th>${money}${extra}${runs}${capture}</tr>`;
  });
  const vsHead = summary.captureVsLastPrice ? '<th>capture − last price [interval]</th>' : '';
  const first = summary.policies.always_on ?? summary.policies.engine;
  const extraHead = [
    first?.restartCostUsd !== undefined ? '<th>restart costs</th>' : '',
    first?.fourCpChargeUsd !== undefined ? '<th>4CP charge</th>' : '',
    first?.ancillaryRevenueUsd !== undefined ? `<th>${esc(summary.ancillary?.product ?? 'AS')} payments</th>` : '',
  ].join('');
  return `<table class="policies"><thead><tr><th>policy</th><th>net margin</th><th>mining revenue</th><th>energy cost</th>${extraHead}<th>load-intervals run</th><th>capture ratio</th>${vsHead}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** What each policy shown means, and why some are upper bounds. */
function policyNotes(summary: Summary['sites'][number], s: Summary): string {
  const items = POLICIES.filter((p) => summary.policies[p]).map((p) => `<li><b>${p}</b>: ${esc(EXPLAINED[p])}</li>`);
  const bound = POLICIES.some((p) => summary.policies[p]?.upperBound)
    ? `<p class="note upper-bound-note">Upper bound: no 5-minute prices were given, so each interval’s three 5-minute prices are taken as its settlement price; real 5-minute prices move within the interval and a controller reacting to them does worse.</p>`
    : '';
  const lag = `<p class="note">Settlement prices known ${s.timing.priceLagMinutes} min after their interval ends; 5-minute prices ${s.timing.lmpLagMinutes} min after their SCED run; the price-responsive controller acts ${s.timing.reactionLagSced} SCED interval(s) after a price. Energy is settled at the 15-minute settlement price for the MW run in each 5-minute step.</p>`;
  const boot = s.bootstrap
    ? `<p class="note bootstrap-note">Capture − last price: the policy’s capture minus the same policy’s capture ` +
      `with the last known settlement price as the forecast; in brackets a ${Math.round(s.bootstrap.level * 100)}% interval from ` +
      `${s.bootstrap.resamples.toLocaleString('en-US')} resamples of whole local days (seed ${s.bootstrap.seed}). ` +
      'An interval that contains 0 is no evidence either way.</p>'
    : '';
  const wf = s.walkForward
    ? `<p class="note walk-forward-note">Walk-forward: the forecaster’s parameters were refitted for each month on the data published ` +
      `before it began (${s.walkForward.filter((m) => m.fitIntervals > 0).length} of ${s.walkForward.length} months had data to fit on; ` +
      'the others used the last price).</p>'
    : '';
  return `<ul class="modes">${items.join('')}</ul>${bound}${lag}${boot}${wf}`;
}

function monthlyTable(r: SiteResult): string {
  const policies = POLICIES.filter((p) => r.policies[p]);
  const head = policies.map((p) => `<th>${p}</th>`).join('');
  const canCapture = r.policies.always_on && r.policies.perfect_foresight;
  const rows = r.monthly.map((m) => {
    const cells = policies.map((p) => `<td>${usd(m.net[p])}</td>`).join('');
    const energy = (p: PolicyName) => m.net[p] - m.ancillary[p];
    const cap =
      canCapture && r.policies.engine ? captureRatio(energy('engine'), energy('always_on'), energy('perfect_foresight')) : Number.NaN;
    return `<tr><th>${m.month}</th>${cells}<td>${Number.isFinite(cap) ? cap.toFixed(3) : ''}</td></tr>`;
  });
  return `<table class="monthly"><thead><tr><th>month</th>${head}<th>engine capture</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function renderHtmlReport(result: BacktestResult, summary: Summary): string {
  const tl = result.timeline;
  const sections = result.sites.map(({ site, result: r }, k) => {
    const s = summary.sites[k]!;
    const peaks = s.fourCp
      ? `<p class="note">4CP at $${s.fourCp.rateUsdPerKwYear}/kW-year on the mining draw; monthly peak hours (UTC): ${s.fourCp.peaks.map((p) => `${p.hourStart.slice(0, 13)}:00 (${Math.round(p.systemLoadMw).toLocaleString('en-US')} MW)`).join(', ')}</p>`
      : '';
    const ai = s.ai
      ? `<p class="note">AI tenants, served first in every policy: ${Math.round(s.ai.servedMwh).toLocaleString('en-US')} MWh, revenue ${usd(s.ai.revenueUsd)}, energy at the real-time price ${usd(s.ai.energyCostUsd)} (not in the mining P&amp;L above).</p>`
      : '';
    const charts = r.series
      ? [priceChart(tl, r), cumulativeChart(tl, r, false), cumulativeChart(tl, r, true)].join('\n')
      : '<p>(no per-interval detail recorded)</p>';
    const loads = site.loads
      .map((l) =>
        l.kind === 'mining'
          ? `${l.id}: ${l.powerMw} MW at ${l.efficiencyJPerTh} J/TH, ${l.poolFeePct}% fee`
          : `${l.id}: AI ${l.contractedMw} MW`,
      )
      .join('; ');
    return `<section class="site" id="site-${esc(site.id)}">
<h2>${esc(site.name)} <small>${esc(site.id)} · ${esc(site.settlementPoint ?? site.market)}</small></h2>
<p class="note">${esc(loads)} · ${r.intervals.toLocaleString('en-US')} intervals</p>
${policyTable(s)}
${policyNotes(s, summary)}
${peaks}
${ai}
${charts}
${s.carbon ? carbonReportSection(s.carbon) : ''}
<h3>Monthly net margin</h3>
${monthlyTable(r)}
</section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard backtest ${esc(summary.from.slice(0, 10))} – ${esc(summary.to.slice(0, 10))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#222;padding:0 12px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 4px;border-top:1px solid #ddd;padding-top:16px}h2 small{color:#777;font-weight:normal}
h3{font-size:15px;margin:20px 0 6px}.note{color:#555;margin:4px 0}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th:first-child{text-align:left;white-space:nowrap}thead th{border-bottom:2px solid #ccc}
table i,.legend i{display:inline-block;width:10px;height:10px;margin-right:6px;border-radius:2px}
figure{margin:16px 0}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;background:#fff}
.grid{stroke:#eee}.axes{fill:none;stroke:#bbb}.tick{font-size:11px;fill:#666}
.curtail{fill:rgba(31,119,180,0.25)}
.upper-bound{font-size:11px;color:#a0522d;border:1px solid #a0522d;border-radius:3px;padding:0 3px;font-weight:normal}
.headline{font-size:11px;color:#2c7a2c;border:1px solid #2c7a2c;border-radius:3px;padding:0 3px;font-weight:normal}
.legend{display:flex;gap:16px;flex-wrap:wrap;font-size:12px;color:#444}
</style></head><body>
<h1>Backtest ${esc(summary.from.slice(0, 10))} – ${esc(summary.to.slice(0, 10))}</h1>
<p class="note">Engine ${esc(summary.engineVersion)}, forecaster <b>${esc(summary.forecaster)}</b>; ${tl.n.toLocaleString('en-US')} intervals of ${tl.intervalMinutes} minutes at ${esc(tl.node)} (${esc(iso(tl.t[0]!))} – ${esc(iso(tl.t[tl.n - 1]!))}).
Capture ratio = (net − net(always_on)) / (net(perfect_foresight) − net(always_on)), ancillary-service payments left out.</p>
${sections.join('\n')}
</body></html>
`;
}
