/**
 * The `api` Lambda: the same app behind API Gateway HTTP API. The gateway's JWT authorizer has
 * verified the token; the handler reads the caller from the claims in the event.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';

type Handler = (event: unknown, context?: unknown) => Promise<{ statusCode: number; headers?: Record<string, string>; body: string }>;

const saved = { ...process.env };
let handler: Handler;

beforeAll(async () => {
  const tableName = `lambda-${randomUUID().slice(0, 12)}`;
  await createTable(dynamoClient(inject('dynamoEndpoint')), tableName);
  Object.assign(process.env, {
    TABLE_NAME: tableName,
    EVENT_BUS_NAME: 'switchyard-test',
    SITES_FILE: fileURLToPath(new URL('../../local/demo/sites.json', import.meta.url)),
    DYNAMODB_ENDPOINT: inject('dynamoEndpoint'),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  const aws = await import('../../functions/shared/aws.ts');
  aws.resetAwsParts();
  handler = (await import('../../functions/api/handler.ts')).handler as unknown as Handler;
});
afterAll(() => {
  process.env = saved;
});

function event(method: string, path: string, claims?: Record<string, unknown>, query = '') {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'api.switchyard.test', 'user-agent': 'test' },
    isBase64Encoded: false,
    body: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.switchyard.test',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: '15/Jul/2024:20:00:00 +0000',
      timeEpoch: Date.parse('2024-07-15T20:00:00Z'),
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
  };
}

describe('the api Lambda', () => {
  it('serves the sites to a caller whose groups the authorizer passed on (API Gateway renders them as "[a b]")', async () => {
    const res = await handler(event('GET', '/sites', { sub: 'abc', username: 'desk-1', 'cognito:groups': '[trader finance]' }));
    expect(res.statusCode).toBe(200);
    expect((JSON.parse(res.body) as { items: { id: string }[] }).items.map((s) => s.id)).toEqual(['rockdale', 'clarington', 'tydal']);
  });

  it('answers 403 for a role the route does not allow, and 401 without claims', async () => {
    // GET /runs is for operators and admins.
    const forbidden = await handler(event('GET', '/runs', { username: 'desk-1', 'cognito:groups': '[trader]' }));
    expect(forbidden.statusCode).toBe(403);
    const anonymous = await handler(event('GET', '/sites'));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.['content-type']).toBe('application/problem+json');
  });

  it('reads the decision log from DynamoDB', async () => {
    const res = await handler(
      event(
        'GET',
        '/sites/rockdale/decisions',
        { username: 'fin-1', 'cognito:groups': ['finance'] },
        'from=2024-07-15T00:00:00Z&to=2024-07-16T00:00:00Z',
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ items: [] });
  });
});
