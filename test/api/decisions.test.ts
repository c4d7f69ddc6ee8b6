/** The decision log over HTTP: pages, CSV export, revisions of an interval, decisions of a day, filters. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecisionListSchema, DecisionPageSchema } from '#adapters/http/schemas.ts';
import { type Api, conforms, DAY, DAY0, H, iso, PROBLEM_TYPE, Q, seedMarket, startApi } from './support.ts';

let api: Api;
let reader: string;
const from = iso(DAY0);
const to = iso(DAY0 + DAY);

beforeAll(async () => {
  api = await startApi({ clockMs: DAY0 + DAY + H });
  // Cheap nights, an expensive evening (local 15:00–20:00 = 20:00–01:00 UTC) so that the engine curtails some intervals.
  await seedMarket(api.repos, DAY0 - DAY, DAY0 + DAY, (t) => (new Date(t).getUTCHours() >= 20 ? 400 : 25));
  await api.decideHours(DAY0, DAY0 + DAY);
  reader = await api.token('finance', 'fin-1');
}, 60_000);
afterAll(() => api.close());

async function allPages(path: string, limit: number): Promise<{ pages: number; items: { intervalStart: string; siteId: string }[] }> {
  const items: { intervalStart: string; siteId: string }[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const res = await api.call('GET', `${path}&limit=${limit}${token ? `&nextToken=${encodeURIComponent(token)}` : ''}`, { token: reader });
    expect(res.status).toBe(200);
    const page = conforms(DecisionPageSchema, res.body);
    items.push(...page.items);
    token = page.nextToken;
    pages++;
  } while (token);
  return { pages, items };
}

describe('GET /sites/{siteId}/decisions', () => {
  it('pages through one site-day with opaque tokens: every interval once, ascending', async () => {
    const { pages, items } = await allPages(`/sites/rockdale/decisions?from=${from}&to=${to}`, 40);
    expect(pages).toBe(3);
    expect(items.map((d) => d.intervalStart)).toEqual(Array.from({ length: 96 }, (_, i) => iso(DAY0 + i * Q)));
  });

  it('exports the same range as CSV: a header row, then one row per decision the JSON pages hold', async () => {
    const json = await allPages(`/sites/rockdale/decisions?from=${from}&to=${to}`, 25);
    const res = await api.call('GET', `/sites/rockdale/decisions?from=${from}&to=${to}&format=csv`, { token: reader });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="decisions-rockdale-2024-07-15-2024-07-16.csv"/);
    const lines = res.text.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(
      /^site_id,interval_start_utc,interval_minutes,revision,source,reasons,flags,s21_action,s21_mw,s21_curtail_above_usd_per_mwh,s19_action,/,
    );
    expect(lines.length - 1).toBe(json.items.length);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(json.items.map((d) => d.intervalStart));
  });

  it('exports more than one JSON page may span as CSV, in one response', async () => {
    const res = await api.call('GET', `/sites/rockdale/decisions?from=${iso(DAY0 - 40 * DAY)}&to=${to}&format=csv`, { token: reader });
    expect(res.status).toBe(200);
    expect(res.text.trimEnd().split('\r\n')).toHaveLength(1 + 96);
  });

  it('filters by source and by reason code', async () => {
    const auto = await allPages(`/sites/rockdale/decisions?from=${from}&to=${to}&source=AUTO`, 500);
    expect(auto.items).toHaveLength(96);
    const overridden = await api.call('GET', `/sites/rockdale/decisions?from=${from}&to=${to}&source=OVERRIDE`, { token: reader });
    expect(overridden.body).toEqual({ items: [] });
    const curtailed = await allPages(`/sites/rockdale/decisions?from=${from}&to=${to}&reason=ECONOMIC_CURTAIL`, 500);
    expect(curtailed.items.length).toBeGreaterThan(0);
    expect(curtailed.items.length).toBeLessThan(96);
    for (const d of curtailed.items as unknown as { reasons: string[] }[]) expect(d.reasons).toContain('ECONOMIC_CURTAIL');
  });

  it('refuses a JSON range wider than 31 days, naming `to`', async () => {
    const res = await api.call('GET', `/sites/rockdale/decisions?from=${iso(DAY0 - 40 * DAY)}&to=${to}`, { token: reader });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    expect(res.body).toMatchObject({ status: 400, errors: [{ path: 'to', message: expect.stringMatching(/31 days/) }] });
  });

  it.each([
    ['from after to', `from=${to}&to=${from}`, 'to'],
    ['a date that is not an instant', `from=2024-07-15&to=${to}`, 'from'],
    ['no from', `to=${to}`, 'from'],
    ['a limit that is not a number', `from=${from}&to=${to}&limit=lots`, 'limit'],
    ['an unknown source', `from=${from}&to=${to}&source=MANUAL`, 'source'],
    ['an unknown format', `from=${from}&to=${to}&format=xml`, 'format'],
    ['a forged page token', `from=${from}&to=${to}&nextToken=bm90LWEtdG9rZW4`, 'nextToken'],
    [
      'a page token of another site',
      `from=${from}&to=${to}&nextToken=${Buffer.from(JSON.stringify({ pk: 'SITE#tydal', sk: 'DEC#x' })).toString('base64url')}`,
      'nextToken',
    ],
  ])('answers %s with a 400 problem naming the parameter', async (_what, query, field) => {
    const res = await api.call('GET', `/sites/rockdale/decisions?${query}`, { token: reader });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe(PROBLEM_TYPE);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toContain(field);
  });

  it('answers an unknown site with a 404 naming siteId', async () => {
    const res = await api.call('GET', `/sites/atlantis/decisions?from=${from}&to=${to}`, { token: reader });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errors: [{ path: 'siteId' }] });
  });
});

describe('GET /sites/{siteId}/decisions/{intervalStart}/revisions', () => {
  it('lists every revision of one interval', async () => {
    const res = await api.call('GET', `/sites/rockdale/decisions/${iso(DAY0 + 20 * H)}/revisions`, { token: reader });
    expect(res.status).toBe(200);
    const body = conforms(DecisionListSchema, res.body);
    expect(body.items.map((d) => [d.revision, d.source])).toEqual([[1, 'AUTO']]);
  });

  it('answers an undecided interval with 404 and a malformed instant with 400', async () => {
    expect((await api.call('GET', `/sites/rockdale/decisions/${iso(DAY0 + 3 * DAY)}/revisions`, { token: reader })).status).toBe(404);
    const bad = await api.call('GET', '/sites/rockdale/decisions/yesterday/revisions', { token: reader });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ errors: [{ path: 'intervalStart' }] });
  });
});

describe('GET /decisions?date=', () => {
  it('pages through every site’s decisions of a UTC day', async () => {
    const { pages, items } = await allPages('/decisions?date=2024-07-15', 50);
    // 96 quarter-hours at the ERCOT site, 24 hours at the fixed-price site.
    expect(items).toHaveLength(96 + 24);
    expect(pages).toBe(3);
    expect(new Set(items.map((d) => `${d.siteId}@${d.intervalStart}`)).size).toBe(120);
  });

  it('refuses a day that is not YYYY-MM-DD', async () => {
    const res = await api.call('GET', '/decisions?date=15/07/2024', { token: reader });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ errors: [{ path: 'date' }] });
  });
});
