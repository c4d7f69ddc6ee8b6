/** Reads the views share: every page of a site's decisions in a range, its overrides, its agent's actuals. */
import type { Api } from '../api.ts';
import type { Actual, Decision, Override } from '../types.ts';

export async function siteDecisions(api: Api, siteId: string, fromMs: number, toMs: number): Promise<Decision[]> {
  const items: Decision[] = [];
  let nextToken: string | undefined;
  do {
    const page = await api.get<{ items: Decision[]; nextToken?: string }>(`/sites/${encodeURIComponent(siteId)}/decisions`, {
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      limit: '1000',
      nextToken,
    });
    items.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

export const siteOverrides = (api: Api, siteId: string) => api.get<{ items: Override[] }>('/overrides', { siteId }).then((r) => r.items);

let documented: Promise<Set<string>> | undefined;

/** Whether this API serves an operation (`get /sites/{siteId}/actuals`), from its OpenAPI document, read once. */
export function serves(api: Api, operation: string): Promise<boolean> {
  documented ??= api
    .get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json')
    .then((doc) => new Set(Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m} ${path}`))))
    .catch(() => new Set<string>());
  return documented.then((ops) => ops.has(operation));
}

/**
 * What the site agent reported in the range, or null when nothing is reported: an API without the
 * agent routes (asked first, so that the browser logs no 404), or a site with no agent yet.
 */
export async function siteActuals(api: Api, siteId: string, fromMs: number, toMs: number): Promise<Actual[] | null> {
  if (!(await serves(api, 'get /sites/{siteId}/actuals'))) return null;
  const r = await api.get<{ items?: Actual[] } | null>(
    `/sites/${encodeURIComponent(siteId)}/actuals`,
    { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() },
    { nullOn: [404, 501] },
  );
  return r?.items?.length ? r.items : null;
}

export const actualMs = (a: Actual) => Date.parse(a.intervalStart ?? a.at ?? '');
export const actualMw = (a: Actual) => a.mw ?? a.actualMw ?? 0;

/** The decision in force at an instant, else the latest one before it. */
export function decisionAt(ds: Decision[], ms: number): Decision | undefined {
  let best: Decision | undefined;
  for (const d of ds) {
    const start = Date.parse(d.intervalStart);
    if (start <= ms) best = d;
    if (start <= ms && ms < start + d.intervalMinutes * 60_000) return d;
  }
  return best;
}

const OBLIGATION = /DR_DEPLOYMENT|AS_DEPLOYMENT|AS_AWARD_RESERVED|SB6_DIRECTIVE|GRID_EMERGENCY|CONSERVATION_APPEAL/;

/** Reasons that make a decision an obligation (demand response, ancillary award, emergency). */
export function obligationsOf(d: Decision): string[] {
  return [...new Set(d.allocations.flatMap((a) => a.reasons).filter((r) => OBLIGATION.test(r)))];
}
