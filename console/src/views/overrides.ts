/**
 * Overrides: traders create RUN / CURTAIL / CAP / RELEASE for a site or one load over a window, with a
 * reason and, when the window holds a grid obligation, the acknowledgement naming it; the Idempotency-Key
 * is made here (one per distinct request, so a retry is safe). Everyone sees the active and past lists;
 * traders cancel with the version they read, and a conflict shows the override as it is now.
 */
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type ApiError, withQuery } from '../api.ts';
import type { ViewProps } from '../main.ts';
import { fromLocalInput, HOUR_MS, localDate, toLocalInput } from '../time.ts';
import type { Override, Site } from '../types.ts';
import { asApiError, ErrorBox, num, Time, useLoad } from '../ui.ts';
import { obligationsOf, siteDecisions } from './data.ts';

const ACTIONS = ['CURTAIL', 'RUN', 'CAP', 'RELEASE'] as const;

interface Created {
  override: Override & { revisions: { intervalStart: string }[]; eventsUnsent: number };
  replayed: boolean;
}

function FieldError({ error, name }: { error: ApiError | undefined; name: string }) {
  const m = error?.field(name);
  return m ? html`<span class="field-error" id=${`err-${name}`}>${name} ${m}</span>` : null;
}

/** Obligations the window's decisions carry, with how many intervals each. */
function useObligations(p: ViewProps, site: Site, fromMs: number, toMs: number) {
  return useLoad(async () => {
    if (!(toMs > fromMs) || toMs - fromMs > 31 * 24 * HOUR_MS) return [];
    const counts = new Map<string, number>();
    for (const d of await siteDecisions(p.api, site.id, fromMs, toMs))
      for (const o of obligationsOf(d)) counts.set(o, (counts.get(o) ?? 0) + 1);
    return [...counts].map(([code, n]) => `${code} (${n} interval${n === 1 ? '' : 's'})`);
  }, [site.id, fromMs, toMs]);
}

