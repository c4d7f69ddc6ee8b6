/**
 * The carbon trade-off of a site: the engine backtested at each shadow carbon price, with the net margin it earns (real
 * dollars: the shadow price steers decisions but is not paid), the tonnes its grid draw emits, and what each tonne
 * avoided against no carbon price cost in margin and in MWh not mined.
 */
import { LB_PER_TONNE } from '#domain/co2.ts';
import type { Site } from '#domain/sites.ts';
import { MINUTE_MS } from '#domain/time.ts';
import type { IntensityPoint } from '#ports/market-data.ts';
import { type BacktestOptions, backtestSite } from './engine.ts';
import type { Timeline } from './timeline.ts';

export interface CarbonSweepRow {
  shadowPriceUsdPerTonne: number;
  netMarginUsd: number;
  mwh: number;
  tCo2: number;
  /** Against the sweep's first price (normally 0). */
  avoidedTCo2: number;
  avoidedMwh: number;
  /** Margin given up per tonne avoided; null where nothing was avoided. */
  usdPerTonneAvoided: number | null;
  /** MWh not drawn per tonne avoided; null where nothing was avoided. */
  mwhPerTonneAvoided: number | null;
}

/** The carbon part of a site in `summary.json`: the intensity series the sweep used and a row per shadow price. */
export interface CarbonSummary {
  intensitySource: string;
  intervals: number;
  /** Intervals of the window with an intensity; the others count no tCO2 and carry no shadow price. */
  intervalsWithIntensity: number;
  sweep: CarbonSweepRow[];
}

/** The stored intensity covering each interval of the timeline, NaN where none is. */
export function intensityOnTimeline(tl: Timeline, points: readonly IntensityPoint[]): Float64Array {
  const out = new Float64Array(tl.n).fill(Number.NaN);
  const sorted = [...points].sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  let k = 0;
  for (let i = 0; i < tl.n; i++) {
    const t = tl.t[i]!;
    while (k + 1 < sorted.length && sorted[k + 1]!.intervalStartMs <= t) k++;
    const p = sorted[k];
    if (p && p.intervalStartMs <= t && t < p.intervalStartMs + p.intervalMinutes * MINUTE_MS) out[i] = p.lbCo2PerMwh;
  }
  return out;
}

