/**
 * What the operator console needs from the API: CSV downloads of P&L and audit whose rows are the JSON
 * items, the one-time sign-in code exchange, and the console's files served beside the routes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StaticFiles } from '#adapters/http/static.ts';
import { CODE_LIFETIME_MS, signInCodes } from '../../local/signin-codes.ts';
import { type Api, DAY, DAY0, H, iso, MIN, PROBLEM_TYPE, SECRET, seedMarket, startApi, TestClock } from './support.ts';

/** RFC 4180: quoted cells may hold commas, quotes ("") and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  return rows;
}

const files: StaticFiles = new Map([
  ['/index.html', { body: new TextEncoder().encode('<!doctype html><title>console</title>'), contentType: 'text/html; charset=utf-8' }],
  ['/docs/index.html', { body: new TextEncoder().encode('<!doctype html><title>docs</title>'), contentType: 'text/html; charset=utf-8' }],
]);
const codeClock = new TestClock(Date.now());
const codes = signInCodes(SECRET, () => codeClock.now);

let api: Api;
let finance: string;
const range = `from=${iso(DAY0)}&to=${iso(DAY0 + DAY)}`;

beforeAll(async () => {
  api = await startApi({ clockMs: DAY0 + 20 * H, deps: { exchangeSignInCode: codes.exchange, staticFiles: files } });
  await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, (t) => 25 + ((t / 900_000) % 7) * 10);
  await api.decideHours(DAY0 + 18 * H, DAY0 + 21 * H);
  const trader = await api.token('trader');
  for (const [from, reason] of [
    [DAY0 + 20 * H, 'spike, "expected"'],
    [DAY0 + 22 * H, 'line 1\nline 2'],
  ] as const) {
    const r = await api.call('POST', '/sites/rockdale/overrides', {
      token: trader,
      body: { action: 'CURTAIL', from: iso(from), to: iso(from + H), reason },
    });
    expect(r.status).toBe(201);
    // Audit records are ordered by time: a minute apart, their order is known.
    api.clock.now += MIN;
  }
  finance = await api.token('finance');
}, 60_000);
afterAll(() => api.close());

describe('CSV downloads', () => {
  it('GET /reports/pnl?format=csv has one row per JSON item, every field in the JSON’s own column (actual.* flattened)', async () => {
    const q = `/reports/pnl?from=2024-07-15&to=2024-07-16&granularity=day`;
    const json = (await api.call('GET', q, { token: finance })).body as { items: Record<string, unknown>[] };
    const csv = await api.call('GET', `${q}&format=csv`, { token: finance });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="pnl-all-day-2024-07-15-2024-07-16.csv"');
    const [header, ...rows] = parseCsv(csv.text);
    expect(json.items.length).toBe(2);
    const scalars = Object.keys(json.items[0]!).filter((k) => k !== 'actual');
    const actual = ['loadIntervals', 'plannedMwh', 'mwh', 'energyCostUsd', 'miningRevenueUsd', 'netMarginUsd'];
    expect(header).toEqual([...scalars, ...actual.map((k) => `actual.${k}`)]);
    const cellOf = (v: unknown) => (v === null || v === undefined ? '' : String(v));
    const expected = (item: Record<string, unknown>) => [
      ...scalars.map((k) => cellOf(item[k])),
      ...actual.map((k) => cellOf((item.actual as Record<string, unknown> | null)?.[k])),
    ];
    expect(rows).toEqual(json.items.map(expected));
  });

  it('GET /audit?format=csv has every record of the range, quotes and line breaks kept, before/after as JSON', async () => {
    const json = (await api.call('GET', `/audit?${range}&siteId=rockdale`, { token: finance })).body as {
      items: {
        id: string;
        at: string;
        actor: string;
        action: string;
        entity: { type: string; id: string };
        siteId?: string;
        reason: string;
        before: unknown;
        after: unknown;
      }[];
    };
    const csv = await api.call('GET', `/audit?${range}&siteId=rockdale&format=csv&limit=1`, { token: finance });
    expect(csv.status).toBe(200);
    const [header, ...rows] = parseCsv(csv.text);
    expect(header).toEqual(['id', 'at', 'actor', 'action', 'entity_type', 'entity_id', 'site_id', 'reason', 'before', 'after']);
    expect(json.items.map((a) => a.reason)).toEqual(['spike, "expected"', 'line 1\nline 2']);
    expect(rows).toEqual(
      json.items.map((a) => [
        a.id,
        a.at,
        a.actor,
        a.action,
        a.entity.type,
        a.entity.id,
        a.siteId ?? '',
        a.reason,
        a.before === null ? '' : JSON.stringify(a.before),
        JSON.stringify(a.after),
      ]),
    );
  });

  it('keeps the roles of the JSON route: a trader gets 403 for the audit CSV', async () => {
    const res = await api.call('GET', `/audit?${range}&format=csv`, { token: await api.token('trader') });
    expect(res.status).toBe(403);
  });

  it('names the field of a bad format', async () => {
    const res = await api.call('GET', `/audit?${range}&format=xlsx`, { token: finance });
    expect(res.status).toBe(400);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['format']);
  });
});

describe('POST /auth/exchange', () => {
  it('trades a code once for a token with the code’s roles', async () => {
    const code = codes.issue('desk-9', ['finance']);
    const first = await api.call('POST', '/auth/exchange', { body: { code } });
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const signedIn = first.body as { token: string; user: string; roles: string[]; expiresAt: string };
    expect(signedIn).toMatchObject({ user: 'desk-9', roles: ['finance'] });
    expect((await api.call('GET', '/sites', { token: signedIn.token })).status).toBe(200);
    expect((await api.call('POST', '/sites/rockdale/overrides', { token: signedIn.token, body: {} })).status).toBe(403);

    const again = await api.call('POST', '/auth/exchange', { body: { code } });
    expect(again.status).toBe(401);
    expect(again.headers.get('content-type')).toContain(PROBLEM_TYPE);
    expect((again.body as { errors: { path: string }[] }).errors).toEqual([{ path: 'code', message: 'is unknown, used or expired' }]);
  });

  it('refuses a code past its lifetime', async () => {
    const code = codes.issue('desk-9', ['trader']);
    codeClock.now += CODE_LIFETIME_MS;
    const res = await api.call('POST', '/auth/exchange', { body: { code } });
    expect(res.status).toBe(401);
  });

  it('names the missing field', async () => {
    const res = await api.call('POST', '/auth/exchange', { body: {} });
    expect(res.status).toBe(400);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['code']);
  });
});

describe('the console files', () => {
  it('serves the console at / and the docs at /docs, with security headers', async () => {
    for (const [path, title] of [
      ['/', 'console'],
      ['/docs', 'docs'],
    ] as const) {
      const res = await api.call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.text).toContain(`<title>${title}</title>`);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('leaves the API as it was: routes answer, and a path that is neither is a 404 problem', async () => {
    expect((await api.call('GET', '/sites')).status).toBe(401);
    const res = await api.call('GET', '/no-such-file.js');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain(PROBLEM_TYPE);
  });
});
