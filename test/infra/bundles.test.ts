/**
 * The Lambda bundles as deployed: each handler bundled with the stack's esbuild settings into a
 * folder whose only node_modules (beside the bundles) holds the bundles' externals and nothing
 * else, imported by plain `node` in a child process, and given a sample event end to end —
 * against dynalite, the loopback EventBridge, and loopback feed providers, Secrets Manager and
 * SSM, with settings in the stack's environment format. A bundle that leaves out anything it
 * needs fails here, not in Lambda.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryDayOf, deliveryDayWindow } from '#adapters/feeds/day-ahead.ts';
import { openApiDocument } from '#adapters/http/openapi.ts';
import { apiRoutes } from '#adapters/http/routes/index.ts';
import type { ApiUseCases } from '#app/api.ts';
import { DAY_MS, HOUR_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import { systemClock } from '#ports/clock.ts';
import { BUNDLE_BUDGET_BYTES } from '../../bench/bundles.ts';
import {
  BUNDLE_FILE,
  type BuiltBundle,
  buildBundle,
  esbuildBuildOptions,
  esbuildSettings,
  FUNCTION_NAMES,
  type FunctionName,
  handlerEntry,
  PROJECT_ROOT,
} from '../../infra/bundling.ts';
import { sitesFilePath, stages } from '../../infra/config.ts';
import { SwitchyardFunction } from '../../infra/functions.ts';
import { EVENT_SOURCE } from '../../infra/stateful-stack.ts';
import { type Handler, type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable, type TestTable } from '../support/dynamo.ts';
import { dashboardRoutes } from '../support/ercot-dashboard.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';
import { mempoolRoutes } from '../support/mempool-routes.ts';
import { a44, ecbXml, fullDay, nordPoolDay } from '../unit/nordpool/fixtures.ts';

const exec = promisify(execFile);
const BUS = 'switchyard-test';
const ERCOT_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:switchyard/test/ercot-api-AbCdEf';

let root: string;
let table: TestTable;
let bus: EventBridgeServer;
let ercot: Loopback;
let secrets: Loopback;
let ssm: Loopback;
let mempool: Loopback;
const bundles = new Map<FunctionName, BuiltBundle>();

/** What a child process reports: the handler's result or error, and the EMF metrics it printed. */
interface Invocation {
  ok: boolean;
  result?: unknown;
  error?: string;
  metrics: Record<string, unknown>[];
  output: string;
}

const INVOKE = `
const [file, event, out] = process.argv.slice(1);
const { writeFileSync } = await import('node:fs');
const context = { awsRequestId: 'req-1', functionName: 'test', functionVersion: '$LATEST', memoryLimitInMB: '1024', getRemainingTimeInMillis: () => 30000 };
try {
  const { handler } = await import(file);
  writeFileSync(out, JSON.stringify({ ok: true, result: await handler(JSON.parse(event), context) }));
} catch (err) {
  writeFileSync(out, JSON.stringify({ ok: false, error: String(err && err.stack || err) }));
}`;

async function invoke(name: FunctionName, event: unknown, env: Record<string, string> = {}): Promise<Invocation> {
  const b = bundles.get(name)!;
  const out = join(root, `${name}-${Math.random().toString(36).slice(2)}.json`);
  const { stdout, stderr } = await exec(process.execPath, ['--input-type=module', '-e', INVOKE, b.file, JSON.stringify(event), out], {
    cwd: b.dir,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_SESSION_TOKEN: 'test',
      AWS_LAMBDA_FUNCTION_NAME: `switchyard-test-${name}`,
      TABLE_NAME: table.tableName,
      EVENT_BUS_NAME: BUS,
      SITES_FILE: join(b.dir, 'sites.json'),
      DYNAMODB_ENDPOINT: table.endpoint,
      EVENTBRIDGE_ENDPOINT: bus.endpoint,
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ...env,
    },
  });
  const output = `${stdout}\n${stderr}`;
  const metrics = stdout
    .split('\n')
    .filter((l) => l.includes('"CloudWatchMetrics"'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...(JSON.parse(readFileSync(out, 'utf8')) as { ok: boolean; result?: unknown; error?: string }), metrics, output };
}