/** Backtests the `engine` policy at each shadow price. Intervals without an intensity count no tCO2. */
export function carbonSweep(
  site: Site,
  tl: Timeline,
  intensity: Float64Array,
  shadowPrices: readonly number[],
  opts: Omit<BacktestOptions, 'record' | 'policies' | 'intensity'>,
): CarbonSweepRow[] {
  const hours = tl.intervalMinutes / 60;
  const runs = shadowPrices.map((price) => {
    const r = backtestSite({ ...site, carbon: { shadowPriceUsdPerTonne: price } }, tl, {
      ...opts,
      record: true,
      policies: ['engine'],
      intensity,
    });
    const mw = r.series!.mw.engine;
    let mwh = 0;
    let lb = 0;
    for (let j = 0; j < mw.length; j++) {
      const e = mw[j]! * hours;
      const x = intensity[j % tl.n]!;
      mwh += e;
      if (Number.isFinite(x)) lb += e * x;
    }
    return { price, net: r.policies.engine.netMarginUsd, mwh, t: lb / LB_PER_TONNE };
  });
  const base = runs[0];
  return runs.map((r) => {
    const avoidedT = base ? base.t - r.t : 0;
    const avoidedMwh = base ? base.mwh - r.mwh : 0;
    const some = avoidedT > 1e-9;
    return {
      shadowPriceUsdPerTonne: r.price,
      netMarginUsd: round(r.net, 2),
      mwh: round(r.mwh, 3),
      tCo2: round(r.t, 3),
      avoidedTCo2: round(avoidedT, 3),
      avoidedMwh: round(avoidedMwh, 3),
      usdPerTonneAvoided: some && base ? round((base.net - r.net) / avoidedT, 2) : null,
      mwhPerTonneAvoided: some ? round(avoidedMwh / avoidedT, 3) : null,
    };
  });
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The trade-off curve as an inline SVG: tCO2 across, net margin up, one labelled point per shadow price. */
export function tradeOffSvg(rows: readonly CarbonSweepRow[], width = 640, height = 360): string {
  const pad = { l: 80, r: 20, t: 20, b: 50 };
  const xs = rows.map((r) => r.tCo2);
  const ys = rows.map((r) => r.netMarginUsd);
  const span = (v: number[]) => {
    const lo = Math.min(...v);
    const hi = Math.max(...v);
    return hi > lo ? [lo, hi] : [lo - 1, hi + 1];
  };
  const [x0, x1] = span(xs) as [number, number];
  const [y0, y1] = span(ys) as [number, number];
  const px = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const py = (y: number) => height - pad.b - ((y - y0) / (y1 - y0)) * (height - pad.t - pad.b);
  const pts = rows.map((r) => `${px(r.tCo2).toFixed(1)},${py(r.netMarginUsd).toFixed(1)}`);
  const marks = rows
    .map(
      (r) =>
        `<circle class="sweep-point" fill="#2a7" cx="${px(r.tCo2).toFixed(1)}" cy="${py(r.netMarginUsd).toFixed(1)}" r="4"/>` +
        `<text x="${(px(r.tCo2) + 6).toFixed(1)}" y="${(py(r.netMarginUsd) - 6).toFixed(1)}" font-size="11">` +
        `${esc(`$${r.shadowPriceUsdPerTonne}/t`)}</text>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="carbon-trade-off" width="${width}" height="${height}" role="img" ` +
    `aria-label="Net margin against tCO2 by shadow carbon price">` +
    `<line x1="${pad.l}" y1="${height - pad.b}" x2="${width - pad.r}" y2="${height - pad.b}" stroke="#888"/>` +
    `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${height - pad.b}" stroke="#888"/>` +
    `<text x="${width / 2}" y="${height - 12}" text-anchor="middle" font-size="12">tCO2 (${x0.toFixed(0)} – ${x1.toFixed(0)})</text>` +
    `<text x="14" y="${height / 2}" font-size="12" transform="rotate(-90 14 ${height / 2})" text-anchor="middle">` +
    `net margin USD (${y0.toFixed(0)} – ${y1.toFixed(0)})</text>` +
    `<polyline fill="none" stroke="#2a7" stroke-width="2" points="${pts.join(' ')}"/>${marks}</svg>`
  );
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const usd = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const num = (x: number | null, digits = 1) => (x === null ? '–' : x.toLocaleString('en-US', { maximumFractionDigits: digits }));

/** The trade-off curve and the table of what each tonne avoided cost: a section of a page (the backtest report's too). */
export function carbonSweepSection(rows: readonly CarbonSweepRow[]): string {
  const body = rows
    .map(
      (r) =>
        `<tr><td>${r.shadowPriceUsdPerTonne}</td><td>${usd(r.netMarginUsd)}</td><td>${num(r.mwh)}</td><td>${num(r.tCo2)}</td>` +
        `<td>${num(r.avoidedTCo2)}</td><td>${num(r.usdPerTonneAvoided, 2)}</td><td>${num(r.mwhPerTonneAvoided, 3)}</td></tr>`,
    )
    .join('');
  return (
    `${tradeOffSvg(rows)}` +
    '<table class="carbon-sweep"><thead><tr><th>shadow $/tCO2</th><th>net margin $</th><th>MWh</th><th>tCO2</th>' +
    `<th>tCO2 avoided</th><th>$ per tonne avoided</th><th>MWh per tonne avoided</th></tr></thead><tbody>${body}</tbody></table>`
  );
}

/** A printable page of the sweep: the trade-off curve and a row per shadow price. Self-contained (fetches nothing). */
export function carbonTradeOffHtml(siteId: string, rows: readonly CarbonSweepRow[]): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Carbon trade-off: ${esc(siteId)}</title>` +
    '<style>body{font:14px system-ui,sans-serif;margin:24px}table{border-collapse:collapse}td,th{padding:4px 10px;' +
    'border-bottom:1px solid #ddd;text-align:right}.sweep-point{fill:#2a7}</style></head><body>' +
    `<h1>Carbon trade-off: ${esc(siteId)}</h1>${carbonSweepSection(rows)}</body></html>`
  );
}

/** The backtest report's carbon section of a site: what the sweep used, then the curve and the table. */
export function carbonReportSection(c: CarbonSummary): string {
  const share = c.intervals > 0 ? ((100 * c.intervalsWithIntensity) / c.intervals).toFixed(1) : '0';
  return (
    '<h3>Carbon trade-off</h3>' +
    `<p class="note">The engine at each shadow carbon price (it steers decisions, it is not paid): net margin against the tCO2 of ` +
    `the mining draw, and what each tonne avoided against $0/t cost in margin and in MWh not mined. Intensity: ${esc(c.intensitySource)}, ` +
    `${c.intervalsWithIntensity.toLocaleString('en-US')} of ${c.intervals.toLocaleString('en-US')} intervals (${share}%).</p>` +
    carbonSweepSection(c.sweep)
  );
}
