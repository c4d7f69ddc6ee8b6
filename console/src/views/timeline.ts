/**
 * Site timeline: a day or a week of prices, thresholds, curtailment, overrides and actual MW (drag to
 * zoom, double-click or Reset to zoom out, Earlier/Later to pan); a click on an interval, or the interval
 * picker, opens its decision with every revision.
 */
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart, stepped, uPlot as U } from '../chart.ts';
import type { ViewProps } from '../main.ts';
import { DAY_MS, fromLocalInput, HOUR_MS, localDate, localDayStart, localText, utcText, zoneName } from '../time.ts';
import type { Decision, Site } from '../types.ts';
import { Chip, ErrorBox, num, Time, usd, useLoad } from '../ui.ts';
import { siteActuals, siteDecisions, siteOverrides } from './data.ts';
import { timelineData } from './timeline-data.ts';

const THRESHOLD_COLOURS = ['#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf'];

export function timelineOptions(
  site: Site,
  miningLoads: string[],
  hasActuals: boolean,
  onDrawn?: () => void,
): Omit<uPlot.Options, 'width' | 'height'> {
  const tz = site.timezone;
  return {
    tzDate: (ts) => U.tzDate(new Date(ts * 1000), tz),
    cursor: { drag: { x: true, y: false, setScale: true } },
    scales: { x: { time: true }, usd: { auto: true }, mw: { auto: true }, band: { range: [0, 1] } },
    series: [
      { label: `Time (${tz})`, value: (_u, v) => (v === null ? '—' : localText(v * 1000, tz)) },
      { label: 'RT price, expected ($/MWh)', scale: 'usd', stroke: '#1f77b4', width: 2, paths: stepped },
      { label: 'DA price ($/MWh)', scale: 'usd', stroke: '#ff7f0e', width: 1.5, dash: [6, 4], paths: stepped },
      ...miningLoads.map((id, k) => ({
        label: `${id} threshold ($/MWh)`,
        scale: 'usd',
        stroke: THRESHOLD_COLOURS[k % THRESHOLD_COLOURS.length]!,
        width: 1.5,
        dash: [2, 3],
        paths: stepped,
      })),
      {
        label: 'Curtailed',
        scale: 'band',
        stroke: 'rgba(214,39,40,0.4)',
        fill: 'rgba(214,39,40,0.14)',
        paths: stepped,
        points: { show: false },
      },
      {
        label: 'Override',
        scale: 'band',
        stroke: 'rgba(118,70,190,0.6)',
        fill: 'rgba(118,70,190,0.16)',
        paths: stepped,
        points: { show: false },
      },
      { label: 'Planned MW', scale: 'mw', stroke: '#555', width: 1, paths: stepped },
      { label: 'Actual MW', scale: 'mw', stroke: '#000', width: 2, show: hasActuals },
    ],
    axes: [{}, { scale: 'usd', label: '$/MWh', size: 60 }, { scale: 'mw', label: 'MW', side: 1, grid: { show: false }, size: 50 }],
    hooks: onDrawn ? { draw: [() => onDrawn()] } : {},
  };
}

/** [from, to) of the day ending the range (a local day) or of the week of seven local days ending with it. */
function windowOf(range: string, endDay: number, tz: string): [number, number] {
  const end = localDayStart(endDay + 36 * HOUR_MS, tz);
  return [range === 'week' ? localDayStart(endDay - 6 * DAY_MS + 12 * HOUR_MS, tz) : endDay, end];
}

