/** Small shared pieces of the views: data loading, errors, times with UTC on hover, flags. */
import { html } from 'htm/preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';
import { localText, utcText, zoneName } from './time.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  reload: () => void;
}

/** Runs `load` when the keys change (and on reload); the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, keys: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => mine === seq.current && setState({ data, loading: false }),
      (err: unknown) => mine === seq.current && setState({ error: asApiError(err), loading: false }),
    );
  }, [...keys, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export const asApiError = (err: unknown) => (err instanceof ApiError ? err : new ApiError(0, (err as Error).message ?? String(err)));

export function ErrorBox({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return html`<div class="error" role="alert">
    <strong>${error.status ? `${error.status}: ` : ''}</strong>${error.message}
    ${error.errors.length > 0 && html`<ul>${error.errors.map((e) => html`<li><code>${e.path}</code> ${e.message}</li>`)}</ul>`}
  </div>`;
}

/** An instant in the site's zone, UTC on hover. */
export function Time({ ms, tz, seconds = false }: { ms: number; tz: string; seconds?: boolean }) {
  return html`<time datetime=${new Date(ms).toISOString()} title=${utcText(ms)}>${localText(ms, tz, seconds)} ${zoneName(ms, tz)}</time>`;
}

const FLAG_CLASS: [RegExp, string][] = [
  [/FAIL_SAFE|EMERGENCY|SHORTFALL|MISSING/, 'bad'],
  [/STALE|DEMO|OBLIGATION|FOURCP|PEAK|LIMITED/, 'warn'],
];

export function Chip({ text, title }: { text: string; title?: string }) {
  const cls = FLAG_CLASS.find(([re]) => re.test(text))?.[1] ?? 'info';
  return html`<span class=${`chip ${cls}`} title=${title ?? text}>${text.replaceAll('_', ' ').toLowerCase()}</span>`;
}

export const num = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
export const usd = (v: number | null | undefined) =>
  v === null || v === undefined ? '—' : v.toLocaleString('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