/** The value of an EMF metric emitted with namespace Switchyard and the given service. */
function emitted(inv: Invocation, metric: string, service: string): number | undefined {
  for (const m of inv.metrics) {
    const meta = (m._aws as { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] })
      .CloudWatchMetrics[0]!;
    if (
      meta.Namespace === 'Switchyard' &&
      m.service === service &&
      meta.Dimensions.some((d) => d.includes('service')) &&
      meta.Metrics.some((x) => x.Name === metric)
    ) {
      return m[metric] as number;
    }
  }
  return undefined;
}

/** An API Gateway HTTP API (payload 2.0) request, with the claims the JWT authorizer passes on. */
function apiEvent(method: string, path: string, claims?: Record<string, string>, request: { query?: string; json?: unknown } = {}) {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: claims ? 'ANY /{proxy+}' : `${method} ${path}`,
    rawPath: path,
    rawQueryString: request.query ?? '',
    headers: {
      host: 'api.example.com',
      'user-agent': 'vitest',
      ...(claims ? { authorization: 'Bearer eyJ…' } : {}),
      ...(request.json !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(request.json !== undefined ? { body: JSON.stringify(request.json) } : {}),
    requestContext: {
      accountId: '111122223333',
      apiId: 'api',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'vitest' },
      requestId: 'req-1',
      routeKey: claims ? 'ANY /{proxy+}' : `${method} ${path}`,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    isBase64Encoded: false,
  };
}

/** ERCOT's public reports API: a B2C token, and report pages (empty: nothing published yet). */
function ercotReport(fields: string[]): Handler {
  return (req) => {
    if (req.headers['ocp-apim-subscription-key'] !== 'sub-key' || req.headers.authorization !== 'Bearer id-token')
      return { status: 401, body: { statusCode: 401, message: 'Unauthorized' } };
    return {
      body: {
        _meta: { totalRecords: 0, pageSize: Number(req.query.get('size')), totalPages: 1, currentPage: 1 },
        report: {},
        fields: fields.map((name) => ({ name, label: name, dataType: 'STRING' })),
        data: [],
      },
    };
  };
}

/** Secrets Manager's GetSecretValue (AWS JSON 1.1) holding the ERCOT secret as the README stores it. */
const secretsManager: Handler = (req) => {
  const json = { 'content-type': 'application/x-amz-json-1.1' };
  const body = JSON.parse(req.body) as { SecretId?: string };
  if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && body.SecretId === ERCOT_SECRET_ARN) {
    return {
      headers: json,
      body: {
        ARN: ERCOT_SECRET_ARN,
        Name: 'switchyard/test/ercot-api',
        VersionId: 'v1',
        SecretString: JSON.stringify({ username: 'desk@example.com', password: 'pw', subscriptionKey: 'sub-key' }),
      },
    };
  }
  return {
    status: 400,
    headers: json,
    body: { __type: 'ResourceNotFoundException', message: 'Secrets Manager can’t find the specified secret.' },
  };
};

