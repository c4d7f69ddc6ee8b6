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

export function overrideView(o: StoredOverride, nowMs: number): OverrideView {
  return { ...(overrideSnapshot(o) as Omit<OverrideView, 'active'>), active: isActive(o, nowMs) };
}

/** A site as configured: the sites file's record, every field shown. */
export function siteView(s: Site): SiteView {
  return s;
}
