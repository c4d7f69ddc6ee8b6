/**
 * The three ingest Lambdas end to end on loopback peers: dynalite, a recording EventBridge, an
 * ERCOT API (B2C token + paged reports), mempool.space, and SSM / Secrets Manager speaking the
 * AWS JSON protocol to the real SDK clients. The handlers run on the real clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cptDateOf, cptDay } from '#adapters/feeds/cpt.ts';
import { DAY_MS, HOUR_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import { resetAwsParts } from '#functions/shared/aws.ts';
import { type Handler, type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';
import { site } from '../support/fixtures.ts';
import { mempoolRoutes } from '../support/mempool-routes.ts';
import { misHours } from '../unit/feeds/fixtures.ts';

const TOKEN_PATH = '/b2c/token';
let table: TestTable;
let bus: EventBridgeServer;
let ercot: Loopback;
let aws: Loopback;
let mempool: Loopback;
let failRtm = false;
const saved = { ...process.env };

/** MIS rows for every local day from `from` to `to` (YYYY-MM-DD), with the right DST shape. */
function misRows(from: string, to: string, rtm: boolean): unknown[][] {
  const rows: unknown[][] = [];
  for (let d = parseUtcDay(from); d <= parseUtcDay(to); d += DAY_MS) {
    const date = utcDay(d);
    const [y, m, dd] = date.split('-').map(Number) as [number, number, number];
    const kind = cptDay(y, m, dd)!.kind;
    for (const [h, flag] of misHours(kind === 'SPRING_FORWARD' ? 'spring' : kind === 'FALL_BACK' ? 'fall' : 'normal')) {
      if (rtm) for (let q = 1; q <= 4; q++) rows.push([date, h, q, 'HB_HUBAVG', 'HU', 30 + q, flag === 'Y']);
      else rows.push([date, `${String(h).padStart(2, '0')}:00`, 'HB_HUBAVG', 40, flag === 'Y']);
    }
  }
  return rows;
}

function report(rtm: boolean): Handler {
  return (req) => {
    if (rtm && failRtm) return { status: 503, body: { statusCode: 503, message: 'Service unavailable' } };
    if (req.headers['ocp-apim-subscription-key'] !== 'key-from-secrets-manager' || req.headers.authorization !== 'Bearer id-token')
      return { status: 401, body: {} };
    const all = misRows(req.query.get('deliveryDateFrom')!, req.query.get('deliveryDateTo')!, rtm);
    const size = Number(req.query.get('size'));
    const page = Number(req.query.get('page'));
    const fields = (
      rtm
        ? ['deliveryDate', 'deliveryHour', 'deliveryInterval', 'settlementPoint', 'settlementPointType', 'settlementPointPrice', 'DSTFlag']
        : ['deliveryDate', 'hourEnding', 'settlementPoint', 'settlementPointPrice', 'DSTFlag']
    ).map((name) => ({ name, label: name, dataType: 'STRING' }));
    return {
      body: {
        _meta: { totalRecords: all.length, pageSize: size, totalPages: Math.ceil(all.length / size), currentPage: page },
        report: {},
        fields,
        data: all.slice((page - 1) * size, page * size),
      },
    };
  };
}

/** SSM and Secrets Manager on one endpoint, told apart by X-Amz-Target as the services do. */
const awsJson: Handler = (req) => {
  const target = String(req.headers['x-amz-target']);
  const body = JSON.parse(req.body) as Record<string, string>;
  const json = { 'content-type': 'application/x-amz-json-1.1' };
  if (target === 'AmazonSSM.GetParameter' && body.Name === '/switchyard/ercot/password') {
    return {
      headers: json,
      body: { Parameter: { Name: body.Name, Type: 'SecureString', Value: 'password-from-ssm', Version: 3, DataType: 'text' } },
    };
  }
  if (target === 'secretsmanager.GetSecretValue' && body.SecretId === 'switchyard/ercot') {
    return {
      headers: json,
      body: {
        ARN: 'arn:aws:secretsmanager:us-east-1:1:secret:switchyard/ercot',
        Name: 'switchyard/ercot',
        SecretString: JSON.stringify({ subscriptionKey: 'key-from-secrets-manager' }),
        VersionId: 'v1',
      },
    };
  }
  return {
    status: 400,
    headers: json,
    body: { __type: target.startsWith('AmazonSSM') ? 'ParameterNotFound' : 'ResourceNotFoundException', message: 'not found' },
  };
};

