/** Emissions (finance, traders, admin): a site's planned and actual grid energy and tCO2 by hour, day or month, and its CSV. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type * as z from 'zod';
import type { EmissionsReportSchema } from '#adapters/http/routes/emissions-schemas.ts';
import type { ApiError } from '../api.ts';
import type { ViewProps } from '../main.ts';
import { DAY_MS } from '../time.ts';
import { asApiError, ErrorBox, num, useLoad } from '../ui.ts';

type EmissionsReport = z.infer<typeof EmissionsReportSchema>;
type Granularity = 'hour' | 'day' | 'month';

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);

export function EmissionsView(p: ViewProps) {
  const today = Date.now();
  const [siteId, setSiteId] = useState(p.query.get('site') ?? p.sites[0]!.id);
  const [from, setFrom] = useState(utcDay(today - 7 * DAY_MS));
  const [to, setTo] = useState(utcDay(today + DAY_MS));
  const [granularity, setGranularity] = useState<Granularity>('day');
  const [error, setError] = useState<ApiError>();
  const [done, setDone] = useState('');
  const query = { siteId, from, to, granularity };
  const report = useLoad(() => p.api.get<EmissionsReport>('/reports/emissions', query), [siteId, from, to, granularity]);
  const download = async () => {
    setError(undefined);
    try {
      setDone(`Downloaded ${await p.api.download('/reports/emissions', { ...query, format: 'csv' })}`);
    } catch (err) {
      setError(asApiError(err));
    }
  };
  const r = report.data;
  const t = r?.totals;
  return html`<section class="emissions">
    <h1>Emissions</h1>
    <form class="toolbar" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Emissions range">
      <label>Site <select value=${siteId} onChange=${(e: Event) => setSiteId((e.target as HTMLSelectElement).value)}>
        ${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label>From (UTC) <input type="date" value=${from} onChange=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
      <label>To (UTC) <input type="date" value=${to} onChange=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
      <div role="group" aria-label="Granularity">
        ${(['hour', 'day', 'month'] as const).map(
          (g) => html`<button type="button" aria-pressed=${granularity === g} onClick=${() => setGranularity(g)}>By ${g}</button>`,
        )}
      </div>
    </form>
    <div class="downloads">
      <button onClick=${download}>Emissions CSV (${siteId})</button>
      <span class="muted" role="status">${done}</span>
      <${ErrorBox} error=${error} />
    </div>
    <${ErrorBox} error=${report.error} />
    ${
      t &&
      html`<dl class="emissions-totals">
        <dt>Planned</dt><dd>${num(t.mwh)} MWh, ${num(t.tCo2)} tCO2 at ${num(t.lbCo2PerMwh, 0)} lb/MWh</dd>
        <dt>Avoided by curtailment</dt><dd>${num(t.avoidedTCo2)} tCO2</dd>
        <dt>Actual (site agent)</dt><dd>${t.actual ? `${num(t.actual.mwh)} MWh, ${num(t.actual.tCo2)} tCO2` : 'none reported'}</dd>
        <dt>In the dirtiest tenth of hours</dt><dd>${pct(t.topDecileShare)} of consumption</dd>
        <dt>Intervals without an intensity</dt><dd>${t.intervalsWithoutIntensity}</dd>
      </dl>`
    }
    <table class="emissions-table">
      <thead><tr><th scope="col">Start (UTC)</th><th scope="col">MWh</th><th scope="col">tCO2</th><th scope="col">lb/MWh</th>
        <th scope="col">Avoided tCO2</th><th scope="col">Actual MWh</th><th scope="col">Actual tCO2</th></tr></thead>
      <tbody>${(r?.buckets ?? []).map(
        (b) => html`<tr><td>${b.start.slice(0, granularity === 'hour' ? 16 : 10).replace('T', ' ')}</td><td>${num(b.mwh)}</td>
          <td>${num(b.tCo2)}</td><td>${num(b.lbCo2PerMwh, 0)}</td><td>${num(b.avoidedTCo2)}</td>
          <td>${b.actual ? num(b.actual.mwh) : '–'}</td><td>${b.actual ? num(b.actual.tCo2) : '–'}</td></tr>`,
      )}</tbody>
    </table>
    ${r && html`<p class="muted" data-ready="emissions">${r.buckets.length} rows</p>`}
  </section>`;
}