export function TimelineView(p: ViewProps) {
  const siteId = p.args[0] ?? p.sites[0]?.id;
  const site = p.sites.find((s) => s.id === siteId);
  if (!site) return html`<p>No site ${siteId}.</p>`;
  const tz = site.timezone;
  const range = p.query.get('range') === 'week' ? 'week' : 'day';
  const end = p.query.get('end');
  const endDay = end && /^\d{4}-\d{2}-\d{2}$/.test(end) ? fromLocalInput(`${end}T00:00`, tz) : localDayStart(Date.now(), tz);
  const [fromMs, toMs] = windowOf(range, endDay, tz);
  const go = (q: Record<string, string>) => {
    const next = new URLSearchParams({ range, end: localDate(endDay + 12 * HOUR_MS, tz), ...q });
    location.hash = `#/site/${encodeURIComponent(site.id)}?${next}`;
  };
  const step = range === 'week' ? 7 * DAY_MS : DAY_MS;

  const loaded = useLoad(async () => {
    performance.mark('timeline-load');
    const [decisions, overrides, actuals] = await Promise.all([
      siteDecisions(p.api, site.id, fromMs, toMs),
      siteOverrides(p.api, site.id),
      siteActuals(p.api, site.id, fromMs, toMs),
    ]);
    const timeline = timelineData(site, decisions, overrides, actuals, fromMs, toMs);
    performance.mark('timeline-data');
    return { decisions, overrides, timeline };
  }, [site.id, fromMs, toMs]);

  const t = loaded.data?.timeline;
  const options = useMemo(
    () =>
      t &&
      timelineOptions(site, t.miningLoads, t.hasActuals, () => {
        // From asking for the data, and from having it, to the chart drawn (read by bench/console.ts).
        performance.measure('timeline-drawn', 'timeline-load');
        performance.measure('timeline-draw', 'timeline-data');
        // What was drawn, for the browser tests and the benchmark to read.
        const el = document.querySelector('.timeline-chart');
        const count = (series: number) => (t.data[series] as (number | null)[]).filter((v) => v === 1).length;
        el?.setAttribute('data-drawn', String(t.decisionOf.filter(Boolean).length));
        el?.setAttribute('data-curtailed', String(count(3 + t.miningLoads.length)));
        el?.setAttribute('data-overridden', String(count(4 + t.miningLoads.length)));
      }),
    [site, t?.miningLoads.join(), t?.hasActuals],
  );
  const [picked, setPicked] = useState<Decision>();
  const decided = loaded.data?.decisions ?? [];

  return html`<section class="timeline">
    <div class="toolbar">
      <h1>${site.name}</h1>
      <label>Site <select value=${site.id} onChange=${(e: Event) => (location.hash = `#/site/${(e.target as HTMLSelectElement).value}?range=${range}`)}>
        ${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <div role="group" aria-label="Range">
        <button aria-pressed=${range === 'day'} onClick=${() => go({ range: 'day' })}>Day</button>
        <button aria-pressed=${range === 'week'} onClick=${() => go({ range: 'week' })}>Week</button>
      </div>
      <button onClick=${() => go({ end: localDate(endDay - step + 12 * HOUR_MS, tz) })}>◀ Earlier</button>
      <button onClick=${() => go({ end: localDate(endDay + step + 12 * HOUR_MS, tz) })}>Later ▶</button>
      <button onClick=${() => go({ end: localDate(Date.now(), tz) })}>Today</button>
      <button onClick=${() => loaded.reload()}>Reset zoom</button>
    </div>
    <p class="muted">
      <${Time} ms=${fromMs} tz=${tz} /> to <${Time} ms=${toMs} tz=${tz} /> (${zoneName(fromMs, tz)}; hover a time for UTC).${' '}
      ${decided.length} decided intervals. Drag across the chart to zoom, double-click to zoom out, click an interval for its decision.
    </p>
    <${ErrorBox} error=${loaded.error} />
    ${
      t && options
        ? html`<${Chart} className="timeline-chart" label=${`Prices, thresholds, curtailment and overrides at ${site.name}`} options=${options}
            data=${t.data} height=${360} onPick=${(i: number) => setPicked(t.decisionOf[i] ?? t.decisionOf[i - 1])} />`
        : html`<div class="chart placeholder">Loading…</div>`
    }
    ${
      decided.length > 0 &&
      html`<div class="picker" role="group" aria-label="Interval">
        <button onClick=${() => setPicked(decided[Math.max(0, (picked ? decided.indexOf(picked) : decided.length) - 1)])}>◀ Previous interval</button>
        <button onClick=${() => setPicked(decided[Math.min(decided.length - 1, (picked ? decided.indexOf(picked) : -1) + 1)])}>Next interval ▶</button>
        <span class="muted">${
          picked
            ? `${localText(Date.parse(picked.intervalStart), tz)} · ${picked.source} · revision ${picked.revision}`
            : 'or click the chart'
        }</span>
      </div>`
    }
    ${picked && html`<${DecisionPanel} p=${p} site=${site} decision=${picked} />`}
  </section>`;
}

function DecisionPanel({ p, site, decision }: { p: ViewProps; site: Site; decision: Decision }) {
  const tz = site.timezone;
  const revs = useLoad(
    () =>
      p.api
        .get<{ items: Decision[] }>(
          `/sites/${encodeURIComponent(site.id)}/decisions/${encodeURIComponent(decision.intervalStart)}/revisions`,
        )
        .then((r) => r.items),
    [decision.intervalStart, decision.revision],
  );
  const d = decision;
  const e = d.economics;
  const price = d.inputs.price;
  return html`<section class="card decision" aria-live="polite">
    <h2>Decision for <${Time} ms=${Date.parse(d.intervalStart)} tz=${tz} /> <small>${d.intervalMinutes} min · revision ${d.revision} · ${d.source}</small></h2>
    <p>${d.reasons.map((r) => html`<${Chip} text=${r} />`)} ${d.flags.map((f) => html`<${Chip} text=${f} />`)}</p>
    <div class="grid2">
      <div>
        <h3>Allocations</h3>
        <table><thead><tr><th scope="col">Load</th><th scope="col">Action</th><th scope="col">MW</th><th scope="col">Curtail above</th><th scope="col">Reasons</th></tr></thead>
        <tbody>${d.allocations.map(
          (
            a,
          ) => html`<tr><th scope="row">${a.loadId}</th><td>${a.action}</td><td>${num(a.mw)}</td><td>${a.curtailAboveUsdPerMwh == null ? '—' : `$${num(a.curtailAboveUsdPerMwh)}`}</td>
            <td>${a.reasons.join(', ')}</td></tr>`,
        )}</tbody></table>
        <h3>Economics (expected)</h3>
        <dl class="kv">
          <dt>Expected price</dt><dd>${num(e.expectedPriceUsdPerMwh)} $/MWh</dd>
          <dt>Mining revenue</dt><dd>${usd(e.miningRevenueUsd)}</dd>
          <dt>Energy cost</dt><dd>${usd(e.energyCostUsd)}</dd>
          <dt>Mining net</dt><dd>${usd(e.miningNetUsd)}</dd>
          <dt>Running / curtailed</dt><dd>${num(e.runningMw)} / ${num(e.curtailedMw)} MW</dd>
          <dt>AI served</dt><dd>${num(e.aiServedMw)} MW, ${usd(e.aiRevenueUsd)}</dd>
          <dt>Grid draw</dt><dd>${num(e.gridDrawMw)} MW</dd>
        </dl>
      </div>
      <div>
        <h3>Inputs</h3>
        <dl class="kv">
          <dt>Price</dt><dd>${price ? `${num(price.expectedUsdPerMwh)} $/MWh from ${price.source}, ${num(price.ageMinutes, 0)} min old${price.demo ? ' (demo)' : ''}` : 'none'}</dd>
          <dt>Last RT / DA</dt><dd>${num(price?.lastRtUsdPerMwh)} / ${num(price?.daUsdPerMwh)} $/MWh</dd>
          <dt>Hashprice</dt><dd>${d.inputs.hashprice ? `$${num(d.inputs.hashprice.usdPerPhDay, 2)}/PH/day (${d.inputs.hashprice.day}, ${d.inputs.hashprice.source})` : 'none'}</dd>
          <dt>Breakevens</dt><dd>${
            d.inputs.breakevensUsdPerMwh
              ? Object.entries(d.inputs.breakevensUsdPerMwh)
                  .map(([k, v]) => `${k} $${num(v)}`)
                  .join(', ')
              : '—'
          }</dd>
          <dt>4CP peak probability</dt><dd>${Math.round(d.inputs.peakProbability * 100)}%</dd>
          <dt>Grid events</dt><dd>${d.inputs.gridEventIds.join(', ') || 'none'}</dd>
          <dt>Overrides</dt><dd>${d.inputs.overrideIds.join(', ') || 'none'}</dd>
          <dt>Engine</dt><dd>${d.engineVersion}, run ${d.runId}</dd>
          <dt>Decided</dt><dd><${Time} ms=${Date.parse(d.decidedAt)} tz=${tz} seconds /></dd>
        </dl>
      </div>
    </div>
    <h3>Every revision</h3>
    <${ErrorBox} error=${revs.error} />
    <table class="revisions"><thead><tr><th scope="col">Rev</th><th scope="col">Source</th><th scope="col">Decided</th><th scope="col">Reasons</th><th scope="col">Allocations</th></tr></thead>
    <tbody>${(revs.data ?? []).map(
      (
        r,
      ) => html`<tr><td>${r.revision}</td><td>${r.source}</td><td title=${utcText(Date.parse(r.decidedAt))}>${localText(Date.parse(r.decidedAt), tz, true)}</td>
        <td>${r.reasons.join(', ')}</td><td>${r.allocations.map((a) => `${a.loadId} ${a.action} ${num(a.mw)}`).join('; ')}</td></tr>`,
    )}</tbody></table>
  </section>`;
}
