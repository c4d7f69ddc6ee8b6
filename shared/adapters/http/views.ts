/** Domain records as the API shows them. */

import type * as z from 'zod';
import { isActive, overrideSnapshot } from '#app/overrides.ts';
import type { Decision } from '#domain/decision.ts';
import type { Site } from '#domain/sites.ts';
import type { StoredOverride } from '#ports/decisions.ts';
import type { DecisionSchema, OverrideSchema, SiteViewSchema } from './schemas.ts';

export type DecisionView = z.infer<typeof DecisionSchema>;
export type OverrideView = z.infer<typeof OverrideSchema>;
export type SiteView = z.infer<typeof SiteViewSchema>;

export function decisionView(d: Decision): DecisionView {
  return { ...d, inputs: { ...d.inputs }, economics: { ...d.economics }, allocations: d.allocations.map((a) => ({ ...a })) };
}

/** The JSON of frozen decisions' views: a decision shared by the store's reads is serialised once, however many pages show it. */
const decisionJson = new WeakMap<Decision, string>();

function viewJson(d: Decision): string {
  if (!Object.isFrozen(d)) return JSON.stringify(decisionView(d));
  let json = decisionJson.get(d);
  if (json === undefined) {
    json = JSON.stringify(decisionView(d));
    decisionJson.set(d, json);
  }
  return json;
}

/** The last pages of frozen decisions written out: reads that share a query's result share its text too. */
const recentPages: { items: readonly Decision[]; nextToken: string | undefined; json: string }[] = [];
const RECENT_PAGES = 8;

const samePage = (a: readonly Decision[], b: readonly Decision[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/** A page of decisions as the API answers it (`DecisionPageSchema`), as JSON text: `c.json` of the same views, without serialising a decision again. */
export function decisionPageJson(page: { items: readonly Decision[]; nextToken?: string }): string {
  const frozen = page.items.every((d) => Object.isFrozen(d));
  if (frozen) {
    const hit = recentPages.find((p) => p.nextToken === page.nextToken && samePage(p.items, page.items));
    if (hit) return hit.json;
  }
  const next = page.nextToken ? `,"nextToken":${JSON.stringify(page.nextToken)}` : '';
  const json = `{"items":[${page.items.map(viewJson).join(',')}]${next}}`;
  if (frozen) {
    recentPages.unshift({ items: [...page.items], nextToken: page.nextToken, json });
    recentPages.length = Math.min(recentPages.length, RECENT_PAGES);
  }
  return json;
}

export function overrideView(o: StoredOverride, nowMs: number): OverrideView {
  return { ...(overrideSnapshot(o) as Omit<OverrideView, 'active'>), active: isActive(o, nowMs) };
}

/** A site as configured: the sites file's record, every field shown. */
export function siteView(s: Site): SiteView {
  return s;
}
