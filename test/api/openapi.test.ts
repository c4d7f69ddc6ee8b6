/** The OpenAPI document: served to anyone, and valid by a real OpenAPI 3 validator (Redocly, recommended rules). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleFromString, createConfig, lintFromString } from '@redocly/openapi-core';
import { startApi, type Api } from './support.ts';

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
      expect.arrayContaining(['Decision', 'Override', 'OverrideCreate', 'AuditRecord', 'PnlRow', 'SiteBids', 'Problem']),
    );
  });

  it('names the roles of every protected operation in x-roles, as its security requires', async () => {
    const doc = (await api.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[]; 'x-roles'?: string[] }>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const open = path === '/health';
        expect(op.security, `${method} ${path}`).toEqual(open ? [] : [{ bearerAuth: [] }]);
        if (!open) expect(op['x-roles']?.length, `${method} ${path}`).toBeGreaterThan(0);
      }
    }
  });
});
