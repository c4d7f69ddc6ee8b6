/**
 * The compliance report as one printable HTML page: self-contained (no scripts, fonts, images or stylesheets fetched),
 * A4 print styles, every figure beside the ids of the records it comes from. The API's `format=html` and
 * `switchyard compliance --format html` both print this.
 */
import type { ComplianceReport } from './compliance.ts';

const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const num = (v: number | null, unit = ''): string =>
  v === null ? '—' : `${v.toLocaleString('en-US', { maximumFractionDigits: 3 })}${unit}`;
const yesNo = (v: boolean | null): string => (v === null ? 'not disclosed' : v ? 'yes' : 'no');
const ids = (list: readonly string[]): string => (list.length ? list.map((i) => `<code>${esc(i)}</code>`).join('<br>') : '—');

const STYLE = `
  body { font: 10.5pt/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2em; }
  h1 { font-size: 16pt; margin: 0 0 .2em; } h2 { font-size: 12.5pt; margin: 1.6em 0 .4em; border-bottom: 1px solid #999; }
  p.meta { color: #444; margin: 0 0 1em; }
  table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #bbb; padding: .25em .45em; vertical-align: top; text-align: left; }
  th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
  code { font: 8pt/1.3 ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
  .PASS, .met { color: #0a5c1f; font-weight: 600; } .FAIL, .missed { color: #9b1111; font-weight: 600; }
  .INCONCLUSIVE { color: #7a5a00; font-weight: 600; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1.2em; } dt { font-weight: 600; } dd { margin: 0; }
  @page { size: A4 landscape; margin: 12mm; }
  @media print { body { margin: 0; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

export function complianceHtml(r: ComplianceReport): string {
  const ll = r.largeLoad;
  const events = r.gridEvents
    .map(
      (e) => `<tr>
      <td>${esc(e.type)}${e.level !== null ? ` ${e.level}` : ''}${e.product ? ` (${esc(e.product)})` : ''}</td>
      <td>${esc(e.start)}</td><td>${esc(e.end)}</td>
      <td class="n">${num(e.askedMw)}</td><td class="n">${num(e.baselineMw)}</td><td class="n">${num(e.achievedMw)}</td>
      <td class="n">${num(e.secondsToAchieve, ' s')}</td>
      <td class="${e.met === null ? '' : e.met ? 'met' : 'missed'}">${e.met === null ? '—' : e.met ? 'met' : 'not met'}${e.note ? `<br>${esc(e.note)}` : ''}</td>
      <td><code>${esc(e.sources.gridEventId)}</code>${
        e.sources.telemetry ? `<br>samples ${esc(e.sources.telemetry.from)} – ${esc(e.sources.telemetry.to)}` : ''
      }<br>${ids(e.sources.stateChangeIds)}</td>
    </tr>`,
    )
    .join('');
  const tests = r.capabilityTests
    .map((t) => {
      const x = t.response;
      const outcome = x ? `${x.outcome}${t.recorded ? '' : ' (so far)'}` : t.status;
      return `<tr>
      <td><code>${esc(t.id)}</code><br>${esc(t.status)}</td>
      <td>${esc(t.startAt)}<br>${t.minutes} min</td><td class="n">${t.percent}%</td><td class="n">${num(t.capMw)}</td>
      <td>${x ? esc(x.instructedAt) : '—'}</td>
      <td class="n">${num(x?.baselineMw ?? null)}</td><td class="n">${num(x?.askedMw ?? null)}</td><td class="n">${num(x?.achievedMw ?? null)}</td>
      <td class="n">${num(x?.secondsToAchieve ?? null, ' s')}</td>
      <td class="${x?.outcome ?? ''}">${esc(outcome)}${x?.note ? `<br>${esc(x.note)}` : ''}<br>tolerance ${t.tolerancePct}%</td>
      <td>override <code>${esc(t.sources.overrideId)}</code><br>audit <code>${esc(t.sources.auditRecordId)}</code>
        <br>samples ${esc(t.sources.telemetry.from)} – ${esc(t.sources.telemetry.to)}<br>${ids(t.sources.stateChangeIds)}</td>
    </tr>`;
    })
    .join('');
  const s = r.summary;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Compliance evidence — ${esc(r.siteName)} — ${esc(r.from.slice(0, 10))} to ${esc(r.to.slice(0, 10))}</title>
<style>${STYLE}</style></head>
<body>
<h1>Compliance evidence: ${esc(r.siteName)} (<code>${esc(r.siteId)}</code>)</h1>
<p class="meta">${esc(r.market)} · period [${esc(r.from)}, ${esc(r.to)}) · generated ${esc(r.generatedAt)} from the stored records named in each row</p>

<h2>Large load (Texas SB 6)</h2>
<dl>
  <dt>Large load (≥ ${ll.thresholdMw} MW)</dt><dd>${ll.isLargeLoad ? 'yes' : 'no'} — peak demand ${num(ll.peakDemandMw, ' MW')}</dd>
  <dt>Interconnect</dt><dd>${num(ll.interconnectMw, ' MW')}</dd>
  <dt>Mining load / AI contracted</dt><dd>${num(ll.miningMw, ' MW')} / ${num(ll.aiContractedMw, ' MW')}</dd>
  <dt>Backup generation</dt><dd>${ll.backupGenerationMw === null ? 'not disclosed in the sites file' : num(ll.backupGenerationMw, ' MW')}</dd>
  <dt>Serves ≥ 50% of demand (${num(ll.halfDemandMw, ' MW')})</dt><dd>${yesNo(ll.backupServesHalfOfDemand)}</dd>
  <dt>Tenant load movable to backup</dt><dd>${num(ll.tenantBackupGenMw, ' MW')}</dd>
</dl>

<h2>Grid deployments and emergencies (${s.gridEvents}; ${s.deploymentsMet} of ${s.deployments} curtailing deployments met)</h2>
${
  events
    ? `<table><thead><tr><th>Event</th><th>Instruction</th><th>End</th><th>MW asked</th><th>MW before</th><th>MW achieved</th>
  <th>Time to achieve</th><th>Result</th><th>Records</th></tr></thead><tbody>${events}</tbody></table>`
    : '<p>None in the period.</p>'
}

<h2>Curtailment capability tests (${s.capabilityTests}; ${s.capabilityTestsPassed} passed, ${s.capabilityTestsFailed} failed)</h2>
${
  tests
    ? `<table><thead><tr><th>Test</th><th>Window</th><th>Share</th><th>Cap MW</th><th>Instruction</th><th>MW before</th><th>MW asked</th>
  <th>MW achieved</th><th>Time to achieve</th><th>Result</th><th>Records</th></tr></thead><tbody>${tests}</tbody></table>`
    : '<p>None in the period.</p>'
}
</body></html>
`;
}