function CreateForm({ p, onCreated }: { p: ViewProps; onCreated: (c: Created) => void }) {
  const [siteId, setSiteId] = useState(p.query.get('site') ?? p.sites[0]!.id);
  const site = p.sites.find((s) => s.id === siteId) ?? p.sites[0]!;
  const tz = site.timezone;
  const start = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const [form, setForm] = useState({
    loadId: '',
    action: 'CURTAIL',
    capMw: '',
    from: toLocalInput(start, tz),
    to: toLocalInput(start + 2 * HOUR_MS, tz),
    reason: '',
    ack: false,
  });
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  // One key per distinct request: a resubmission of the same body (after a timeout, say) replays instead of duplicating.
  const attempt = useRef<{ key: string; body: string } | null>(null);
  const set = (k: keyof typeof form) => (e: Event) => {
    const t = e.target as HTMLInputElement;
    setForm({ ...form, [k]: t.type === 'checkbox' ? t.checked : t.value });
  };
  const fromMs = fromLocalInput(form.from, tz);
  const toMs = fromLocalInput(form.to, tz);
  const obligations = useObligations(p, site, fromMs, toMs);
  const needsAck = (obligations.data?.length ?? 0) > 0;

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      action: form.action,
      ...(form.loadId ? { loadId: form.loadId } : {}),
      ...(form.action === 'CAP' ? { capMw: form.capMw === '' ? Number.NaN : Number(form.capMw) } : {}),
      from: Number.isFinite(fromMs) ? new Date(fromMs).toISOString() : form.from,
      to: Number.isFinite(toMs) ? new Date(toMs).toISOString() : form.to,
      reason: form.reason,
      acknowledgeObligation: form.ack,
    };
    const text = JSON.stringify(body);
    if (attempt.current?.body !== text) attempt.current = { key: crypto.randomUUID(), body: text };
    setBusy(true);
    setError(undefined);
    try {
      const r = await p.api.post<Created['override']>(`/sites/${encodeURIComponent(site.id)}/overrides`, body, {
        'Idempotency-Key': attempt.current.key,
      });
      attempt.current = null;
      onCreated({ override: r.body, replayed: r.headers.get('Idempotent-Replayed') === 'true' });
      setForm({ ...form, reason: '', ack: false });
    } catch (err) {
      setError(asApiError(err));
    } finally {
      setBusy(false);
    }
  };

  const described = (name: string) => (error?.field(name) ? `err-${name}` : undefined);
  return html`<form class="card override-form" onSubmit=${submit} aria-label="Create an override">
    <h2>Create an override</h2>
    <div class="fields">
      <label>Site <select name="site" value=${site.id} onChange=${(e: Event) => setSiteId((e.target as HTMLSelectElement).value)}>
        ${p.sites.map((s) => html`<option value=${s.id}>${s.name}</option>`)}
      </select></label>
      <label>Load <select name="loadId" value=${form.loadId} onChange=${set('loadId')} aria-describedby=${described('loadId')}>
        <option value="">every mining load</option>
        ${(site.loads as { id: string; kind: string }[]).map((l) => html`<option value=${l.id}>${l.id} (${l.kind})</option>`)}
      </select><${FieldError} error=${error} name="loadId" /></label>
      <label>Action <select name="action" value=${form.action} onChange=${set('action')}>
        ${ACTIONS.map((a) => html`<option value=${a}>${a}</option>`)}
      </select></label>
      ${
        form.action === 'CAP' &&
        html`<label>Cap (MW) <input name="capMw" type="number" min="0" step="0.1" value=${form.capMw} onInput=${set('capMw')} aria-describedby=${described('capMw')} />
          <${FieldError} error=${error} name="capMw" /></label>`
      }
      <label>From (${tz}) <input name="from" type="datetime-local" value=${form.from} onInput=${set('from')} aria-describedby=${described('from')} />
        <${FieldError} error=${error} name="from" /></label>
      <label>To (${tz}) <input name="to" type="datetime-local" value=${form.to} onInput=${set('to')} aria-describedby=${described('to')} />
        <${FieldError} error=${error} name="to" /></label>
      <label class="wide">Reason <textarea name="reason" rows="2" value=${form.reason} onInput=${set('reason')} aria-describedby=${described('reason')}></textarea>
        <${FieldError} error=${error} name="reason" /></label>
    </div>
    ${
      needsAck &&
      html`<div class="obligation" role="note">
        <p>This window holds grid obligations: <strong>${obligations.data!.join(', ')}</strong>. The engine keeps them unless you acknowledge overriding them${' '}
          (the decisions are flagged OBLIGATION_OVERRIDDEN).</p>
        <label><input type="checkbox" name="acknowledgeObligation" checked=${form.ack} onChange=${set('ack')} /> I acknowledge overriding ${obligations.data!.join(', ')}</label>
      </div>`
    }
    <${ErrorBox} error=${error} />
    <button class="primary" type="submit" disabled=${busy}>${busy ? 'Creating…' : 'Create override'}</button>
  </form>`;
}

function CancelCell({ p, o, onDone }: { p: ViewProps; o: Override; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<ApiError>();
  const [current, setCurrent] = useState<Override>();
  if (!open) return html`<button class="cancel" onClick=${() => setOpen(true)}>Cancel…</button>`;
  const confirm = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      // The version this list read: if someone changed the override since, the API answers 412.
      await p.api.post(`/overrides/${encodeURIComponent(o.id)}/cancel`, { reason }, { 'If-Match': `"${o.version}"` });
      onDone();
    } catch (err) {
      const apiError = asApiError(err);
      setError(apiError);
      if (apiError.status === 412 || apiError.status === 409)
        setCurrent(await p.api.get<Override>(`/overrides/${encodeURIComponent(o.id)}`));
    }
  };
  return html`<form class="cancel-form" onSubmit=${confirm}>
    <label>Reason <input name="cancelReason" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} /></label>
    <button type="submit">Cancel override (version ${o.version})</button>
    <button type="button" class="link" onClick=${() => setOpen(false)}>Keep</button>
    <${ErrorBox} error=${error} />
    ${
      current &&
      html`<div class="conflict" role="status">Now: version ${current.version}, ${current.status}${current.cancelledBy ? ` by ${current.cancelledBy}` : ''}${' '}
        ${current.cancelReason ? ` (“${current.cancelReason}”)` : ''}. <button type="button" onClick=${onDone}>Reload the list</button></div>`
    }
  </form>`;
}

