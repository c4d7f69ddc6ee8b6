/**
 * Least privilege, checked by behaviour: every handler runs against dynalite through a proxy that
 * records the DynamoDB actions it sends — with the bus refusing events, so that the outbox path
 * runs too — and what each one sent must be among the actions its role is granted in the
 * synthesised prod stack.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoMarketData } from '#adapters/demo-market.ts';
import { HOUR_MS, hourStart, iso } from '#domain/time.ts';
import { resetAwsParts } from '#functions/shared/aws.ts';
import type { FunctionName } from '../../infra/bundling.ts';
import { type Handler, type Loopback, loopback } from '../contract/loopback.ts';
import { synthStage, testConfig } from '../infra/synth.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { dashboardRoutes } from '../support/ercot-dashboard.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';
import { site } from '../support/fixtures.ts';
import { mempoolRoutes } from '../support/mempool-routes.ts';
import { type RecordingDynamo, startRecordingDynamo } from '../support/recording-dynamo.ts';
import { ecbXml, nordPoolDay } from '../unit/nordpool/fixtures.ts';

const saved = { ...process.env };
let table: TestTable;
let dynamo: RecordingDynamo;
let bus: EventBridgeServer;
let ercot: Loopback;
let mempool: Loopback;
let dashboard: Loopback;
let nordpool: Loopback;
const sent = new Map<FunctionName, Set<string>>();

function emptyReport(fields: string[]): Handler {
  return (req) => ({
    body: {
      _meta: { totalRecords: 0, pageSize: Number(req.query.get('size')), totalPages: 1, currentPage: 1 },
      fields: fields.map((name) => ({ name, label: name, dataType: 'STRING' })),
      data: [],
    },
  });
}

/** Status and path of each reports and agent-api call. */
const answered: string[] = [];

const PEOPLE = { sub: 'u-1', username: 'desk-1', 'cognito:groups': '[trader finance]' };
const AGENT = { sub: 'c-1', client_id: 'agentclient1', scope: 'switchyard/agent', token_use: 'access' };

function apiEvent(method: string, target: string, body?: unknown, headers: Record<string, string> = {}, claims: object = PEOPLE) {
  const [path = target, query = ''] = target.split('?');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'api.switchyard.test', ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
    isBase64Encoded: false,
    body: body ? JSON.stringify(body) : null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.switchyard.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'r-1',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
      authorizer: { jwt: { claims, scopes: null } },
    },
  };
}

/** Runs `body` as function `name` and keeps the actions sent meanwhile; a handler that throws still counts. */
async function record(name: FunctionName, body: (handler: (event: unknown) => Promise<unknown>) => Promise<unknown>) {
  resetAwsParts();
  dynamo.actions.length = 0;
  const { handler } = (await import(`#functions/${name}/handler.ts`)) as { handler: (event: unknown) => Promise<unknown> };
  await body(handler).catch(() => undefined);
  sent.set(name, new Set([...(sent.get(name) ?? []), ...dynamo.actions]));
}

