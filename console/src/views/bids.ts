/** Bids: the day-ahead bid curve of each hour of a site's operating day (chart and table), hours in the site's time with UTC shown. */
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { Chart, stepped } from '../chart.ts';
import type { ViewProps } from '../main.ts';
import { DAY_MS, localClock, localDate, utcText, zoneName } from '../time.ts';
import type { SiteBids } from '../types.ts';
import { ErrorBox, num, useLoad } from '../ui.ts';

type Hour = SiteBids['hours'][number];

/** A demand curve: at each price, the MW bought at or above it (steps from the highest price down). */
export function bidCurve(hour: Hour): uPlot.AlignedData {
  const steps = [...hour.steps].sort((a, b) => b.priceUsdPerMwh - a.priceUsdPerMwh);
  const mw: number[] = [0];
  const price: number[] = [steps[0]?.priceUsdPerMwh ?? 0];
  let total = 0;
  for (const s of steps) {
    total += s.mw;
    mw.push(total);
    price.push(s.priceUsdPerMwh);
  }
  // uPlot draws a step from each point to the next: the last price closes the curve at the full MW.
  return [mw, price.slice(1).concat(price.at(-1) ?? 0)];
}

/** Must-serve steps bid at the price cap: a log price axis keeps the mining steps readable beside them. */
const curveOptions = (log: boolean): Omit<uPlot.Options, 'width' | 'height'> => ({
  scales: { x: { time: false }, y: log ? { distr: 3 } : { auto: true } },
  series: [{ label: 'MW' }, { label: 'Bid price ($/MWh)', stroke: '#1f77b4', width: 2, fill: 'rgba(31,119,180,0.1)', paths: stepped }],
  axes: [{ label: 'MW bought' }, { label: '$/MWh', size: 60 }],
});

export function BidsView(p: ViewProps) {
  const [siteId, setSiteId] = useState(p.query.get('site') ?? p.sites[0]!.id);
  const site = p.sites.find((s) => s.id === siteId) ?? p.sites[0]!;
  const tz = site.timezone;
  const [date, setDate] = useState(p.query.get('date') ?? localDate(Date.now() + DAY_MS, tz));
  const bids = useLoad(
    () => p.api.get<{ items: SiteBids[] }>('/bids', { siteId: site.id, date }).then((r) => r.items[0] ?? null),
    [site.id, date],
  );
  const [hourIdx, setHourIdx] = useState(0);
  const b = bids.data;
  const hour = b?.hours[Math.min(hourIdx, (b?.hours.length ?? 1) - 1)];
  const curve = useMemo(() => hour && bidCurve(hour), [hour]);
  const log = !!hour && hour.steps.every((s) => s.priceUsdPerMwh > 0);
  const options = useMemo(() => curveOptions(log), [log]);
  return html`<section class="bids">
    <h1>Day-ahead bids</h1>
    <form class="toolbar" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Bids">
      <label>Site <select value=${site.id} onChange=${(e: Event) => setSiteId((e.target as HTMLSelectElement).value)}>
        ${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}</select></label>
      <label>Operating day (${tz}) <input type="date" value=${date} onChange=${(e: Event) => setDate((e.target as HTMLInputElement).value)} /></label>
      ${
        b &&
        html`<label>Hour <select value=${hourIdx} onChange=${(e: Event) => setHourIdx(Number((e.target as HTMLSelectElement).value))}>
          ${b.hours.map((h, i) => html`<option value=${i}>${localClock(h.hourStartMs, tz)} ${zoneName(h.hourStartMs, tz)} (${utcText(h.hourStartMs).slice(11)})</option>`)}
        </select></label>`
      }
    </form>
    <${ErrorBox} error=${bids.error} />
    ${bids.data === null && html`<p class="muted">No bids prepared for ${site.name} on ${date} (prepare them with <code>npm run switchyard -- bids --date ${date}</code>).</p>`}
    ${
      b &&
      hour &&
      curve &&
      html`<p class="muted">Prepared ${utcText(Date.parse(b.preparedAt))} by engine ${b.engineVersion}; ${b.market} ${b.settlementPoint ?? ''};
          hashprice ${b.hashprice ? `$${num(b.hashprice.usdPerPhDay, 2)}/PH/day` : 'none'}.</p>
        <h2>Bid curve, ${localClock(hour.hourStartMs, tz)} ${zoneName(hour.hourStartMs, tz)} <small>(${utcText(hour.hourStartMs)})</small></h2>
        <${Chart} className="bids-chart" label=${`Bid curve of hour ${hour.localHour}`} options=${options} data=${curve} height=${260} />
        <table class="bids-table">
          <thead><tr><th scope="col">Hour (${tz})</th><th scope="col">UTC</th><th scope="col">Steps (MW at ≥ $/MWh)</th><th scope="col">Thresholds</th>
            <th scope="col">DA</th><th scope="col">4CP</th><th scope="col">AS offers</th><th scope="col">Flags</th></tr></thead>
          <tbody>${b.hours.map(
            (h, i) => html`<tr aria-selected=${i === hourIdx}>
              <th scope="row"><button class="link" onClick=${() => setHourIdx(i)}>${localClock(h.hourStartMs, tz)}</button></th>
              <td>${utcText(h.hourStartMs).slice(11, 16)}</td>
              <td>${h.steps.map((s) => `${s.loadId}${s.modeId ? `/${s.modeId}` : ''} ${num(s.mw)} @ ${num(s.priceUsdPerMwh)}`).join('; ')}</td>
              <td>${Object.entries(h.thresholdsUsdPerMwh)
                .map(([k, v]) => `${k} ${v === null ? '—' : num(v)}`)
                .join('; ')}</td>
              <td>${num(h.daUsdPerMwh)}</td><td>${Math.round(h.peakProbability * 100)}%</td>
              <td>${h.asOffers.map((o) => `${o.product} ${num(o.mw)} MW @ ${num(o.priceUsdPerMwh)}`).join('; ') || '—'}</td>
              <td>${h.flags.join(', ')}</td></tr>`,
          )}</tbody>
        </table>`
    }
  </section>`;
}
