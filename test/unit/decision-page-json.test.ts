/** The decisions page written as text (views.ts) is exactly what `c.json` of the views would answer. */
import { describe, expect, it } from 'vitest';
import { decisionPageJson, decisionView } from '#adapters/http/views.ts';
import type { Decision } from '#domain/decision.ts';
import { storedDecision } from '../support/decisions.ts';

const freeze = <T>(v: T): T => {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) freeze(x);
  }
  return v;
};
const asCJson = (items: readonly Decision[], nextToken?: string) =>
  JSON.stringify({ items: items.map(decisionView), ...(nextToken ? { nextToken } : {}) });

describe('a page of decisions as JSON text', () => {
  it('equals the JSON of the views, with and without a page token, frozen or not', () => {
    const items = [storedDecision('a', 0), storedDecision('a', 1, 2, { reasons: ['OVERRIDE_CURTAIL'] })];
    expect(decisionPageJson({ items })).toBe(asCJson(items));
    expect(decisionPageJson({ items, nextToken: 'tok"en' })).toBe(asCJson(items, 'tok"en'));
    expect(decisionPageJson({ items: [] })).toBe(asCJson([]));
    const frozen = items.map((d) => freeze(structuredClone(d)));
    expect(decisionPageJson({ items: frozen })).toBe(asCJson(frozen));
  });

  it('answers the same decisions with the same text, and a page with one decision changed with the change', () => {
    const day = Array.from({ length: 96 }, (_, i) => freeze(storedDecision('b', i)));
    const first = decisionPageJson({ items: day });
    expect(decisionPageJson({ items: [...day] })).toBe(first);
    const revised = [...day];
    revised[95] = freeze(storedDecision('b', 95, 2, { reasons: ['OVERRIDE_CREATED:x'] }));
    const second = decisionPageJson({ items: revised });
    expect(second).toBe(asCJson(revised));
    expect(second).not.toBe(first);
    // A caller's own (unfrozen) decision is never answered from what was written before.
    const mutable = day.map((d) => structuredClone(d)) as Decision[];
    mutable[0]!.reasons.push('CHANGED');
    expect(decisionPageJson({ items: mutable })).toBe(asCJson(mutable));
  });
});