beforeAll(async () => {
  table = await freshTable();
  dynamo = await startRecordingDynamo(table.endpoint);
  bus = await startEventBridgeServer();
  ercot = await loopback({
    '/b2c/token': () => ({ body: { id_token: 'id-token', expires_in: '3600' } }),
    '/api/public-reports/np6-905-cd/spp_node_zone_hub': emptyReport([
      'deliveryDate',
      'deliveryHour',
      'deliveryInterval',
      'settlementPoint',
      'settlementPointType',
      'settlementPointPrice',
      'DSTFlag',
    ]),
    '/api/public-reports/np4-190-cd/dam_stlmnt_pnt_prices': emptyReport([
      'deliveryDate',
      'hourEnding',
      'settlementPoint',
      'settlementPointPrice',
      'DSTFlag',
    ]),
  });
  mempool = await loopback(mempoolRoutes());
  dashboard = await loopback(dashboardRoutes(Date.now()));
  // Nord Pool answers every day (the ingest stores it and its revision); the ECB its daily file.
  nordpool = await loopback({
    '/api/DayAheadPrices': (req) => ({ body: nordPoolDay({ day: req.query.get('date')!, minutes: 15 }) }),
    '/ecb/daily.xml': () => ({ headers: { 'content-type': 'text/xml' }, body: ecbXml([{ date: '2025-10-24', rates: { USD: '1.16' } }]) }),
  });
  const nordpoolSites = join(mkdtempSync(join(tmpdir(), 'switchyard-access-np-')), 'sites.json');
  writeFileSync(
    nordpoolSites,
    JSON.stringify({ sites: [site({ id: 'tydal', market: 'NORDPOOL', settlementPoint: 'NO3', timezone: 'Europe/Oslo' })] }),
  );
  const sites = [site()];
  const sitesFile = join(mkdtempSync(join(tmpdir(), 'switchyard-access-')), 'sites.json');
  writeFileSync(sitesFile, JSON.stringify({ sites }));
  const now = Date.now();
  await seedDemoMarketData(table.repos.marketData, sites, hourStart(now) - 26 * HOUR_MS, hourStart(now) + 3 * HOUR_MS);
  Object.assign(process.env, {
    AGENT_CLIENTS: 'agentclient1=rockdale',
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: 'switchyard-test',
    SITES_FILE: sitesFile,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    ERCOT_USERNAME: 'desk',
    ERCOT_PASSWORD: 'pw',
    ERCOT_SUBSCRIPTION_KEY: 'key',
    ERCOT_API_BASE_URL: `${ercot.url}/api/public-reports`,
    ERCOT_TOKEN_URL: `${ercot.url}/b2c/token`,
    MEMPOOL_BASE_URL: mempool.url,
    ERCOT_DASHBOARD_BASE_URL: dashboard.url,
    HASHPRICE_SOURCES: 'mempool',
    NORDPOOL_BASE_URL: nordpool.url,
    ECB_DAILY_URL: `${nordpool.url}/ecb/daily.xml`,
    FEED_HTTP_BASE_DELAY_MS: '1',
  });

  const next = hourStart(now) + HOUR_MS;
  for (const pass of ['bus up', 'bus down'] as const) {
    if (pass === 'bus down') bus.failNext({ request: 'internal-error', times: Infinity });
    await record('run-interval', (h) => h({ trigger: 'schedule' }));
    await record('ingest-prices', (h) => h({}));
    await record('ingest-hashprice', (h) => h({}));
    await record('ingest-intensity', (h) => h({}));
    await record('ingest-grid-events', (h) => h({ events: [{ type: 'EEA', level: 2, start: iso(now), end: iso(now + HOUR_MS) }] }));
    process.env.SITES_FILE = nordpoolSites;
    await record('ingest-nordpool', (h) => h({}));
    process.env.SITES_FILE = sitesFile;
    await record('api', async (h) => {
      await h(apiEvent('GET', '/sites/rockdale/decisions'));
      const override = { action: 'CURTAIL', loadId: 's21', from: iso(next), to: iso(next + HOUR_MS), reason: `access check, ${pass}` };
      await h(apiEvent('POST', '/sites/rockdale/overrides', override, { 'idempotency-key': `access-${pass.replace(' ', '-')}` }));
    });
    // The reports and agent calls are checked to have succeeded: a read-only grant is proved by reads that worked.
    const ok = (h: (event: unknown) => Promise<unknown>) => async (event: unknown) => {
      const res = (await h(event)) as { statusCode: number; body: string };
      answered.push(`${res.statusCode} ${(event as { rawPath: string }).rawPath}`);
      return res;
    };
    await record('reports', async (handler) => {
      const h = ok(handler);
      const day = iso(hourStart(now)).slice(0, 10);
      await h(apiEvent('GET', `/reports/pnl?siteId=rockdale&from=${day}&to=${iso(hourStart(now) + 24 * HOUR_MS).slice(0, 10)}`));
      await h(apiEvent('GET', `/audit?from=${iso(now - HOUR_MS)}&to=${iso(now)}`));
      await h(apiEvent('GET', `/sites/rockdale/actuals?from=${iso(now - HOUR_MS)}&to=${iso(now)}`));
    });
    await record('agent-api', async (handler) => {
      const h = ok(handler);
      await h(apiEvent('GET', '/sites/rockdale/dispatch', undefined, {}, AGENT));
      const at = iso(now - (now % 60_000) - (pass === 'bus up' ? 0 : 60_000));
      const change = { loadId: 's21', at, change: 'CURTAILED', fromMw: 40, toMw: 0, trigger: { kind: 'PLAN' }, fleetSeconds: 3 };
      const samples = [{ loadId: 's21', at, actualMw: 0 }];
      await h(apiEvent('POST', '/sites/rockdale/telemetry', { samples, stateChanges: [change] }, {}, AGENT));
    });
  }
}, 60_000);

afterAll(async () => {
  process.env = saved;
  resetAwsParts();
  await Promise.all([dynamo.close(), bus.close(), ercot.close(), mempool.close(), nordpool.close(), dashboard.close()]);
});

describe('table access of each function', () => {
  const prod = synthStage(testConfig('prod'));
  const resources = prod.statelessTemplate.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any> }>;

  /** DynamoDB actions the role of function `name` is allowed, from the synthesised policies. */
  function granted(name: FunctionName): Set<string> {
    const all = Object.values(resources);
    const fn = all.find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.FunctionName === `switchyard-prod-${name}`)!;
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const role = JSON.stringify({ Ref: roleId });
    const attached = (r: { Properties: Record<string, any> }) => (r.Properties.Roles as unknown[]).some((x) => JSON.stringify(x) === role);
    const statements = all
      .filter((r) => r.Type === 'AWS::IAM::Policy' && attached(r))
      .flatMap((r) => r.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[] }[])
      .filter((s) => s.Effect === 'Allow');
    return new Set(statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).filter((a) => a.startsWith('dynamodb:')));
  }

  it.each(prod.functions)('%s sends only DynamoDB actions its role is granted', (name) => {
    const actions = [...(sent.get(name) ?? [])].sort();

    expect(actions.length, `${name} sent nothing: the check would prove nothing`).toBeGreaterThan(0);
    expect(actions.filter((a) => !granted(name).has(a))).toEqual([]);
  });

  it('ran the reports and agent calls to success, in both passes', () => {
    expect(answered.filter((a) => !a.startsWith('200 '))).toEqual([]);
    expect(answered).toHaveLength(10);
  });

  it('sees writes as well as reads, so that a read-only grant would be caught', () => {
    const all = new Set([...sent.values()].flatMap((s) => [...s]));

    const expected = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'];
    expect([...all]).toEqual(expect.arrayContaining(expected));
  });
});
