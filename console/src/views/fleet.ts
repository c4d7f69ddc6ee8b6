/** Fleet now: every site's loads this interval, the price against each threshold, flags, the agent, the next run. */
import { html } from 'htm/preact';
import type { ViewProps } from '../main.ts';
import { HOUR_MS } from '../time.ts';
import type { Decision, Site } from '../types.ts';
import { Chip, ErrorBox, num, Time, useLoad } from '../ui.ts';
import { actualMs, actualMw, decisionAt, obligationsOf, siteActuals, siteDecisions } from './data.ts';

const ACTUALS_WINDOW_MS = 30 * 60_000;
/** The scheduler runs a few seconds after every top of the hour. */
const nextRunMs = (now: number) => Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;

interface SiteNow {
  site: Site;
  decision: Decision | undefined;
  actualMw: number | null;
  actualAt: number | null;
}

async function siteNow(p: ViewProps, site: Site, now: number): Promise<SiteNow> {
  const [decisions, actuals] = await Promise.all([
    siteDecisions(p.api, site.id, now - 2 * HOUR_MS, now + HOUR_MS),
    siteActuals(p.api, site.id, now - ACTUALS_WINDOW_MS, now + 60_000),
  ]);
  let actualMwNow: number | null = null;
  let actualAt: number | null = null;
  if (actuals) {
    // The latest reported interval, all loads summed.
    actualAt = Math.max(...actuals.map(actualMs));
    actualMwNow = actuals.filter((a) => actualMs(a) === actualAt).reduce((n, a) => n + actualMw(a), 0);
  }
  return { site, decision: decisionAt(decisions, now), actualMw: actualMwNow, actualAt };
}

function SiteCard({ s, now }: { s: SiteNow; now: number }) {
  const { site, decision: d } = s;
  const tz = site.timezone;
  const price = d?.inputs.price;
  const flags = d ? [...d.flags, ...obligationsOf(d)] : [];
  if (d && d.inputs.peakProbability >= 0.2) flags.push(`4CP risk ${Math.round(d.inputs.peakProbability * 100)}%`);
  return html`<section class="card site-card" data-site=${site.id}>
    <h2><a href=${`#/site/${encodeURIComponent(site.id)}`}>${site.name}</a> <small>${site.market} · ${site.settlementPoint ?? ''} · ${site.interconnectMw} MW</small></h2>
    ${
      d
        ? html`<p class="muted">Interval <${Time} ms=${Date.parse(d.intervalStart)} tz=${tz} /> (${d.intervalMinutes} min), revision ${d.revision},${' '}
            ${d.source === 'OVERRIDE' ? html`<strong>override</strong>` : 'engine'}</p>`
        : html`<p class="muted">No decision for this interval yet.</p>`
    }
    <p class="price">
      Price <strong>${num(price?.expectedUsdPerMwh)}</strong> $/MWh <span class="muted">(${price?.source ?? 'none'}; last RT ${num(price?.lastRtUsdPerMwh)},
      DA ${num(price?.daUsdPerMwh)})</span>
    </p>
    <table class="loads">
      <thead><tr><th scope="col">Load</th><th scope="col">Doing</th><th scope="col">MW</th><th scope="col">Curtail above</th><th scope="col">Price vs threshold</th></tr></thead>
      <tbody>
        ${(site.loads as { id: string; kind: string }[]).map((l) => {
          const a = d?.allocations.find((x) => x.loadId === l.id);
          const threshold = a?.curtailAboveUsdPerMwh ?? null;
          const expected = price?.expectedUsdPerMwh ?? null;
          const vs = threshold === null || expected === null ? '—' : expected > threshold ? 'above: curtail' : 'below: run';
          return html`<tr>
            <th scope="row">${l.id} <small class="muted">${l.kind}</small></th>
            <td><span class=${`action ${a?.action ?? ''}`}>${a?.action ?? '—'}</span></td>
            <td>${num(a?.mw)}</td>
            <td>${threshold === null ? '—' : `$${num(threshold)}`}</td>
            <td>${vs}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    <p class="flags">${flags.length ? flags.map((f) => html`<${Chip} text=${f} />`) : html`<span class="muted">no flags</span>`}</p>
    <p class="agent">
      Site agent:${' '}
      ${
        s.actualMw === null
          ? html`<span class="muted">not reported</span>`
          : html`<strong>${num(s.actualMw)} MW</strong> actual at <${Time} ms=${s.actualAt!} tz=${tz} />
              <span class="muted">(planned ${num(d?.economics.gridDrawMw)} MW)</span>`
      }${' '}
      · next run <${Time} ms=${nextRunMs(now)} tz=${tz} />
    </p>
  </section>`;
}

export function FleetView(p: ViewProps) {
  const now = Date.now();
  const fleet = useLoad(() => Promise.all(p.sites.map((s) => siteNow(p, s, now))), [p.sites]);
  return html`<section class="fleet">
    <div class="toolbar"><h1>Fleet now</h1><button onClick=${fleet.reload} disabled=${fleet.loading}>Refresh</button></div>
    <${ErrorBox} error=${fleet.error} />
    <div class="cards">${fleet.data?.map((s) => html`<${SiteCard} s=${s} now=${now} />`)}</div>
    ${fleet.data && html`<p class="muted ready" data-ready="fleet">${fleet.data.length} sites</p>`}
  </section>`;
}