function OverrideTable({
  p,
  items,
  cancellable,
  onChange,
}: {
  p: ViewProps;
  items: Override[];
  cancellable: boolean;
  onChange: () => void;
}) {
  if (!items.length) return html`<p class="muted">None.</p>`;
  const tzOf = (siteId: string) => p.sites.find((s) => s.id === siteId)?.timezone ?? 'UTC';
  return html`<table class="overrides">
    <thead><tr><th scope="col">Site / load</th><th scope="col">Action</th><th scope="col">Window</th><th scope="col">Reason</th><th scope="col">By</th>
      <th scope="col">Version</th><th scope="col">Status</th>${cancellable && html`<th scope="col"></th>`}</tr></thead>
    <tbody>${items.map((o) => {
      const tz = tzOf(o.siteId);
      const day = localDate(Date.parse(o.from), tz);
      return html`<tr data-override=${o.id}>
        <td><a href=${`#/site/${encodeURIComponent(o.siteId)}?${new URLSearchParams({ range: 'day', end: day })}`}>${o.siteId}</a> / ${o.loadId ?? 'every mining load'}</td>
        <td>${o.action}${o.action === 'CAP' ? ` ${num(o.capMw)} MW` : ''}</td>
        <td><${Time} ms=${Date.parse(o.from)} tz=${tz} /> → <${Time} ms=${Date.parse(o.to)} tz=${tz} /></td>
        <td>${o.reason}${o.acknowledgeObligation ? html` <span class="chip warn">obligation acknowledged</span>` : ''}</td>
        <td>${o.author}</td><td>${o.version}</td>
        <td>${o.status}${o.cancelledBy ? ` by ${o.cancelledBy}` : ''}</td>
        ${cancellable && html`<td>${o.status === 'ACTIVE' && html`<${CancelCell} p=${p} o=${o} onDone=${onChange} />`}</td>`}
      </tr>`;
    })}</tbody>
  </table>`;
}

export function OverridesView(p: ViewProps) {
  const trader = p.can('trader');
  const active = useLoad(() => p.api.get<{ items: Override[] }>(withQuery('/overrides', { active: 'true' })).then((r) => r.items), []);
  const past = useLoad(() => p.api.get<{ items: Override[] }>(withQuery('/overrides', { active: 'false' })).then((r) => r.items), []);
  const [created, setCreated] = useState<Created>();
  const reload = () => {
    active.reload();
    past.reload();
  };
  useEffect(() => {
    if (created) reload();
  }, [created]);
  const o = created?.override;
  const tz = o ? (p.sites.find((s) => s.id === o.siteId)?.timezone ?? 'UTC') : 'UTC';
  return html`<section class="overrides-view">
    <h1>Overrides</h1>
    ${trader ? html`<${CreateForm} p=${p} onCreated=${setCreated} />` : html`<p class="muted">Read only: overrides are made by traders.</p>`}
    ${
      o &&
      html`<p class="success" role="status">Override <code>${o.id}</code> ${created!.replayed ? 'was already created (replayed)' : 'created'}:${' '}
        ${o.revisions.length} interval${o.revisions.length === 1 ? '' : 's'} re-decided.${' '}
        <a href=${`#/site/${encodeURIComponent(o.siteId)}?${new URLSearchParams({ range: 'day', end: localDate(Date.parse(o.from), tz) })}`}>See it on the timeline</a></p>`
    }
    <h2>Active</h2>
    <${ErrorBox} error=${active.error} />
    ${active.data && html`<${OverrideTable} p=${p} items=${active.data} cancellable=${trader} onChange=${reload} />`}
    <h2>Past</h2>
    <${ErrorBox} error=${past.error} />
    ${past.data && html`<${OverrideTable} p=${p} items=${past.data} cancellable=${false} onChange=${reload} />`}
  </section>`;
}
