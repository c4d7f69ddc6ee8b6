/** P&L and exports (finance): per site by day or month as a chart and a table, and CSV downloads of decisions, P&L and audit. */
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import type { ApiError } from '../api.ts';
import { bars, Chart, uPlot as U } from '../chart.ts';
import type { ViewProps } from '../main.ts';
import { DAY_MS } from '../time.ts';
import type { PnlRow } from '../types.ts';
import { asApiError, ErrorBox, num, usd, useLoad } from '../ui.ts';

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const SERIES: [keyof PnlRow, string, string][] = [
  ['miningRevenueUsd', 'Mining revenue', '#2ca02c'],
  ['energyCostUsd', 'Energy cost', '#d62728'],
  ['netMarginUsd', 'Mining net', '#1f77b4'],
  ['curtailmentValueUsd', 'Curtailment value', '#9467bd'],
  ['aiRevenueUsd', 'AI revenue', '#ff7f0e'],
];

function pnlChart(rows: PnlRow[]): { options: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData } {
  // One bar group per period: the sites of the selection summed.
  const byPeriod = new Map<number, number[]>();
  for (const r of rows) {
    const t = Date.parse(r.from) / 1000;
    const acc = byPeriod.get(t) ?? SERIES.map(() => 0);
    for (const [i, [k]] of SERIES.entries()) acc[i]! += r[k] as number;
    byPeriod.set(t, acc);
  }
  const xs = [...byPeriod.keys()].sort((a, b) => a - b);
  const data = [xs, ...SERIES.map((_, i) => xs.map((x) => byPeriod.get(x)![i]!))] as uPlot.AlignedData;
  const options: Omit<uPlot.Options, 'width' | 'height'> = {
    tzDate: (ts) => U.tzDate(new Date(ts * 1000), 'UTC'),
    scales: { x: { time: true }, usd: { auto: true } },
    series: [
      { label: 'Period (UTC)' },
      ...SERIES.map(([, label, colour], i) => ({
        label,
        scale: 'usd',
        stroke: colour,
        fill: `${colour}55`,
        paths: bars,
        points: { show: false },
        width: i === 2 ? 2 : 1,
      })),
    ],
    axes: [{}, { scale: 'usd', label: 'USD', size: 70 }],
  };
  return { options, data };
}

export function Downloads({ p, siteId, from, to }: { p: ViewProps; siteId: string; from: string; to: string }) {
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState('');
  const get = (path: string, q: Record<string, string | undefined>) => async () => {
    setError(undefined);
    try {
      setDone(`Downloaded ${await p.api.download(path, q)}`);
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const range = { from: `${from}T00:00:00Z`, to: `${to}T00:00:00Z` };
  const site = siteId || p.sites[0]!.id;
  return html`<div class="downloads">
    <button onClick=${get(`/sites/${encodeURIComponent(site)}/decisions`, range)}>Decisions CSV (${site})</button>
    <button onClick=${get('/reports/pnl', { siteId: siteId || undefined, from, to, granularity: 'day' })}>P&L CSV</button>
    ${p.can('finance') || p.can('admin') ? html`<button onClick=${get('/audit', { ...range, siteId: siteId || undefined })}>Audit CSV</button>` : null}
    <span class="muted" role="status">${done}</span>
    <${ErrorBox} error=${error} />
  </div>`;
}

export function PnlView(p: ViewProps) {
  const today = Date.now();
  const [siteId, setSiteId] = useState(p.query.get('site') ?? '');
  const [from, setFrom] = useState(utcDay(today - 30 * DAY_MS));
  const [to, setTo] = useState(utcDay(today + DAY_MS));
  const [granularity, setGranularity] = useState<'day' | 'month'>('day');
  const report = useLoad(
    () => p.api.get<{ items: PnlRow[] }>('/reports/pnl', { siteId: siteId || undefined, from, to, granularity }).then((r) => r.items),
    [siteId, from, to, granularity],
  );
  const chart = useMemo(() => report.data && pnlChart(report.data), [report.data]);
  const rows = report.data ?? [];
  return html`<section class="pnl">
    <h1>P&L and exports</h1>
    <form class="toolbar" onSubmit=${(e: Event) => e.preventDefault()} aria-label="P&L range">
      <label>Site <select value=${siteId} onChange=${(e: Event) => setSiteId((e.target as HTMLSelectElement).value)}>
        <option value="">every site</option>
        ${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label>From (UTC) <input type="date" value=${from} onChange=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
      <label>To (UTC) <input type="date" value=${to} onChange=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
      <div role="group" aria-label="Granularity">
        <button type="button" aria-pressed=${granularity === 'day'} onClick=${() => setGranularity('day')}>By day</button>
        <button type="button" aria-pressed=${granularity === 'month'} onClick=${() => setGranularity('month')}>By month</button>
      </div>
    </form>
    <${Downloads} p=${p} siteId=${siteId} from=${from} to=${to} />
    <${ErrorBox} error=${report.error} />
    ${chart && html`<${Chart} className="pnl-chart" label="P&L by period" options=${chart.options} data=${chart.data} height=${280} />`}
    <table class="pnl-table">
      <thead><tr><th scope="col">Period</th><th scope="col">Site</th><th scope="col">Mining revenue</th><th scope="col">Energy cost</th><th scope="col">Net margin</th>
        <th scope="col">Curtailed MWh</th><th scope="col">Curtailment value</th><th scope="col">AI revenue</th><th scope="col">Site net</th><th scope="col">Intervals</th></tr></thead>
      <tbody>${rows.map(
        (
          r,
        ) => html`<tr><td>${r.period}${r.demoIntervals > 0 ? html` <span class="flag" title=${`${r.demoIntervals} intervals decided on demo market data`}>demo</span>` : ''}</td><td>${r.siteId}</td><td>${usd(r.miningRevenueUsd)}</td><td>${usd(r.energyCostUsd)}</td><td>${usd(r.netMarginUsd)}</td>
          <td>${num(r.curtailedMwh)}</td><td>${usd(r.curtailmentValueUsd)}</td><td>${usd(r.aiRevenueUsd)}</td><td>${usd(r.siteNetUsd)}</td>
          <td title=${`${r.unpricedIntervals} without a settlement price`}>${r.intervals}</td></tr>`,
      )}</tbody>
    </table>
    ${report.data && html`<p class="muted" data-ready="pnl">${rows.length} rows</p>`}
  </section>`;
}
