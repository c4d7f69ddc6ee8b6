/** The ERCOT public API client against a loopback ERCOT: B2C token endpoint + paged report endpoints. */
import { afterEach, describe, expect, it } from 'vitest';
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { FeedError } from '#adapters/feeds/http.ts';
import type { Clock } from '#ports/clock.ts';
import { fastHttp, type Handler, type Loopback, loopback, type Recorded } from './loopback.ts';

const TOKEN_PATH = '/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token';
const RTM_PATH = '/api/public-reports/np6-905-cd/spp_node_zone_hub';
const DAM_PATH = '/api/public-reports/np4-190-cd/dam_stlmnt_pnt_prices';
const KEY = 'sub-key-123';

const RTM_FIELDS = [
  { name: 'deliveryDate', label: 'Delivery Date', dataType: 'DATE' },
  { name: 'deliveryHour', label: 'Delivery Hour', dataType: 'INTEGER' },
  { name: 'deliveryInterval', label: 'Delivery Interval', dataType: 'INTEGER' },
  { name: 'settlementPoint', label: 'Settlement Point Name', dataType: 'STRING' },
  { name: 'settlementPointType', label: 'Settlement Point Type', dataType: 'STRING' },
  { name: 'settlementPointPrice', label: 'Settlement Point Price', dataType: 'DOUBLE' },
  { name: 'DSTFlag', label: 'DST Flag', dataType: 'BOOLEAN' },
];
const DAM_FIELDS = [
  { name: 'deliveryDate', label: 'Delivery Date', dataType: 'DATE' },
  { name: 'hourEnding', label: 'Hour Ending', dataType: 'STRING' },
  { name: 'settlementPoint', label: 'Settlement Point', dataType: 'STRING' },
  { name: 'settlementPointPrice', label: 'Settlement Point Price', dataType: 'DOUBLE' },
  { name: 'DSTFlag', label: 'DST Flag', dataType: 'BOOLEAN' },
];

/** MIS rows of the fall-back day 2024-11-03 for one hub: hour-ending 2 twice, the second flagged. */
function fallBackRows(node: string): unknown[][] {
  const rows: unknown[][] = [];
  let price = 1;
  for (let h = 1; h <= 24; h++) {
    for (const repeated of h === 2 ? [false, true] : [false]) {
      for (let q = 1; q <= 4; q++) rows.push(['2024-11-03', h, q, node, 'HU', price++, repeated]);
    }
  }
  return rows;
}

/** A B2C tenant that issues tok-1, tok-2, … and remembers which are still valid. */
function tenant() {
  const valid = new Set<string>();
  let issued = 0;
  const handler: Handler = () => {
    const token = `tok-${++issued}`;
    valid.add(token);
    return {
      body: {
        access_token: 'ignored',
        token_type: 'Bearer',
        expires_in: '3600',
        id_token: token,
        id_token_expires_in: '3600',
        refresh_token: 'r',
      },
    };
  };
  return { valid, handler };
}

