/**
 * A few thousand requests generated from /openapi.json against the in-process app on dynalite:
 * no 5xx, nothing outside the document (the long run is `npm run bench -- reliability`).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type FuzzApp, startFuzzApp } from '../support/fuzz-app.ts';
import { fuzz, random, violation } from '../support/openapi-fuzz.ts';

let app: FuzzApp;
beforeAll(async () => {
  app = await startFuzzApp(inject('dynamoEndpoint'));
});
afterAll(() => app.close());

describe('fuzzing the API from its OpenAPI document', () => {
  it('the response check refuses what the document does not allow', () => {
    const problem = { $ref: '#/components/schemas/Problem' };
    expect(violation(app.doc, problem, { type: 'about:blank', title: 'Bad', status: 400, detail: 'x' })).toBeNull();
    expect(violation(app.doc, problem, { type: 'about:blank', title: 'Bad', status: '400', detail: 'x' })).toMatch(
      /status: expected integer/,
    );
    expect(violation(app.doc, problem, { type: 'about:blank', title: 'Bad', status: 400 })).toMatch(/detail: is required/);
    expect(
      violation(app.doc, { $ref: '#/components/schemas/OverrideCreate' }, { action: 'RUN', from: 'a', to: 'b', reason: 'r', x: 1 }),
    ).toMatch(/does not match its pattern|is not documented/);
  });

  it('answers 2,000 generated requests over every operation and role with no 5xx and nothing undocumented', async () => {
    const f = await fuzz(app.fetch, app.doc, app.world, app.callers, { total: 2_000, seed: 13, trader: app.trader });
    expect(f.examples).toEqual([]);
    expect(f.fiveXx).toBe(0);
    expect(f.undocumented).toBe(0);
    expect(f.sequences).toBeGreaterThan(10);
    expect(f.sequenceFailures).toBe(0);
    const operations = Object.values(app.doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(f.operations).toBe(operations);
    // Both sides of the fence were exercised: successes and refusals.
    expect(f.byStatus['200']).toBeGreaterThan(100);
    expect(f.byStatus['400']).toBeGreaterThan(100);
    expect(f.byStatus['401']).toBeGreaterThan(50);
    expect(f.byStatus['403']).toBeGreaterThan(50);
  }, 120_000);

  it('draws the same requests from the same seed', () => {
    const a = random(7);
    const b = random(7);
    expect(Array.from({ length: 5 }, a.next)).toEqual(Array.from({ length: 5 }, b.next));
  });
});
