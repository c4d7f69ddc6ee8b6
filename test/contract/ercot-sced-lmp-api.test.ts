/** NP6-788-CD (SCED LMPs) from a loopback ERCOT public API, as the ingest job and the site agent read it. */
import { afterEach, describe, expect, it } from 'vitest';
import { ErcotApiClient } from '#adapters/feeds/ercot-api.ts';
import { ErcotScedLmpApi, localWindow } from '#adapters/feeds/ercot-sced-lmp-api.ts';
import { rt5PriceFeed } from '#adapters/feeds/five-minute.ts';
import { ercotFiveMinuteFeed } from '#agent/adapters/prices.ts';
import { fastHttp, type Handler, type Loopback, loopback } from './loopback.ts';

const TOKEN_PATH = '/ercotb2c.onmicrosoft.com/B2C_1_PUBAPI-ROPC-FLOW/oauth2/v2.0/token';
const LMP_PATH = '/api/public-reports/np6-788-cd/lmp_node_zone_hub';
const KEY = 'sub-key-788';
const FIELDS = [
  { name: 'SCEDTimestamp', label: 'SCED Time Stamp', dataType: 'DATETIME' },
  { name: 'repeatHourFlag', label: 'Repeat Hour Flag', dataType: 'BOOLEAN' },
  { name: 'settlementPoint', label: 'Settlement Point', dataType: 'STRING' },
  { name: 'LMP', label: 'LMP', dataType: 'DOUBLE' },
];

/** SCED runs around the fall-back of 2024-11-03, local time as the API serves it: 01:00–01:59 twice, the second flagged. */
const ROWS: unknown[][] = [
  ['2024-11-03T00:55:12', false, 'HB_HUBAVG', 10],
  ['2024-11-03T01:00:13', false, 'HB_HUBAVG', 11],
  ['2024-11-03T01:55:11', false, 'HB_HUBAVG', 12],
  ['2024-11-03T01:00:14', true, 'HB_HUBAVG', 13],
  ['2024-11-03T01:55:12', true, 'HB_HUBAVG', 14],
  ['2024-11-03T02:00:15', false, 'HB_HUBAVG', 15],
  ['2024-11-03T01:00:14', true, 'HB_NORTH', 99],
];

/** The report endpoint: key and token checked, filtered on settlementPoint and the local timestamp text, paged. */
function endpoint(rows: unknown[][]): Handler {
  return (req) => {
    if (req.headers['ocp-apim-subscription-key'] !== KEY) return { status: 401, body: { statusCode: 401, message: 'Access denied' } };
    if (req.headers.authorization !== 'Bearer tok-1') return { status: 401, body: { statusCode: 401, message: 'Unauthorized' } };
    const from = req.query.get('SCEDTimestampFrom')!;
    const to = req.query.get('SCEDTimestampTo')!;
    const all = rows.filter((r) => r[2] === req.query.get('settlementPoint') && String(r[0]) >= from && String(r[0]) <= to);
    const size = Number(req.query.get('size'));
    const page = Number(req.query.get('page'));
    return {
      body: {
        _meta: { totalRecords: all.length, pageSize: size, totalPages: Math.ceil(all.length / size), currentPage: page },
        report: { reportEMIL: 'NP6-788-CD', reportName: 'lmp_node_zone_hub' },
        fields: FIELDS,
        data: all.slice((page - 1) * size, page * size),
        _links: {},
      },
    };
  };
}

const token: Handler = () => ({ body: { id_token: 'tok-1', id_token_expires_in: '3600', token_type: 'Bearer' } });

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function config(s: Loopback, pageSize = 100) {
  return {
    baseUrl: `${s.url}/api/public-reports`,
    tokenUrl: `${s.url}${TOKEN_PATH}`,
    username: 'desk@example.com',
    password: 'secret',
    subscriptionKey: KEY,
    pageSize,
    http: fastHttp().http,
  };
}

const at = (iso: string) => Date.parse(iso);
const runs = (points: { scedTimestampMs: number; lmpUsdPerMwh: number }[]) =>
  points.map((p) => [new Date(p.scedTimestampMs).toISOString(), p.lmpUsdPerMwh]);