/** SSM's GetParameter (AWS JSON 1.1), for settings given as `*_PARAM` (not what the stack configures). */
const SSM_PARAMS: Record<string, string> = {
  '/switchyard/test/ercot/username': 'desk@example.com',
  '/switchyard/test/ercot/password': 'pw',
  '/switchyard/test/ercot/subscription-key': 'sub-key',
};
const ssmServer: Handler = (req) => {
  const json = { 'content-type': 'application/x-amz-json-1.1' };
  const body = JSON.parse(req.body) as { Name?: string; WithDecryption?: boolean };
  const value = body.Name === undefined ? undefined : SSM_PARAMS[body.Name];
  if (req.headers['x-amz-target'] === 'AmazonSSM.GetParameter' && body.WithDecryption === true && value !== undefined) {
    return { headers: json, body: { Parameter: { Name: body.Name, Type: 'SecureString', Value: value, Version: 1 } } };
  }
  return { status: 400, headers: json, body: { __type: 'ParameterNotFound', message: 'not found' } };
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'switchyard-bundles-'));
  const sites = sitesFilePath(stages.dev);
  // The bundles' externals (esbuildSettings.external: the SSM client, which Lambda's Node.js runtime
  // provides) and nothing else, symlinked from the repository's node_modules into <root>/node_modules:
  // plain node resolves ES-module imports by walking up from the bundle, not through NODE_PATH as
  // the Lambda runtime does. Anything else a bundle failed to include still fails to resolve.
  for (const pkg of esbuildSettings.external) {
    const link = join(root, 'node_modules', pkg);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(PROJECT_ROOT, 'node_modules', pkg), link, 'dir');
  }
  const [t, b, e, s, q, m] = await Promise.all([
    freshTable(),
    startEventBridgeServer(),
    loopback({
      '/b2c/token': () => ({ body: { id_token: 'id-token', expires_in: '3600' } }),
      '/api/public-reports/np6-905-cd/spp_node_zone_hub': ercotReport([
        'deliveryDate',
        'deliveryHour',
        'deliveryInterval',
        'settlementPoint',
        'settlementPointType',
        'settlementPointPrice',
        'DSTFlag',
      ]),
      '/api/public-reports/np4-190-cd/dam_stlmnt_pnt_prices': ercotReport([
        'deliveryDate',
        'hourEnding',
        'settlementPoint',
        'settlementPointPrice',
        'DSTFlag',
      ]),
    }),
    loopback({ '/': secretsManager }),
    loopback({ '/': ssmServer }),
    loopback(mempoolRoutes()),
    ...FUNCTION_NAMES.map(async (name) => bundles.set(name, await buildBundle(name, join(root, name), sites))),
  ]);
  [table, bus, ercot, secrets, ssm, mempool] = [t, b, e, s, q, m];
}, 60_000);

afterAll(async () => {
  await Promise.all([bus?.close(), ercot?.close(), secrets?.close(), ssm?.close(), mempool?.close()]);
  rmSync(root, { recursive: true, force: true });
});

describe('run-interval bundle', () => {
  it('decides the current hour for every site on a scheduled event, records it and publishes the decisions', async () => {
    const inv = await invoke('run-interval', { trigger: 'schedule' });

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const result = inv.result as { runs: { status: string; written: number }[] };
    expect(result.runs).toHaveLength(1);
    expect(result.runs[0]).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.runs[0]!.written).toBeGreaterThan(0);
    const decisions = bus.events.filter((ev) => ev.source === EVENT_SOURCE && ev.detailType === 'DecisionMade' && ev.eventBusName === BUS);
    expect(decisions.length).toBe(result.runs[0]!.written);
    // The metric the run-staleness alarm watches (infra/alarms.ts).
    expect(emitted(inv, 'RunsSucceeded', 'run-interval')).toBe(1);
  });
});

describe('api bundle', () => {
  it('answers GET /health without a token', async () => {
    const inv = await invoke('api', apiEvent('GET', '/health'));

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const res = inv.result as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ parts: { store: { status: 'ok' } } });
  });

  it('serves the OpenAPI document the routes generate when the code runs unbundled', async () => {
    const inv = await invoke('api', apiEvent('GET', '/openapi.json'));

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const res = inv.result as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    // Handlers are not called to document the routes: no use case is needed here.
    const unbundled = openApiDocument(apiRoutes({ useCases: {} as ApiUseCases, clock: systemClock }));
    expect(JSON.parse(res.body)).toEqual(unbundled);
  });

  it('validates a query with zod in the bundle: a date that does not exist is a 400 naming the parameter', async () => {
    const claims = { sub: 'u-1', username: 'desk-1', 'cognito:groups': '[trader]', token_use: 'access' };
    const inv = await invoke('api', apiEvent('GET', '/decisions', claims, { query: 'date=2024-02-30' }));

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const res = inv.result as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect((JSON.parse(res.body) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['date']);
  });

  it('validates a JSON body with zod in the bundle: an unknown field of POST /runs is a 400 naming it', async () => {
    const claims = { sub: 'u-2', username: 'ops-1', 'cognito:groups': '[operator]', token_use: 'access' };
    const inv = await invoke('api', apiEvent('POST', '/runs', claims, { json: { at: '2024-07-15T20:00:00Z', hour: 20 } }));

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const res = inv.result as { statusCode: number; body: string };
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ errors: [{ path: 'hour', message: 'is not a known field' }] });
  });

  it('lists the bundled sites for a caller whose verified claims carry a role', async () => {
    const inv = await invoke(
      'api',
      apiEvent('GET', '/sites', { sub: 'u-1', username: 'desk-1', 'cognito:groups': '[trader]', token_use: 'access' }),
    );

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const res = inv.result as { statusCode: number; body: string };
    expect(res.statusCode).toBe(200);
    const ids = (JSON.parse(res.body) as { items: { id: string }[] }).items.map((s) => s.id);
    expect(ids).toEqual(['rockdale', 'clarington', 'tydal']);
  });

  it('refuses GET /sites when the request carries no claims', async () => {
    const inv = await invoke('api', apiEvent('GET', '/sites'));

    expect((inv.result as { statusCode: number }).statusCode).toBe(401);
  });
});

