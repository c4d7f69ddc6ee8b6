/**
 * Powertools habits of the handlers, observed on stdout as CloudWatch would see it: the request id
 * and cold start on every log line, metrics flushed when the handler throws, and a bad setting
 * refused at the first invocation with a message naming the variable.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { resetAwsParts } from '#functions/shared/aws.ts';
import { type Loopback, loopback } from '../contract/loopback.ts';
import { freshTable } from '../support/dynamo.ts';
import { type EventBridgeServer, startEventBridgeServer } from '../support/eventbridge-server.ts';
import { site } from '../support/fixtures.ts';

const saved = { ...process.env };
let bus: EventBridgeServer;
let down: Loopback;

const context = (awsRequestId: string) => ({
  awsRequestId,
  functionName: 'switchyard-test-fn',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:switchyard-test-fn',
  memoryLimitInMB: '256',
});

/** Runs `fn` and returns the JSON lines written to stdout and stderr meanwhile (Powertools writes errors to stderr). */
async function stdoutOf(fn: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const lines: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const spies = [process.stdout, process.stderr].map((stream) => vi.spyOn(stream, 'write').mockImplementation(capture));
  try {
    await fn().catch(() => undefined);
  } finally {
    for (const s of spies) s.mockRestore();
  }
  return lines.flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, any>];
    } catch {
      return [];
    }
  });
}

beforeAll(async () => {
  const table = await freshTable();
  bus = await startEventBridgeServer();
  down = await loopback({}); // every hashprice request answers 404
  const sitesFile = join(mkdtempSync(join(tmpdir(), 'switchyard-habits-')), 'sites.json');
  writeFileSync(sitesFile, JSON.stringify({ sites: [site()] }));
  Object.assign(process.env, {
    TABLE_NAME: table.tableName,
    EVENT_BUS_NAME: 'switchyard-test',
    SITES_FILE: sitesFile,
    DYNAMODB_ENDPOINT: table.endpoint,
    EVENTBRIDGE_ENDPOINT: bus.endpoint,
    AWS_REGION: 'us-east-1',
    // As Lambda sets it: Powertools reports a cold start only for on-demand environments.
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    MEMPOOL_BASE_URL: down.url,
    HASHPRICE_SOURCES: 'mempool',
    FEED_HTTP_MAX_ATTEMPTS: '1',
  });
  delete process.env.POWERTOOLS_METRICS_DISABLED;
  delete process.env.POWERTOOLS_DEV;
});

beforeEach(() => resetAwsParts());

afterAll(async () => {
  process.env = saved;
  resetAwsParts();
  await Promise.all([bus.close(), down.close()]);
});

const EEA = { events: [{ type: 'EEA', level: 1, start: '2024-08-20T22:00:00Z', end: '2024-08-21T01:00:00Z' }] };

describe('log lines', () => {
  it('carry the request id of their invocation, and cold start only on the first', async () => {
    const { handler } = await import('#functions/ingest-grid-events/handler.ts');

    const first = (await stdoutOf(() => handler(EEA, context('req-1')))).filter((l) => l.level);
    const second = (await stdoutOf(() => handler(EEA, context('req-2')))).filter((l) => l.level);

    expect(first.length).toBeGreaterThan(0);
    expect(second.length).toBeGreaterThan(0);
    for (const l of first) expect(l).toMatchObject({ function_request_id: 'req-1', cold_start: true, service: 'ingest-grid-events' });
    for (const l of second) expect(l).toMatchObject({ function_request_id: 'req-2', cold_start: false });
  });

  it('take the service name the stack sets in POWERTOOLS_SERVICE_NAME', async () => {
    process.env.POWERTOOLS_SERVICE_NAME = 'switchyard-grid';
    try {
      const { handler } = await import('#functions/ingest-grid-events/handler.ts');
      const lines = (await stdoutOf(() => handler(EEA, context('req-3')))).filter((l) => l.level);

      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l.service).toBe('switchyard-grid');
    } finally {
      delete process.env.POWERTOOLS_SERVICE_NAME;
    }
  });
});

describe('metrics', () => {
  it('are flushed when the handler throws, and the failure is logged with the request id', async () => {
    const { handler } = await import('#functions/ingest-hashprice/handler.ts');
    let error: unknown;

    const out = await stdoutOf(() => handler({}, context('req-9')).catch((err: unknown) => Promise.reject((error = err))));

    expect(String(error)).toMatch(/hashprice ingest failed: mempool/);
    const emf = out.filter((l) => l._aws?.CloudWatchMetrics && l.service === 'ingest-hashprice');
    expect(emf.find((l) => 'HashpriceSourceErrors' in l)).toMatchObject({ HashpriceSourceErrors: 1, HashpricesWritten: 0, FeedsStale: 1 });
    expect(out.find((l) => l.message === 'invocation failed')).toMatchObject({ level: 'ERROR', function_request_id: 'req-9' });
  });
});

describe('settings', () => {
  it('a bad value stops the first invocation with a message naming the variable', async () => {
    process.env.PRICE_LOOKBACK_HOURS = 'six';
    try {
      const { handler } = await import('#functions/ingest-prices/handler.ts');
      await expect(handler({}, context('req-5'))).rejects.toThrow(
        'ingest-prices environment: PRICE_LOOKBACK_HOURS: must be a whole number from 1 to 168 (got "six")',
      );
    } finally {
      delete process.env.PRICE_LOOKBACK_HOURS;
    }
  });

  it('a malformed event is refused naming the field', async () => {
    const { handler } = await import('#functions/run-interval/handler.ts');
    await expect(handler({ at: 'tomorrow' }, context('req-6'))).rejects.toThrow(
      'event.at must be an ISO instant with an offset (got "tomorrow")',
    );
  });
});
