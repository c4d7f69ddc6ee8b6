/** The audit trail with filters (range, site, actor, action) and its CSV. */
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { ViewProps } from '../main.ts';
import { DAY_MS } from '../time.ts';
import type { AuditPage, AuditRecord } from '../types.ts';
import { ErrorBox, Time, useLoad } from '../ui.ts';
import { Downloads } from './pnl.ts';

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function AuditView(p: ViewProps) {
  const [siteId, setSiteId] = useState('');
  const [from, setFrom] = useState(utcDay(Date.now() - 7 * DAY_MS));
  const [to, setTo] = useState(utcDay(Date.now() + DAY_MS));
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');
  const trail = useLoad(async () => {
    const items: AuditRecord[] = [];
    let nextToken: string | undefined;
    do {
      const page = await p.api.get<AuditPage>('/audit', {
        from: `${from}T00:00:00Z`,
        to: `${to}T00:00:00Z`,
        siteId: siteId || undefined,
        limit: '1000',
        nextToken,
      });
      items.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken);
    return items;
  }, [siteId, from, to]);
  const shown = (trail.data ?? []).filter((a) => (!actor || a.actor.includes(actor)) && (!action || a.action === action));
  const actions = [...new Set((trail.data ?? []).map((a) => a.action))];
  const tzOf = (id: string | undefined) => p.sites.find((s) => s.id === id)?.timezone ?? 'UTC';
  return html`<section class="audit">
    <h1>Audit trail</h1>
    <form class="toolbar" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Audit filters">
      <label>Site <select value=${siteId} onChange=${(e: Event) => setSiteId((e.target as HTMLSelectElement).value)}>
        <option value="">every site</option>${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label>From (UTC) <input type="date" value=${from} onChange=${(e: Event) => setFrom((e.target as HTMLInputElement).value)} /></label>
      <label>To (UTC) <input type="date" value=${to} onChange=${(e: Event) => setTo((e.target as HTMLInputElement).value)} /></label>
      <label>Actor <input value=${actor} onInput=${(e: Event) => setActor((e.target as HTMLInputElement).value)} /></label>
      <label>Action <select value=${action} onChange=${(e: Event) => setAction((e.target as HTMLSelectElement).value)}>
        <option value="">any</option>${actions.map((a) => html`<option value=${a}>${a}</option>`)}
      </select></label>
    </form>
    <${Downloads} p=${p} siteId=${siteId} from=${from} to=${to} />
    <${ErrorBox} error=${trail.error} />
    <table class="audit-table">
      <thead><tr><th scope="col">At</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Entity</th><th scope="col">Site</th><th scope="col">Reason</th><th scope="col">Change</th></tr></thead>
      <tbody>${shown.map(
        (a) => html`<tr><td><${Time} ms=${Date.parse(a.at)} tz=${tzOf(a.siteId)} seconds /></td><td>${a.actor}</td><td>${a.action}</td>
          <td>${a.entity.type} ${a.entity.id}</td><td>${a.siteId ?? ''}</td><td>${a.reason}</td>
          <td><details><summary>before / after</summary><pre>${JSON.stringify({ before: a.before, after: a.after }, null, 1)}</pre></details></td></tr>`,
      )}</tbody>
    </table>
    ${trail.data && html`<p class="muted" data-ready="audit">${shown.length} of ${trail.data.length} records</p>`}
  </section>`;
}