describe('reports bundle', () => {
  it('serves the P&L report to finance, validating its query with zod in the bundle', async () => {
    const claims = { sub: 'u-3', username: 'fin-1', 'cognito:groups': '[finance]', token_use: 'access' };
    const ok = await invoke('reports', apiEvent('GET', '/reports/pnl', claims, { query: 'from=2024-07-15&to=2024-07-16' }));
    const bad = await invoke('reports', apiEvent('GET', '/reports/pnl', claims, { query: 'from=2024-07-15&to=2024-13-01' }));

    expect(ok.ok, ok.error ?? ok.output).toBe(true);
    const res = ok.result as { statusCode: number; body: string };
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toHaveProperty('items');
    const refused = bad.result as { statusCode: number; body: string };
    expect(refused.statusCode).toBe(400);
    expect((JSON.parse(refused.body) as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['to']);
  });

  it('answers only its own routes: the desk reads are not in this bundle', async () => {
    const claims = { sub: 'u-1', username: 'desk-1', 'cognito:groups': '[trader]', token_use: 'access' };
    const inv = await invoke('reports', apiEvent('GET', '/sites', claims));

    expect((inv.result as { statusCode: number }).statusCode).toBe(404);
  });
});

describe('agent-api bundle', () => {
  it("serves a site agent its site's dispatch plan, the client bound to the site by AGENT_CLIENTS, with an ETag", async () => {
    const claims = { sub: 'c-1', client_id: 'agentclient1', scope: 'switchyard/agent', token_use: 'access' };
    const env = { AGENT_CLIENTS: 'agentclient1=rockdale' };
    const own = await invoke('agent-api', apiEvent('GET', '/sites/rockdale/dispatch', claims), env);
    const other = await invoke('agent-api', apiEvent('GET', '/sites/clarington/dispatch', claims), env);

    expect(own.ok, own.error ?? own.output).toBe(true);
    const res = own.result as { statusCode: number; headers: Record<string, string>; body: string };
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toMatch(/^"[\w-]+"$/);
    expect(JSON.parse(res.body)).toMatchObject({ siteId: 'rockdale' });
    expect((other.result as { statusCode: number }).statusCode).toBe(403);
  });
});

describe('ingest-prices bundle', () => {
  it('pulls ERCOT prices with credentials read from Secrets Manager as the stack configures them, and reports stale feeds', async () => {
    const inv = await invoke(
      'ingest-prices',
      {},
      {
        ERCOT_USERNAME_SECRET: `${ERCOT_SECRET_ARN}#username`,
        ERCOT_PASSWORD_SECRET: `${ERCOT_SECRET_ARN}#password`,
        ERCOT_SUBSCRIPTION_KEY_SECRET: `${ERCOT_SECRET_ARN}#subscriptionKey`,
        SECRETS_MANAGER_ENDPOINT: secrets.url,
        ERCOT_API_BASE_URL: `${ercot.url}/api/public-reports`,
        ERCOT_TOKEN_URL: `${ercot.url}/b2c/token`,
      },
    );

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    expect(ercot.to('/api/public-reports/np6-905-cd/spp_node_zone_hub').length).toBeGreaterThan(0);
    expect(secrets.requests.map((r) => JSON.parse(r.body) as { SecretId: string }).every((b) => b.SecretId === ERCOT_SECRET_ARN)).toBe(
      true,
    );
    // Nothing was published by the provider, so the price feeds are stale: the alarm's metric and the events say so.
    expect(emitted(inv, 'FeedsStale', 'ingest-prices')).toBeGreaterThan(0);
    expect(bus.events.some((ev) => ev.detailType === 'MarketDataStale')).toBe(true);
  });

  it('reads SSM parameters on first use with the SDK the runtime provides (the SSM client is external)', async () => {
    const inv = await invoke(
      'ingest-prices',
      {},
      {
        ERCOT_USERNAME_PARAM: '/switchyard/test/ercot/username',
        ERCOT_PASSWORD_PARAM: '/switchyard/test/ercot/password',
        ERCOT_SUBSCRIPTION_KEY_PARAM: '/switchyard/test/ercot/subscription-key',
        SSM_ENDPOINT: ssm.url,
        ERCOT_API_BASE_URL: `${ercot.url}/api/public-reports`,
        ERCOT_TOKEN_URL: `${ercot.url}/b2c/token`,
      },
    );

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    expect(ssm.requests.map((r) => (JSON.parse(r.body) as { Name: string }).Name).sort()).toEqual(Object.keys(SSM_PARAMS).sort());
  });

  it('does not load the SSM client when no setting asks for it: the bundle imports with no node_modules at all', () => {
    const bundle = readFileSync(bundles.get('ingest-prices')!.file, 'utf8');
    expect(bundle).not.toMatch(/(^|[;\s])import\s*[^(]*["']@aws-sdk\/client-ssm["']/);
    expect(bundle).toMatch(/import\(\s*["']@aws-sdk\/client-ssm["']\s*\)/);
  });
});

describe('ingest-hashprice bundle', () => {
  it('stores hashprices from mempool.space', async () => {
    const inv = await invoke('ingest-hashprice', {}, { MEMPOOL_BASE_URL: mempool.url, HASHPRICE_SOURCES: 'mempool' });

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    expect((inv.result as { written: unknown[] }).written.length).toBeGreaterThan(0);
    expect(emitted(inv, 'FeedsStale', 'ingest-hashprice')).toBeDefined();
  });
});

describe('ingest-grid-events bundle', () => {
  it('stores a delivered EEA event and publishes it as a grid emergency', async () => {
    const now = Date.now();
    const delivery = {
      events: [
        {
          id: 'eea-bundle-test',
          type: 'EEA',
          market: 'ERCOT',
          level: 2,
          start: new Date(now - HOUR_MS).toISOString(),
          end: new Date(now + HOUR_MS).toISOString(),
        },
      ],
    };

    const inv = await invoke('ingest-grid-events', delivery);

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    expect(inv.result).toMatchObject({ stored: 1, ids: ['eea-bundle-test'] });
    expect(bus.events.some((ev) => ev.detailType === 'GridEmergency')).toBe(true);
  });
});

describe('ingest-intensity bundle', () => {
  let dashboard: Loopback;
  beforeAll(async () => {
    dashboard = await loopback(dashboardRoutes(Date.now()));
  });
  afterAll(() => dashboard.close());

  it("stores ERCOT's live fuel mix as quarter-hour intensities, the latest carried forward as a FORECAST", async () => {
    const inv = await invoke('ingest-intensity', {}, { ERCOT_DASHBOARD_BASE_URL: dashboard.url, FEED_HTTP_MAX_ATTEMPTS: '1' });

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    const out = inv.result as { average: { points: number; written: number; forecast: number }; errors: string[] };
    expect(out.errors).toEqual([]);
    expect(out.average.points).toBeGreaterThan(0);
    expect(out.average.forecast).toBeGreaterThan(0);
    const stored = await table.repos.marketData.getIntensity('ERCOT', 'AVERAGE', Date.now() - 2 * HOUR_MS, Date.now() + 3 * HOUR_MS);
    expect(stored.find((p) => p.settlementType !== 'FORECAST')?.lbCo2PerMwh).toBe(948);
    expect(emitted(inv, 'IntensityPointsWritten', 'ingest-intensity')).toBe(out.average.written);
  });

  it('fails the invocation, for the retries and the error alarm, when the dashboard does not answer', async () => {
    const down = await loopback({});
    const inv = await invoke('ingest-intensity', {}, { ERCOT_DASHBOARD_BASE_URL: down.url, FEED_HTTP_MAX_ATTEMPTS: '1' }).finally(() =>
      down.close(),
    );

    expect(inv.ok).toBe(false);
    expect(inv.error).toMatch(/intensity ingest failed/);
  });
});

describe('ingest-nordpool bundle', () => {
  const ENTSOE_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:switchyard/test/entsoe-GhIjKl';
  const today = deliveryDayOf(Date.now());
  const tomorrow = utcDay(parseUtcDay(today) + DAY_MS);
  const xml = (body: string) => ({ headers: { 'content-type': 'text/xml' }, body });
  let providers: Loopback;
  let entsoeSecret: Loopback;

  beforeAll(async () => {
    [providers, entsoeSecret] = await Promise.all([
      loopback({
        // Today's result as Nord Pool publishes it; tomorrow's fails there, so ENTSO-E is asked.
        '/api/DayAheadPrices': (req) =>
          req.query.get('date') === today
            ? { body: nordPoolDay({ day: today, minutes: 15, price: () => 41.5 }) }
            : { status: 503, body: 'Service Unavailable' },
        '/entsoe/api': (req) =>
          req.query.get('securityToken') === 'entsoe-token'
            ? xml(a44([{ periods: [fullDay(tomorrow, 15, (i) => 30 + i / 4)] }]))
            : { status: 401, body: 'Unauthorized' },
        '/ecb/eurofxref-daily.xml': () => xml(ecbXml([{ date: today, rates: { USD: '1.1642', NOK: '11.72' } }])),
      }),
      loopback({
        '/': (req) => {
          const json = { 'content-type': 'application/x-amz-json-1.1' };
          if ((JSON.parse(req.body) as { SecretId?: string }).SecretId !== ENTSOE_SECRET_ARN) {
            return { status: 400, headers: json, body: { __type: 'ResourceNotFoundException', message: 'not found' } };
          }
          return { headers: json, body: { ARN: ENTSOE_SECRET_ARN, SecretString: JSON.stringify({ securityToken: 'entsoe-token' }) } };
        },
      }),
    ]);
  });
  afterAll(() => Promise.all([providers.close(), entsoeSecret.close()]));

  it('stores the NO3 days from Nord Pool and, where it fails, ENTSO-E with the token from Secrets Manager, and the ECB rate', async () => {
    const inv = await invoke(
      'ingest-nordpool',
      {},
      {
        ENTSOE_SECURITY_TOKEN_SECRET: `${ENTSOE_SECRET_ARN}#securityToken`,
        SECRETS_MANAGER_ENDPOINT: entsoeSecret.url,
        NORDPOOL_BASE_URL: providers.url,
        ENTSOE_BASE_URL: `${providers.url}/entsoe/api`,
        ECB_DAILY_URL: `${providers.url}/ecb/eurofxref-daily.xml`,
        FEED_HTTP_MAX_ATTEMPTS: '1',
        FEED_HTTP_BASE_DELAY_MS: '1',
      },
    );

    expect(inv.ok, inv.error ?? inv.output).toBe(true);
    expect((inv.result as { days: unknown[] }).days).toEqual([
      { area: 'NO3', deliveryDay: today, status: 'stored', source: 'nordpool', revision: { version: 2, state: 'Final' } },
      {
        area: 'NO3',
        deliveryDay: tomorrow,
        status: 'stored',
        source: 'entsoe',
        revision: { version: 1, state: 'Final' },
        failedOver: ['nordpool'],
      },
    ]);
    expect((inv.result as { rates: unknown }).rates).toEqual([{ date: today, rate: 1.1642 }]);
    const { startMs, endMs } = deliveryDayWindow(tomorrow);
    const stored = await table.repos.marketData.getPrices('NORDPOOL', 'NO3', 'DA', startMs, endMs);
    expect(stored.length).toBe((endMs - startMs) / (15 * 60_000));
    expect(stored.every((p) => p.currency === 'EUR')).toBe(true);
    expect(entsoeSecret.requests).toHaveLength(1);
    expect(bus.events.some((ev) => ev.detailType === 'PricesStored' && (ev.detail as { node?: string }).node === 'NO3')).toBe(true);
    expect(emitted(inv, 'DayAheadDaysStored', 'ingest-nordpool')).toBe(2);
    expect(emitted(inv, 'FeedsStale', 'ingest-nordpool')).toBe(0);
  });

  it('fails the last slot of the day, for the retries and the error alarm, when the next day is still not published', async () => {
    const inv = await invoke(
      'ingest-nordpool',
      { lastAttempt: true, deliveryDay: utcDay(parseUtcDay(tomorrow) + DAY_MS) },
      {
        NORDPOOL_BASE_URL: providers.url,
        ENTSOE_BASE_URL: `${providers.url}/entsoe/api`,
        ECB_DAILY_URL: `${providers.url}/ecb/eurofxref-daily.xml`,
        FEED_HTTP_MAX_ATTEMPTS: '1',
      },
    );

    expect(inv.ok).toBe(false);
    // Nord Pool fails (503) and ENTSO-E has no token configured: every source failed, each named.
    expect(inv.error).toMatch(
      /Nord Pool ingest failed: NO3 \d{4}-\d{2}-\d{2}: day-ahead NO3 .*nordpool: .*503.*entsoe: ENTSOE_SECURITY_TOKEN is not configured/,
    );
  });
});

describe('the bundle the stack deploys', () => {
  it('is byte for byte the bundle these tests run (NodejsFunction with local esbuild, no Docker)', () => {
    const name: FunctionName = 'run-interval';
    const outdir = join(root, 'cdk.out');
    const app = new App({ outdir });
    new SwitchyardFunction(new Stack(app, 'Bundling'), 'Fn', {
      name,
      config: { ...stages.dev },
      description: 'bundling check',
      memorySize: 128,
      timeout: Duration.seconds(3),
      environment: {},
    });
    const assets = readdirSync(outdir).filter((d) => d.startsWith('asset.'));

    expect(assets).toHaveLength(1);
    const deployed = join(outdir, assets[0]!);
    expect(readdirSync(deployed).sort()).toEqual([BUNDLE_FILE, `${BUNDLE_FILE}.map`, 'sites.json']);
    expect(readFileSync(join(deployed, BUNDLE_FILE)).equals(readFileSync(bundles.get(name)!.file))).toBe(true);
  });
});

describe('the bundle budget (bench/bundles.ts)', () => {
  it('holds for every bundle: at most 500 KB minified', () => {
    const over = [...bundles.values()].filter((b) => b.bytes > BUNDLE_BUDGET_BYTES);
    const described = over.map((b) => `${b.name}: ${(b.bytes / 1024).toFixed(1)} KB`);

    expect(bundles.size).toBe(FUNCTION_NAMES.length);
    expect(described).toEqual([]);
  });

  // Each alias is kept for what it keeps out of every bundle (infra/bundling.ts says how much): without it the api bundle grows by
  // at least that much, less a quarter for what minification and the SDK's versions move.
  it.each([
    ['@aws-sdk/credential-provider-node', './infra/lambda-credentials.ts', 130],
    ['@smithy/core/event-streams', './infra/smithy-event-streams-lean.ts', 15],
    ['@aws-sdk/signature-v4-multi-region', './infra/sigv4-multi-region-lean.ts', 4],
  ])('keeps out what the alias of %s (%s) says: ≈ %d KB of the api bundle', async (module, file, kb) => {
    const options = esbuildBuildOptions(handlerEntry('api'), join(root, `api-without-${module.replace(/\W+/g, '-')}`));
    const { [module]: shim, ...others } = esbuildSettings.alias;

    await build({ ...options, alias: others });

    expect(shim).toBe(file);
    expect(statSync(options.outfile!).size - bundles.get('api')!.bytes).toBeGreaterThan(kb * 1024 * 0.75);
  });
});
