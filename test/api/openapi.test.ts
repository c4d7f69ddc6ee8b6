/** The OpenAPI document: served to anyone, and valid by a real OpenAPI 3 validator (Redocly, recommended rules). */

import { bundleFromString, createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, startApi } from './support.ts';

let api: Api;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

describe('GET /openapi.json', () => {
  it('is served without a token and documents every route of DESIGN §5', async () => {
    const res = await api.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toMatch(/^3\.1\./);
    const ops = Object.entries(doc.paths).flatMap(([p, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${p}`));
    expect(ops).toEqual(
      expect.arrayContaining([
        'GET /health',
        'GET /sites',
        'GET /sites/{siteId}/decisions',
        'GET /sites/{siteId}/decisions/{intervalStart}/revisions',
        'GET /decisions',
        'POST /sites/{siteId}/overrides',
        'GET /overrides',
        'GET /overrides/{id}',
        'POST /overrides/{id}/cancel',
        'GET /audit',
        'GET /reports/pnl',
        'GET /bids',
        'GET /runs',
        'POST /runs',
      ]),
    );
  });

  it('passes Redocly lint with the recommended ruleset without errors or warnings', async () => {
    const res = await api.call('GET', '/openapi.json');
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: res.text, absoluteRef: 'openapi.json', config });
    const described = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(described.filter((d) => d.startsWith('error'))).toEqual([]);
    expect(described).toEqual([]);
  });

  it('bundles with every $ref resolved', async () => {
    const res = await api.call('GET', '/openapi.json');
    const config = await createConfig({ extends: ['recommended'] });
    const { problems, bundle } = await bundleFromString({ source: res.text, absoluteRef: 'openapi.json', config });
    expect(problems.map((p) => p.message)).toEqual([]);
    expect(Object.keys((bundle.parsed as { components: { schemas: object } }).components.schemas)).toEqual(
      expect.arrayContaining([
        ...['Problem', 'Site', 'Allocation', 'DecisionInputs', 'DecisionEconomics', 'Decision', 'DecisionPage', 'DecisionRevisions'],
        ...['OverrideCreate', 'OverrideCancel', 'Override', 'RevisionRef', 'OverrideChange', 'OverrideList', 'AuditRecord', 'AuditPage'],
        ...['PnlRow', 'PnlReport', 'SiteBids', 'BidsList', 'Run', 'RunList', 'RunRequest', 'RunSummary'],
      ]),
    );
  });

  type Operation = { parameters?: unknown[]; requestBody?: unknown; security?: unknown[]; responses: Record<string, unknown> };

  it('documents the error responses of every operation: 401 and 403 behind a role, 400 with input, 413 and 415 with a body', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const statuses = Object.keys(op.responses);
        const expected = ['429'];
        if (op.security?.length) expected.push('401', '403');
        if (op.parameters?.length || op.requestBody) expected.push('400');
        if (op.requestBody) expected.push('413', '415');
        expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(expected));
      }
    }
  });

  it('documents only routes that are served: each answers a caller without a token with 401, the public one with 200', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, Operation>> };
    const samples: Record<string, string> = { siteId: 'rockdale', id: 'ovr-1', intervalStart: '2024-07-15T20:00:00Z' };
    for (const [path, item] of Object.entries(doc.paths)) {
      const url = path.replaceAll(/\{(\w+)\}/g, (_, name: string) => samples[name]!);
      for (const [method, op] of Object.entries(item)) {
        const res = await api.call(method.toUpperCase(), url);
        expect(res.status, `${method} ${path}`).toBe(op.security?.length ? 401 : 200);
      }
    }
  });

  it('names the roles of every protected operation in x-roles, as its security requires', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown[]; 'x-roles'?: string[] }>>;
    };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const open = path === '/health';
        expect(op.security, `${method} ${path}`).toEqual(open ? [] : [{ bearerAuth: [] }]);
        if (!open) expect(op['x-roles']?.length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});