beforeAll(async () => {
  table = await freshTable();
  bus = await startEventBridgeServer();
  ercot = await loopback({
    [TOKEN_PATH]: (req) => {
      const form = new URLSearchParams(req.body);
      return form.get('password') === 'password-from-ssm'
        ? { body: { id_token: 'id-token', expires_in: '3600' } }
        : { status: 400, body: { error: 'invalid_grant' } };
    },
    '/api/public-reports/np6-905-cd/spp_node_zone_hub': report(true),
    '/api/public-reports/np4-190-cd/dam_stlmnt_pnt_prices': report(false),
  });
  aws = await loopback({ '/': awsJson });
  mempool = await loopback(mempoolRoutes());
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-handlers-'));
  const sitesFile = join(dir, 'sites.json');
  writeFileSync(sitesFile, JSON.stringify({ sites: [site()] }));
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: 'switchyard-test',
    SITES_FILE: sitesFile,
    DYNAMODB_ENDPOINT: table.endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ERCOT_USERNAME: 'desk@example.com',
    ERCOT_PASSWORD_PARAM: '/switchyard/ercot/password',
    ERCOT_SUBSCRIPTION_KEY_SECRET: 'switchyard/ercot#subscriptionKey',
    SSM_ENDPOINT: aws.url,
    SECRETS_MANAGER_ENDPOINT: aws.url,
    ERCOT_API_BASE_URL: `${ercot.url}/api/public-reports`,
    ERCOT_TOKEN_URL: `${ercot.url}${TOKEN_PATH}`,
    MEMPOOL_BASE_URL: mempool.url,
    HASHPRICE_SOURCES: 'mempool',
    FEED_HTTP_BASE_DELAY_MS: '5',
    FEED_HTTP_MAX_ATTEMPTS: '3',
  });
  resetAwsParts();
});

afterAll(async () => {
  process.env = saved;
  resetAwsParts();
  await Promise.all([bus.close(), ercot.close(), aws.close(), mempool.close()]);
});

describe('ingest-prices handler', () => {
  it('pulls RT and DA prices with credentials from SSM and Secrets Manager, and finds them fresh', async () => {
    const { handler } = await import('#functions/ingest-prices/handler.ts');
    const before = Date.now();
    const result = await handler({});
    const now = Date.now();
    expect(result.stale).toEqual([]);
    const latestRt = await table.repos.marketData.latestPrice('ERCOT', 'HB_HUBAVG', 'RT', now + 1);
    expect(now - latestRt!.intervalStartMs).toBeLessThan(15 * 60_000);
    expect(await table.repos.marketData.latestPrice('ERCOT', 'HB_HUBAVG', 'DA', now + 47 * HOUR_MS)).toMatchObject({
      priceUsdPerMwh: 40,
      intervalMinutes: 60,
    });
    expect(result.ingested.map((r) => r.feed)).toEqual(['ercot-api-rtm', 'ercot-api-dam']);
    // Delivery dates are local operating days.
    expect([cptDateOf(before - 1), cptDateOf(now - 1)]).toContain(
      ercot.to('/api/public-reports/np6-905-cd/spp_node_zone_hub')[0]!.query.get('deliveryDateTo'),
    );

    await handler({});
    const reads = aws.requests.map((r) => r.headers['x-amz-target']);
    expect(reads.sort()).toEqual(['AmazonSSM.GetParameter', 'secretsmanager.GetSecretValue']); // once per container
  });

  it('fails the invocation when a pull fails, after publishing MarketDataStale for the feed with no data', async () => {
    const empty = await freshTable();
    process.env.TABLE_NAME = empty.tableName;
    resetAwsParts();
    failRtm = true;
    try {
      const { handler } = await import('#functions/ingest-prices/handler.ts');
      await expect(handler({})).rejects.toThrow(/^price ingest failed: ercot-api-rtm: ERCOT API GET .*: HTTP 503 after 3 attempts/);
      const stale = bus.events.filter((e) => e.detailType === 'MarketDataStale');
      expect(stale.map((e) => e.detail.feed)).toEqual(['ERCOT HB_HUBAVG RT']);
      expect(stale[0]!.detail).toMatchObject({ newestIntervalStart: null, maxAgeMinutes: 120 });
    } finally {
      failRtm = false;
      process.env.TABLE_NAME = table.tableName;
      resetAwsParts();
    }
  });
});