/** A report endpoint: checks the key and token, filters by settlementPoint, pages by page/size. */
function report(
  rows: unknown[][],
  fields: typeof RTM_FIELDS,
  valid: Set<string>,
  extra?: (r: Recorded, n: number) => ReturnType<Handler> | undefined,
): Handler {
  return (req, n) => {
    const pre = extra?.(req, n);
    if (pre) return pre;
    if (req.headers['ocp-apim-subscription-key'] !== KEY)
      return { status: 401, body: { statusCode: 401, message: 'Access denied due to missing subscription key.' } };
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!token || !valid.has(token))
      return { status: 401, body: { statusCode: 401, message: 'Unauthorized. Access token is missing or invalid.' } };
    const node = req.query.get('settlementPoint');
    const from = req.query.get('deliveryDateFrom')!;
    const to = req.query.get('deliveryDateTo')!;
    const nodeAt = fields === DAM_FIELDS ? 2 : 3;
    const all = rows.filter((r) => r[nodeAt] === node && String(r[0]) >= from && String(r[0]) <= to);
    const size = Number(req.query.get('size'));
    const page = Number(req.query.get('page'));
    const totalPages = Math.ceil(all.length / size);
    return {
      body: {
        _meta: { totalRecords: all.length, pageSize: size, totalPages, currentPage: page, query: Object.fromEntries(req.query) },
        report: {
          reportEMIL: 'NP6-905-CD',
          reportName: 'spp_node_zone_hub',
          reportDisplayName: 'Settlement Point Prices at Resource Nodes, Hubs and Load Zones',
        },
        fields,
        data: all.slice((page - 1) * size, page * size),
        _links: {},
      },
    };
  };
}

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function client(s: Loopback, opts: { clock?: Clock; pageSize?: number; http?: ReturnType<typeof fastHttp>['http'] } = {}) {
  return new ErcotApiClient({
    baseUrl: `${s.url}/api/public-reports`,
    tokenUrl: `${s.url}${TOKEN_PATH}`,
    clientId: 'client-abc',
    username: 'desk@example.com',
    password: 'p@ss word',
    subscriptionKey: KEY,
    pageSize: opts.pageSize ?? 40,
    http: opts.http ?? fastHttp().http,
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
}

const day = { fromMs: Date.parse('2024-11-03T05:00:00Z'), toMs: Date.parse('2024-11-04T06:00:00Z') };

describe('ERCOT API client', () => {
  it('logs in with the B2C password grant, sending exactly the form ERCOT documents', async () => {
    const t = tenant();
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: report(fallBackRows('HB_HUBAVG'), RTM_FIELDS, t.valid) });
    await client(server).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    const [login] = server.to(TOKEN_PATH);
    expect(login!.method).toBe('POST');
    expect(login!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(login!.body))).toEqual({
      username: 'desk@example.com',
      password: 'p@ss word',
      grant_type: 'password',
      scope: 'openid client-abc offline_access',
      client_id: 'client-abc',
      response_type: 'id_token',
    });
  });

  it('reads every page, with the key and bearer token on each request, and places the fall-back day in UTC', async () => {
    const t = tenant();
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: report(fallBackRows('HB_HUBAVG'), RTM_FIELDS, t.valid) });
    const r = await client(server, { pageSize: 40 }).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    const calls = server.to(RTM_PATH);
    expect(calls.map((c) => c.query.get('page'))).toEqual(['1', '2', '3']);
    expect(calls.every((c) => c.headers.authorization === 'Bearer tok-1' && c.headers['ocp-apim-subscription-key'] === KEY)).toBe(true);
    expect(calls[0]!.query.get('deliveryDateFrom')).toBe('2024-11-03');
    expect(calls[0]!.query.get('deliveryDateTo')).toBe('2024-11-03');
    expect(server.to(TOKEN_PATH)).toHaveLength(1);
    expect(r.points).toHaveLength(100);
    expect(r.gaps).toEqual([]);
    // The fifth and ninth data rows: hour-ending 2 (CDT), then its repeat flagged DSTFlag=true (CST).
    expect(r.points.find((p) => p.priceUsdPerMwh === 5)!.intervalStartMs).toBe(Date.parse('2024-11-03T06:00:00Z'));
    expect(r.points.find((p) => p.priceUsdPerMwh === 9)!.intervalStartMs).toBe(Date.parse('2024-11-03T07:00:00Z'));
  });

  it('fetches a new token once after a 401 and retries the request with it', async () => {
    const t = tenant();
    const rtm = report(fallBackRows('HB_HUBAVG'), RTM_FIELDS, t.valid);
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: rtm });
    const api = client(server, { pageSize: 1000 });
    await api.fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    t.valid.delete('tok-1'); // revoked server-side before it expires
    const r = await api.fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    expect(r.points).toHaveLength(100);
    expect(server.to(TOKEN_PATH)).toHaveLength(2);
    expect(server.to(RTM_PATH).map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('reports a clear error when a fresh token is refused too', async () => {
    const t = tenant();
    server = await loopback({
      [TOKEN_PATH]: t.handler,
      [RTM_PATH]: () => ({ status: 401, body: { statusCode: 401, message: 'Unauthorized' } }),
    });
    const err = await client(server)
      .fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FeedError);
    expect((err as FeedError).message).toBe(
      'ERCOT API: still unauthorized (HTTP 401) with a fresh token: check the subscription key and account',
    );
    expect(server.to(TOKEN_PATH)).toHaveLength(2);
  });

  it('refreshes the token before it expires, without waiting for a 401', async () => {
    const t = tenant();
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: report(fallBackRows('HB_HUBAVG'), RTM_FIELDS, t.valid) });
    let now = Date.parse('2024-11-04T12:00:00Z');
    const api = client(server, { clock: { nowMs: () => now }, pageSize: 1000 });
    await api.fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    now += 50 * 60_000; // 50 of the token's 60 minutes: still more than the 5-minute margin
    await api.fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    expect(server.to(TOKEN_PATH)).toHaveLength(1);
    now += 6 * 60_000; // 56 minutes: inside the margin
    await api.fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    expect(server.to(TOKEN_PATH)).toHaveLength(2);
    expect(server.to(RTM_PATH).map((c) => c.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('backs off on 429 as Retry-After asks and on 5xx, then carries on paging', async () => {
    const t = tenant();
    const rows = fallBackRows('HB_HUBAVG');
    const rtm = report(rows, RTM_FIELDS, t.valid, (_r, n) =>
      n === 2
        ? {
            status: 429,
            headers: { 'retry-after': '3' },
            body: { statusCode: 429, message: 'Rate limit is exceeded. Try again in 3 seconds.' },
          }
        : n === 3
          ? { status: 500, body: 'oops' }
          : undefined,
    );
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: rtm });
    const { http, waits } = fastHttp();
    const r = await client(server, { pageSize: 50, http }).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] });
    expect(r.points).toHaveLength(100);
    expect(waits[0]).toBe(3_000);
    expect(waits).toHaveLength(2);
    expect(server.to(RTM_PATH).map((c) => c.query.get('page'))).toEqual(['1', '2', '2', '2']);
  });

  it('turns a malformed page into a clear error', async () => {
    const t = tenant();
    server = await loopback({
      [TOKEN_PATH]: t.handler,
      [RTM_PATH]: () => ({ body: '{"_meta": {"totalPages": 1, "currentPage": 1}, "fields": [' }),
    });
    await expect(client(server).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] })).rejects.toThrow(
      /^ERCOT API GET http:\/\/127\.0\.0\.1:\d+\/api\/public-reports\/np6-905-cd\/spp_node_zone_hub: malformed JSON/,
    );
  });

  it('rejects a bad row by its row number and field', async () => {
    const t = tenant();
    const rows = fallBackRows('HB_HUBAVG');
    rows[41]![5] = 'n/a';
    server = await loopback({ [TOKEN_PATH]: t.handler, [RTM_PATH]: report(rows, RTM_FIELDS, t.valid) });
    await expect(client(server).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'] })).rejects.toThrow(
      'ERCOT API np6-905-cd, row 42: settlementPointPrice: not a number',
    );
    const r = await client(server).fetchRtmPrices({ ...day, nodes: ['HB_HUBAVG'], skipBadRows: true });
    expect(r.rejects).toEqual([{ line: 42, field: 'settlementPointPrice', message: 'not a number' }]);
    expect(r.gaps).toEqual([
      {
        series: 'ERCOT HB_HUBAVG RT',
        fromMs: Date.parse('2024-11-03T15:15:00Z'),
        toMs: Date.parse('2024-11-03T15:30:00Z'),
        missingIntervals: 1,
      },
    ]);
  });

  it('reads day-ahead prices with "HH:00" hour endings, only inside the UTC window asked for', async () => {
    const t = tenant();
    const rows = Array.from({ length: 24 }, (_, i) => ['2024-07-01', `${String(i + 1).padStart(2, '0')}:00`, 'HB_WEST', 30 + i, false]);
    server = await loopback({ [TOKEN_PATH]: t.handler, [DAM_PATH]: report(rows, DAM_FIELDS, t.valid) });
    const r = await client(server).fetchDamPrices({
      fromMs: Date.parse('2024-07-01T05:00:00Z'),
      toMs: Date.parse('2024-07-01T08:00:00Z'),
      nodes: ['HB_WEST'],
    });
    expect(r.points).toEqual([
      {
        market: 'ERCOT',
        node: 'HB_WEST',
        kind: 'DA',
        intervalStartMs: Date.parse('2024-07-01T05:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: 30,
      },
      {
        market: 'ERCOT',
        node: 'HB_WEST',
        kind: 'DA',
        intervalStartMs: Date.parse('2024-07-01T06:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: 31,
      },
      {
        market: 'ERCOT',
        node: 'HB_WEST',
        kind: 'DA',
        intervalStartMs: Date.parse('2024-07-01T07:00:00Z'),
        intervalMinutes: 60,
        priceUsdPerMwh: 32,
      },
    ]);
  });

  it('reports the whole window as a gap when the API has nothing', async () => {
    const t = tenant();
    server = await loopback({ [TOKEN_PATH]: t.handler, [DAM_PATH]: report([], DAM_FIELDS, t.valid) });
    const r = await client(server).fetchDamPrices({
      fromMs: Date.parse('2024-07-01T05:00:00Z'),
      toMs: Date.parse('2024-07-02T05:00:00Z'),
      nodes: ['HB_WEST'],
    });
    expect(r.points).toEqual([]);
    expect(r.gaps).toEqual([
      {
        series: 'ERCOT HB_WEST DA',
        fromMs: Date.parse('2024-07-01T05:00:00Z'),
        toMs: Date.parse('2024-07-02T05:00:00Z'),
        missingIntervals: 24,
      },
    ]);
  });
});
