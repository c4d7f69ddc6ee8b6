/** The local runtime with real feeds configured: it pulls ERCOT prices before deciding. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { hourStart, iso, utcDay } from '#domain/time.ts';
import type { LocalConfig } from '#local/config.ts';
import type { LocalContext } from '#local/context.ts';
import { runLocal } from '#local/engine.ts';
import { systemClock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
import { type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable } from '../support/dynamo.ts';
import { site } from '../support/fixtures.ts';

const TOKEN = '/token';
const RTM = '/api/public-reports/np6-905-cd/spp_node_zone_hub';
const DAM = '/api/public-reports/np4-190-cd/dam_stlmnt_pnt_prices';

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86_400_000) out.push(utcDay(d));
  return out;
}

/** A paged ERCOT report answering every requested operating day with one price for every interval. */
function ercotReport(kind: 'RT' | 'DA') {
  return (req: { query: URLSearchParams; headers: Record<string, unknown> }) => {
    if (req.headers.authorization !== 'Bearer tok') return { status: 401, body: { message: 'Unauthorized' } };
    const rows: unknown[][] = [];
    for (const d of days(req.query.get('deliveryDateFrom')!, req.query.get('deliveryDateTo')!)) {
      for (let h = 1; h <= 24; h++) {
        if (kind === 'DA') rows.push([d, `${String(h).padStart(2, '0')}:00`, 'HB_HUBAVG', 31.5, false]);
        else for (let q = 1; q <= 4; q++) rows.push([d, h, q, 'HB_HUBAVG', 'HU', 27.25, false]);
      }
    }
    const fields =
      kind === 'DA'
        ? ['deliveryDate', 'hourEnding', 'settlementPoint', 'settlementPointPrice', 'DSTFlag']
        : ['deliveryDate', 'deliveryHour', 'deliveryInterval', 'settlementPoint', 'settlementPointType', 'settlementPointPrice', 'DSTFlag'];
    const size = Number(req.query.get('size'));
    const page = Number(req.query.get('page'));
    return {
      body: {
        _meta: { totalRecords: rows.length, pageSize: size, totalPages: Math.ceil(rows.length / size), currentPage: page },
        fields: fields.map((name) => ({ name, label: name, dataType: 'STRING' })),
        data: rows.slice((page - 1) * size, page * size),
      },
    };
  };
}

describe('the local runtime with live feeds', () => {
  let ercot: Loopback;
  let mempool: Loopback;
  const saved = { ...process.env };

  beforeAll(async () => {
    ercot = await loopback({
      [TOKEN]: () => ({ body: { id_token: 'tok', id_token_expires_in: '3600' } }),
      [RTM]: ercotReport('RT') as never,
      [DAM]: ercotReport('DA') as never,
    });
    mempool = await loopback({}); // answers 404 to everything: the hashprice source fails
    Object.assign(process.env, {
      ERCOT_USERNAME: 'desk',
      ERCOT_PASSWORD: 'secret',
      ERCOT_SUBSCRIPTION_KEY: 'key',
      ERCOT_API_BASE_URL: `${ercot.url}/api/public-reports`,
      ERCOT_TOKEN_URL: `${ercot.url}${TOKEN}`,
      MEMPOOL_BASE_URL: mempool.url,
      // The fuel-mix dashboard (live intensity) answers 404 here too: no request leaves the machine.
      ERCOT_DASHBOARD_BASE_URL: mempool.url,
    });
  });

  afterAll(async () => {
    process.env = saved;
    await ercot.close();
    await mempool.close();
  });

  it('pulls prices before deciding, keeps going when a hashprice source fails, and labels nothing demo', async () => {
    const t = await freshTable();
    const now = Date.now();
    await t.repos.marketData.putHashprices([{ date: utcDay(now - 86_400_000), usdPerPhDay: 50, source: 'btc-network-csv' }]);
    const warnings: string[] = [];
    const log: Logger = { info() {}, warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`), error: (m) => warnings.push(m) };
    const sites = [site()];
    const ctx = {
      config: { marketData: 'live' } as LocalConfig,
      repos: t.repos,
      publisher: new MemoryEventPublisher(),
      clock: systemClock,
      log,
      sites: () => sites,
    } as unknown as LocalContext;

    const summary = await runLocal(ctx, { atMs: now, trigger: 'test' });

    expect(summary.decisionsWritten).toBe(4);
    const stored = await t.repos.marketData.getPrices('ERCOT', 'HB_HUBAVG', 'RT', hourStart(now) - 6 * 3_600_000, now);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.every((p) => p.priceUsdPerMwh === 27.25)).toBe(true);
    const d = (await t.repos.decisions.current('rockdale', iso(hourStart(now))))!;
    expect(d.inputs.price).toMatchObject({ daUsdPerMwh: 31.5, demo: false });
    expect(d.flags).not.toContain('DEMO_INPUTS');
    expect(ercot.to(TOKEN)).toHaveLength(1);
    expect(warnings.some((w) => w.includes('live feed failed') && w.includes('mempool'))).toBe(true);
  });
});