describe('ERCOT SCED LMPs from the public API', () => {
  it('asks for the window in local time with the key and token, and places both passes of the fall-back hour', async () => {
    server = await loopback({ [TOKEN_PATH]: token, [LMP_PATH]: endpoint(ROWS) });
    const api = new ErcotScedLmpApi(new ErcotApiClient(config(server)));
    const r = await api.fetchRuns({ fromMs: at('2024-11-03T05:50:00Z'), toMs: at('2024-11-03T08:05:00Z'), nodes: ['HB_HUBAVG'] });
    expect(runs(r.points)).toEqual([
      ['2024-11-03T05:55:12.000Z', 10],
      ['2024-11-03T06:00:13.000Z', 11],
      ['2024-11-03T06:55:11.000Z', 12],
      ['2024-11-03T07:00:14.000Z', 13],
      ['2024-11-03T07:55:12.000Z', 14],
      ['2024-11-03T08:00:15.000Z', 15],
    ]);
    const [first] = server.to(LMP_PATH);
    expect(Object.fromEntries(first!.query)).toEqual({
      // The window crosses the change of offset: widened by an hour each side, then cut back in UTC.
      SCEDTimestampFrom: '2024-11-02T23:50:00',
      SCEDTimestampTo: '2024-11-03T03:04:59',
      settlementPoint: 'HB_HUBAVG',
      page: '1',
      size: '100',
    });
  });

  it('finds the runs of a window that lies inside the repeated hour, whose local end is before its local start', async () => {
    expect(localWindow(at('2024-11-03T06:30:00Z'), at('2024-11-03T07:29:59Z'))).toEqual({
      from: '2024-11-03T00:30:00',
      to: '2024-11-03T02:29:59',
    });
    server = await loopback({ [TOKEN_PATH]: token, [LMP_PATH]: endpoint(ROWS) });
    const api = new ErcotScedLmpApi(new ErcotApiClient(config(server)));
    const r = await api.fetchRuns({ fromMs: at('2024-11-03T06:30:00Z'), toMs: at('2024-11-03T07:30:00Z'), nodes: ['HB_HUBAVG'] });
    expect(runs(r.points)).toEqual([
      ['2024-11-03T06:55:11.000Z', 12],
      ['2024-11-03T07:00:14.000Z', 13],
    ]);
  });

  it('reads every page, and each settlement point by its own query', async () => {
    server = await loopback({ [TOKEN_PATH]: token, [LMP_PATH]: endpoint(ROWS) });
    const api = new ErcotScedLmpApi(new ErcotApiClient(config(server, 2)));
    const r = await api.fetchRuns({
      fromMs: at('2024-11-03T05:00:00Z'),
      toMs: at('2024-11-03T09:00:00Z'),
      nodes: ['HB_HUBAVG', 'HB_NORTH'],
    });
    expect(r.points).toHaveLength(7);
    expect(r.points.filter((p) => p.node === 'HB_NORTH').map((p) => p.scedTimestampMs)).toEqual([at('2024-11-03T07:00:14Z')]);
    expect(server.to(LMP_PATH).map((q) => [q.query.get('settlementPoint'), q.query.get('page')])).toEqual([
      ['HB_HUBAVG', '1'],
      ['HB_HUBAVG', '2'],
      ['HB_HUBAVG', '3'],
      ['HB_NORTH', '1'],
    ]);
  });

  it('hands the ingest job RT5 price points at the SCED timestamps', async () => {
    server = await loopback({ [TOKEN_PATH]: token, [LMP_PATH]: endpoint(ROWS) });
    const feed = rt5PriceFeed(new ErcotScedLmpApi(new ErcotApiClient(config(server))));
    const r = await feed.fetchPrices({ fromMs: at('2024-11-03T07:55:00Z'), toMs: at('2024-11-03T08:05:00Z'), nodes: ['HB_HUBAVG'] });
    expect(feed.name).toBe('ercot-api-rtm5');
    expect(r.points).toEqual([
      {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'RT5',
        intervalStartMs: at('2024-11-03T07:55:12Z'),
        intervalMinutes: 5,
        priceUsdPerMwh: 14,
      },
      {
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'RT5',
        intervalStartMs: at('2024-11-03T08:00:15Z'),
        intervalMinutes: 5,
        priceUsdPerMwh: 15,
      },
    ]);
  });

  it('gives the agent the newest run of its settlement point, and null when there is none', async () => {
    server = await loopback({ [TOKEN_PATH]: token, [LMP_PATH]: endpoint(ROWS) });
    const feed = ercotFiveMinuteFeed(config(server), { clock: { nowMs: () => at('2024-11-03T07:58:00Z') } });
    expect(await feed.latest('HB_HUBAVG')).toEqual({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      scedTimestampMs: at('2024-11-03T07:55:12Z'),
      lmpUsdPerMwh: 14,
    });
    expect(await feed.latest('HB_WEST')).toBeNull();
  });
});