describe('ingest-hashprice handler', () => {
  it('stores the last days from mempool.space with their source', async () => {
    const { handler } = await import('#functions/ingest-hashprice/handler.ts');
    const result = await handler({});
    const today = utcDay(Date.now());
    expect(result.written.map((w) => w.source)).toEqual(['mempool', 'mempool', 'mempool']);
    expect(result.stale).toEqual([]);
    const stored = await table.repos.marketData.latestHashprice(today);
    // Today: 86400e15 / (110e12 × 2^32) × (3.125 + 0.001) × 100,000
    expect(stored).toEqual({
      date: today,
      usdPerPhDay: expect.closeTo((86400e15 / (110e12 * 2 ** 32)) * 3.126 * 100_000, 9),
      source: 'mempool',
    });
  });

  it('refuses a malformed backfill day', async () => {
    const { handler } = await import('#functions/ingest-hashprice/handler.ts');
    await expect(handler({ fromDay: '2024-6-1' })).rejects.toThrow('event.fromDay must be a day YYYY-MM-DD (got "2024-6-1")');
  });
});

describe('ingest-grid-events handler', () => {
  it('stores the events and publishes a GridEmergency for the EEA', async () => {
    const { handler } = await import('#functions/ingest-grid-events/handler.ts');
    const result = await handler({
      events: [
        { type: 'EEA', level: 2, start: '2024-08-20T22:00:00Z', end: '2024-08-21T01:00:00Z' },
        { type: 'DR_DEPLOYMENT', siteId: 'rockdale', mw: 40, start: '2024-08-20T22:00:00Z', end: '2024-08-20T23:00:00Z' },
      ],
    });
    expect(result.stored).toBe(2);
    expect(
      await table.repos.marketData.getGridEvents('ERCOT', Date.parse('2024-08-20T22:00:00Z'), Date.parse('2024-08-20T22:15:00Z')),
    ).toHaveLength(2);
    const emergencies = bus.events.filter((e) => e.detailType === 'GridEmergency');
    expect(emergencies).toHaveLength(1);
    expect(emergencies[0]!.detail).toMatchObject({ type: 'EEA', level: 2, market: 'ERCOT', start: '2024-08-20T22:00:00.000Z' });
  });

  it('rejects a delivery with an invalid event, naming it, and stores nothing', async () => {
    const { handler } = await import('#functions/ingest-grid-events/handler.ts');
    const event = {
      events: [{ type: 'AS_AWARD', siteId: 'rockdale', product: 'ECRS', start: '2024-09-01T00:00:00Z', end: '2024-09-02T00:00:00Z' }],
    };
    await expect(handler(event)).rejects.toThrow('grid events JSON, event 1: events[0].mw: required for AS_AWARD');
    expect(
      await table.repos.marketData.getGridEvents('ERCOT', Date.parse('2024-09-01T00:00:00Z'), Date.parse('2024-09-02T00:00:00Z')),
    ).toEqual([]);
  });
});
