/** PJM five-minute LMPs from a loopback Data Miner 2 API, as the ingest job and the site agent read them. */
import { afterEach, describe, expect, it } from 'vitest';
import { PjmDataMinerClient } from '#adapters/feeds/pjm-data-miner.ts';
import { pjmFiveMinuteFeed } from '#agent/adapters/prices.ts';
import { ValidationError } from '#domain/errors.ts';
import { fastHttp, type Handler, type Loopback, loopback } from './loopback.ts';

const KEY = 'pjm-key-1';
const VERIFIED = '/api/v1/rt_fivemin_hrl_lmps';
const UNVERIFIED = '/api/v1/rt_unverified_fivemin_lmps';
const HUB = 'WESTERN HUB';

type Item = Record<string, unknown>;

/** A Data Miner item: UTC and EPT start as the API writes them (no offset), the pnode, the LMP. */
function item(utc: string, ept: string, lmp: unknown, extra: Item = {}): Item {
  return {
    datetime_beginning_utc: utc,
    datetime_beginning_ept: ept,
    pnode_id: 51288,
    pnode_name: HUB,
    type: 'HUB',
    zone: null,
    system_energy_price_rt: 20,
    total_lmp_rt: lmp,
    congestion_price_rt: 0.5,
    marginal_loss_price_rt: 0.1,
    ...extra,
  };
}

/** The fall-back of 2024-11-03 in EPT: 01:00–01:55 come twice (05:00Z EDT, 06:00Z EST). */
const FALL_BACK: Item[] = [
  item('2024-11-03T04:55:00', '2024-11-03T00:55:00', 30, { row_is_current: true }),
  item('2024-11-03T05:00:00', '2024-11-03T01:00:00', 31, { row_is_current: true }),
  item('2024-11-03T05:55:00', '2024-11-03T01:55:00', 32, { row_is_current: true }),
  item('2024-11-03T06:00:00', '2024-11-03T01:00:00', 40, { row_is_current: false }),
  item('2024-11-03T06:00:00', '2024-11-03T01:00:00', 33, { row_is_current: true }),
  item('2024-11-03T06:55:00', '2024-11-03T01:55:00', 34, { row_is_current: true }),
  item('2024-11-03T07:00:00', '2024-11-03T02:00:00', 35, { row_is_current: true }),
];

/** `M/D/YYYY HH:mm` (UTC) → ms. */
function filterTime(text: string): number {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{2}):(\d{2})$/.exec(text)!;
  return Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2]), Number(m[4]), Number(m[5]));
}

/** A feed endpoint: key checked, filtered on pnode_name and the inclusive UTC range, paged by startRow/rowCount. */
function feed(items: Item[]): Handler {
  return (req) => {
    if (req.headers['ocp-apim-subscription-key'] !== KEY)
      return { status: 401, body: { statusCode: 401, message: 'Access denied due to invalid subscription key.' } };
    const [from, to] = req.query.get('datetime_beginning_utc')!.split('to').map(filterTime) as [number, number];
    const all = items.filter((i) => {
      const t = Date.parse(`${i.datetime_beginning_utc as string}Z`);
      return i.pnode_name === req.query.get('pnode_name') && t >= from && t <= to;
    });
    const start = Number(req.query.get('startRow'));
    const count = Number(req.query.get('rowCount'));
    return {
      body: {
        links: [{ rel: 'self', href: req.path }],
        items: all.slice(start - 1, start - 1 + count),
        searchSpecification: {},
        totalRows: all.length,
      },
    };
  };
}

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const config = (s: Loopback, rowCount = 100) => ({ subscriptionKey: KEY, baseUrl: `${s.url}/api/v1`, rowCount, http: fastHttp().http });
const at = (iso: string) => Date.parse(iso);
const window = { fromMs: at('2024-11-03T04:55:00Z'), toMs: at('2024-11-03T07:05:00Z'), nodes: [HUB] };

describe('PJM Data Miner five-minute LMPs', () => {
  it('reads the verified feed by UTC time, so the repeated EPT hour stays two hours, and drops superseded rows', async () => {
    server = await loopback({ [VERIFIED]: feed(FALL_BACK) });
    const r = await new PjmDataMinerClient(config(server)).fetchFiveMinute('verified', window);
    expect(r.points.map((p) => [new Date(p.scedTimestampMs).toISOString(), p.lmpUsdPerMwh])).toEqual([
      ['2024-11-03T04:55:00.000Z', 30],
      ['2024-11-03T05:00:00.000Z', 31],
      ['2024-11-03T05:55:00.000Z', 32],
      ['2024-11-03T06:00:00.000Z', 33],
      ['2024-11-03T06:55:00.000Z', 34],
      ['2024-11-03T07:00:00.000Z', 35],
    ]);
    expect(r.notCurrent).toBe(1);
    expect(r.gaps.map((g) => [g.series, new Date(g.fromMs).toISOString(), g.missingIntervals])).toEqual([
      ['PJM WESTERN HUB RT5', '2024-11-03T05:05:00.000Z', 10],
      ['PJM WESTERN HUB RT5', '2024-11-03T06:05:00.000Z', 10],
    ]);
    const [q] = server.to(VERIFIED);
    expect(q!.headers['ocp-apim-subscription-key']).toBe(KEY);
    expect(Object.fromEntries(q!.query)).toEqual({
      rowCount: '100',
      startRow: '1',
      datetime_beginning_utc: '11/3/2024 04:55to11/3/2024 07:00',
      pnode_name: HUB,
    });
  });

  it('pages by startRow until totalRows are read', async () => {
    server = await loopback({ [VERIFIED]: feed(FALL_BACK) });
    const r = await new PjmDataMinerClient(config(server, 3)).fetchFiveMinute('verified', window);
    expect(r.rows).toBe(7);
    expect(r.points).toHaveLength(6);
    expect(server.to(VERIFIED).map((q) => q.query.get('startRow'))).toEqual(['1', '4', '7']);
  });

  it('rejects an item whose LMP is not a number, naming the row and field', async () => {
    server = await loopback({ [VERIFIED]: feed([item('2024-11-03T05:00:00', '2024-11-03T01:00:00', 'n/a')]) });
    const err = await new PjmDataMinerClient(config(server)).fetchFiveMinute('verified', window).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toBe('PJM Data Miner rt_fivemin_hrl_lmps, row 1: total_lmp_rt: not a number (got "n/a")');
  });

  it('gives the agent the newest unverified interval of its pnode', async () => {
    const live = [item('2024-11-03T06:50:00', '2024-11-03T01:50:00', 41), item('2024-11-03T06:55:00', '2024-11-03T01:55:00', 42)];
    server = await loopback({ [UNVERIFIED]: feed(live) });
    const agentFeed = pjmFiveMinuteFeed(config(server), { clock: { nowMs: () => at('2024-11-03T06:58:30Z') } });
    expect(await agentFeed.latest(HUB)).toEqual({
      market: 'PJM',
      node: HUB,
      scedTimestampMs: at('2024-11-03T06:55:00Z'),
      lmpUsdPerMwh: 42,
    });
    expect(server.to(VERIFIED)).toEqual([]);
  });
});
