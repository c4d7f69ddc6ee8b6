/** Domain records as the API shows them. */
import { isActive, overrideSnapshot } from '#app/overrides.ts';
import type { Decision } from '#domain/decision.ts';
import type { StoredOverride } from '#ports/decisions.ts';
import type { z } from '@hono/zod-openapi';
import type { DecisionSchema, OverrideSchema } from './schemas.ts';

export type DecisionView = z.infer<typeof DecisionSchema>;
export type OverrideView = z.infer<typeof OverrideSchema>;

export function decisionView(d: Decision): DecisionView {
  return { ...d, inputs: { ...d.inputs }, economics: { ...d.economics }, allocations: d.allocations.map((a) => ({ ...a })) };
}

export function overrideView(o: StoredOverride, nowMs: number): OverrideView {
  return { ...(overrideSnapshot(o) as Omit<OverrideView, 'active'>), active: isActive(o, nowMs) };
}
