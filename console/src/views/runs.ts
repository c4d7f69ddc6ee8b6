/** Runs and health (operator): recent runs and their status, stale feeds, unsent events, and a run on demand. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api.ts';
import type { ViewProps } from '../main.ts';
import { HOUR_MS } from '../time.ts';
import type { Decision, RunRecord } from '../types.ts';
import { asApiError, Chip, ErrorBox, num, Time, useLoad } from '../ui.ts';
import { decisionAt, siteDecisions } from './data.ts';

const FEED_FLAGS = /STALE|MISSING|DEMO/;

export function RunsView(p: ViewProps) {
  const runs = useLoad(() => p.api.get<{ items: RunRecord[] }>('/runs', { limit: '48' }).then((r) => r.items), []);
  const now = Date.now();
  const health = useLoad(
    () =>
      Promise.all(
        p.sites.map(async (s) => {
          const ds = await siteDecisions(p.api, s.id, now - 24 * HOUR_MS, now + HOUR_MS);
          return { site: s, latest: decisionAt(ds, now), unpublished: ds.filter((d: Decision) => !d.published).length };
        }),
      ),
    [p.sites],
  );
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const runNow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await p.api.post('/runs', {});
      runs.reload();
      health.reload();
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };
  const unsentByRuns = (runs.data ?? []).reduce((n, r) => n + r.eventsFailed, 0);
  const utc = 'UTC';
  return html`<section class="runs">
    <div class="toolbar"><h1>Runs and health</h1>
      ${p.can('operator') && html`<button class="primary" onClick=${runNow} disabled=${busy}>${busy ? 'Running…' : 'Run this hour now'}</button>`}</div>
    <${ErrorBox} error=${error} />
    <h2>Feeds and events</h2>
    <${ErrorBox} error=${health.error} />
    <table class="health">
      <thead><tr><th scope="col">Site</th><th scope="col">Price age</th><th scope="col">Hashprice age</th><th scope="col">Feed flags</th><th scope="col">Unsent decision events (24 h)</th></tr></thead>
      <tbody>${(health.data ?? []).map(({ site, latest, unpublished }) => {
        const flags = (latest?.flags ?? []).filter((f) => FEED_FLAGS.test(f));
        return html`<tr><th scope="row">${site.name}</th>
          <td>${latest?.inputs.price ? `${num(latest.inputs.price.ageMinutes, 0)} min` : '—'}</td>
          <td>${latest?.inputs.hashprice ? `${num(latest.inputs.hashprice.ageDays, 1)} d` : '—'}</td>
          <td>${flags.length ? flags.map((f) => html`<${Chip} text=${f} />`) : html`<span class="muted">fresh</span>`}</td>
          <td>${unpublished}</td></tr>`;
      })}</tbody>
    </table>
    <p class="muted">Events the recent runs could not send: ${unsentByRuns} (the next run re-sends them).</p>
    <h2>Recent runs</h2>
    <${ErrorBox} error=${runs.error} />
    <table class="runs-table">
      <thead><tr><th scope="col">Hour</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col">Started</th><th scope="col">Took</th>
        <th scope="col">Decisions (new / existing)</th><th scope="col">Events (sent / failed)</th><th scope="col">Errors</th></tr></thead>
      <tbody>${(runs.data ?? []).map(
        (
          r,
        ) => html`<tr><td><${Time} ms=${Date.parse(r.hourStart)} tz=${utc} /></td><td><span class=${`status ${r.status}`}>${r.status}</span></td><td>${r.trigger}</td>
          <td><${Time} ms=${Date.parse(r.startedAt)} tz=${utc} seconds /></td><td>${Date.parse(r.finishedAt) - Date.parse(r.startedAt)} ms</td>
          <td>${r.decisionsWritten} / ${r.decisionsExisting}</td><td>${r.eventsSent} / ${r.eventsFailed}</td><td>${r.errors.join('; ')}</td></tr>`,
      )}</tbody>
    </table>
    ${runs.data && html`<p class="muted" data-ready="runs">${runs.data.length} runs</p>`}
  </section>`;
}
