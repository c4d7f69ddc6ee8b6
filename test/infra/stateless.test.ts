/**
 * The stateless stack (prod stage: every option on): functions, schedules and their dead-letter
 * queues, the grid-event rule, the HTTP API and its authorizer, alarms, and least privilege.
 * cdk-nag runs on the whole prod app.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { GATEWAY_ROUTES } from '#adapters/http/gateway.ts';
import type { FunctionName } from '../../infra/bundling.ts';
import { FUNCTION_SPECS, TABLE_ACTIONS } from '../../infra/functions.ts';
import { nagFindings, synthStage, testConfig } from './synth.ts';

const prod = synthStage(testConfig('prod'));
const template = prod.statelessTemplate;
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;

type Statement = { Effect: string; Action: string | string[]; Resource?: unknown; Principal?: unknown; Condition?: unknown };

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const ref = (id: string) => ({ Ref: id });
const arnOf = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** The logical id of the resource of `type` whose property `key` is `value`. */
function idOf(type: string, key: string, value: unknown): string {
  const found = ofType(type).filter(([, r]) => JSON.stringify(r.Properties[key]) === JSON.stringify(value));
  expect(found, `${type} with ${key} = ${JSON.stringify(value)}`).toHaveLength(1);
  return found[0]![0];
}

const fnId = (name: FunctionName) => idOf('AWS::Lambda::Function', 'FunctionName', `switchyard-prod-${name}`);
const fnProps = (name: FunctionName) => resources[fnId(name)]!.Properties;
const dlqId = (name: FunctionName) => idOf('AWS::SQS::Queue', 'QueueName', `switchyard-prod-${name}-dlq`);

/** Allow statements of the IAM policies attached to a role. */
function roleStatements(roleId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify(ref(roleId))))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Effect === 'Allow');
}

const functionRoleId = (name: FunctionName) => (fnProps(name).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];

const SCHEDULED: FunctionName[] = ['ingest-prices', 'ingest-hashprice', 'run-interval', 'ingest-nordpool', 'ingest-intensity'];
const ASYNC: FunctionName[] = [...SCHEDULED, 'ingest-grid-events'];

describe('functions', () => {
  it('deploys every handler', () => {
    expect([...prod.functions].sort()).toEqual([
      'agent-api',
      'api',
      'ingest-grid-events',
      'ingest-hashprice',
      'ingest-intensity',
      'ingest-nordpool',
      'ingest-prices',
      'reports',
      'run-interval',
    ]);
    template.resourceCountIs('AWS::Lambda::Function', prod.functions.length);
  });

  it.each(prod.functions)('%s runs the ESM bundle on Node.js 22, arm64', (name) => {
    expect(fnProps(name)).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
  });

  it.each(prod.functions)('%s logs JSON to its own log group, kept for the stage retention', (name) => {
    const logging = fnProps(name).LoggingConfig as { LogFormat: string; LogGroup: unknown };
    expect(logging.LogFormat).toBe('JSON');
    const [logGroupId] = Object.entries(resources).find(([id]) => JSON.stringify(logging.LogGroup) === JSON.stringify(ref(id)))!;
    expect(resources[logGroupId]!.Properties).toMatchObject({
      LogGroupName: `/aws/lambda/switchyard-prod-${name}`,
      RetentionInDays: prod.config.logRetentionDays,
    });
  });

  it.each(prod.functions)('%s finds the table, the bus, the bundled sites file and its source maps through the environment', (name) => {
    expect(fnProps(name).Environment.Variables).toMatchObject({
      TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/^Switchyard-prod-Stateful:ExportsOutputRefTable/) },
      EVENT_BUS_NAME: { 'Fn::ImportValue': expect.stringMatching(/^Switchyard-prod-Stateful:ExportsOutputRefBus/) },
      SITES_FILE: '/var/task/sites.json',
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
  });

  it.each(prod.functions)('%s is deployed only with variables its contract declares, naming its service and namespace', (name) => {
    const variables = fnProps(name).Environment.Variables as Record<string, unknown>;
    const declared = Object.keys(FUNCTION_SPECS[name].env.shape);

    expect(Object.keys(variables).filter((k) => !declared.includes(k))).toEqual([]);
    expect(variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: name, POWERTOOLS_METRICS_NAMESPACE: 'Switchyard' });
  });

  it('tells run-interval how many missed hours to catch up', () => {
    expect(fnProps('run-interval').Environment.Variables.MAX_CATCH_UP_HOURS).toBe(String(prod.config.maxCatchUpHours));
  });

  it('gives the feed settings to the ingests as Secrets Manager ARN#field, and no secret setting to any other function', () => {
    const secretSettings = (name: FunctionName) =>
      Object.fromEntries(
        Object.entries(fnProps(name).Environment.Variables as Record<string, any>)
          .filter(([k]) => k.endsWith('_SECRET'))
          .map(([k, v]) => [
            k,
            `${String(v['Fn::Join'][1][0]['Fn::ImportValue']).replace(/.*ExportsOutputRef(\w+?Secret).*/, '$1')}${v['Fn::Join'][1][1]}`,
          ]),
      );

    expect(secretSettings('ingest-prices')).toEqual({
      ERCOT_USERNAME_SECRET: 'ErcotApiSecret#username',
      ERCOT_PASSWORD_SECRET: 'ErcotApiSecret#password',
      ERCOT_SUBSCRIPTION_KEY_SECRET: 'ErcotApiSecret#subscriptionKey',
    });
    expect(secretSettings('ingest-hashprice')).toEqual({ HASHRATE_INDEX_API_KEY_SECRET: 'HashrateIndexSecret#apiKey' });
    expect(secretSettings('ingest-nordpool')).toEqual({ ENTSOE_SECURITY_TOKEN_SECRET: 'EntsoeSecret#securityToken' });
    for (const name of ['run-interval', 'api', 'ingest-grid-events', 'ingest-intensity'] as const) expect(secretSettings(name)).toEqual({});
  });
});

describe('schedules', () => {
  const UTC = 'Etc/UTC';
  // The Nord Pool slots' interval is the shortest gap between two of them (13:15 to 14:00).
  const nordpool = (at: string, expression: string, input: object) =>
    ({ name: `ingest-nordpool-${at}`, fn: 'ingest-nordpool', expression, timeZone: 'Europe/Oslo', intervalSeconds: 2700, input }) as const;
  const EXPECTED = [
    { name: 'ingest-prices', fn: 'ingest-prices', expression: 'cron(5/15 * * * ? *)', timeZone: UTC, intervalSeconds: 900, input: {} },
    { name: 'ingest-hashprice', fn: 'ingest-hashprice', expression: 'cron(10 * * * ? *)', timeZone: UTC, intervalSeconds: 3600, input: {} },
    {
      name: 'ingest-intensity',
      fn: 'ingest-intensity',
      expression: 'cron(10/15 * * * ? *)',
      timeZone: UTC,
      intervalSeconds: 900,
      input: {},
    },
    {
      name: 'run-interval-hourly',
      fn: 'run-interval',
      expression: 'cron(0 * * * ? *)',
      timeZone: UTC,
      intervalSeconds: 3600,
      input: { trigger: 'schedule' },
    },
    {
      name: 'run-interval-quarter-hourly',
      fn: 'run-interval',
      expression: 'cron(15,30,45 * * * ? *)',
      timeZone: UTC,
      intervalSeconds: 900,
      input: { trigger: 'schedule' },
    },
    nordpool('1315', 'cron(15 13 * * ? *)', {}),
    nordpool('1400', 'cron(0 14 * * ? *)', {}),
    nordpool('1530', 'cron(30 15 * * ? *)', {}),
    nordpool('1630', 'cron(30 16 * * ? *)', { lastAttempt: true }),
  ] as const;

  it('schedules the ingests and the runs, and nothing else', () => {
    expect(
      ofType('AWS::Scheduler::Schedule')
        .map(([, s]) => s.Properties.Name)
        .sort(),
    ).toEqual(EXPECTED.map((e) => e.name).sort());
  });

  it.each(EXPECTED)('$name runs $expression ($timeZone) in the stage group, on time, enabled', (e) => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      Name: e.name,
      GroupName: 'switchyard-prod',
      ScheduleExpression: e.expression,
      ScheduleExpressionTimezone: e.timeZone,
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: arnOf(fnId(e.fn)), Input: JSON.stringify(e.input) }),
    });
  });

  it.each(EXPECTED)('$name retries delivery for less than its interval, then sends the event to the $fn dead-letter queue', (e) => {
    const target = ofType('AWS::Scheduler::Schedule').find(([, s]) => s.Properties.Name === e.name)![1].Properties.Target;

    expect(target.DeadLetterConfig).toEqual({ Arn: arnOf(dlqId(e.fn)) });
    expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeLessThan(e.intervalSeconds);
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it.each(SCHEDULED)('%s retries a failed invocation within its shortest interval, then sends it to its dead-letter queue', (name) => {
    const shortest = Math.min(...EXPECTED.filter((e) => e.fn === name).map((e) => e.intervalSeconds));
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: ref(fnId(name)),
      DestinationConfig: { OnFailure: { Destination: arnOf(dlqId(name)) } },
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: Match.anyValue(),
    });
    const config = ofType('AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify(ref(fnId(name))),
    )![1];
    expect(config.Properties.MaximumEventAgeInSeconds).toBeLessThan(shortest);
  });

  it('lets Scheduler, from this account only, invoke each function and write to its dead-letter queue, nothing more', () => {
    for (const name of SCHEDULED) {
      const roleId = (
        ofType('AWS::Scheduler::Schedule').find(
          ([, s]) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(arnOf(fnId(name))),
        )![1].Properties.Target.RoleArn as { 'Fn::GetAtt': [string] }
      )['Fn::GetAtt'][0];
      expect(resources[roleId]!.Properties.AssumeRolePolicyDocument.Statement).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]);
      expect(roleStatements(roleId).map((s) => [actions(s), s.Resource])).toEqual([
        [['lambda:InvokeFunction'], [arnOf(fnId(name)), { 'Fn::Join': ['', [arnOf(fnId(name)), ':*']] }]],
        [['sqs:SendMessage'], arnOf(dlqId(name))],
      ]);
    }
  });
});

describe('dead-letter queues', () => {
  it.each(ASYNC)('%s has one, encrypted, refusing requests without TLS', (name) => {
    expect(resources[dlqId(name)]!.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86400 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [ref(dlqId(name))],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });
});

describe('grid-event deliveries', () => {
  it('hand the detail of switchyard.grid GridEvents events on the stage bus to ingest-grid-events, with a DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('ExportsOutputRefBus') },
      EventPattern: { source: ['switchyard.grid'], 'detail-type': ['GridEvents'] },
      Targets: [
        Match.objectLike({
          Arn: arnOf(fnId('ingest-grid-events')),
          InputPath: '$.detail',
          DeadLetterConfig: { Arn: arnOf(dlqId('ingest-grid-events')) },
        }),
      ],
    });
  });
});

describe('price updates', () => {
  it('hand the market and node of switchyard PricesStored events to run-interval as a price trigger, with its DLQ', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { 'Fn::ImportValue': Match.stringLikeRegexp('ExportsOutputRefBus') },
      EventPattern: { source: ['switchyard'], 'detail-type': ['PricesStored'] },
      Targets: [
        Match.objectLike({
          Arn: arnOf(fnId('run-interval')),
          InputTransformer: {
            InputPathsMap: { 'detail-market': '$.detail.market', 'detail-node': '$.detail.node' },
            InputTemplate: '{"trigger":"price","market":<detail-market>,"node":<detail-node>}',
          },
          DeadLetterConfig: { Arn: arnOf(dlqId('run-interval')) },
          RetryPolicy: { MaximumEventAgeInSeconds: 900, MaximumRetryAttempts: 2 },
        }),
      ],
    });
  });

  it('let only that rule invoke run-interval from EventBridge', () => {
    const rule = idOf('AWS::Events::Rule', 'EventPattern', { source: ['switchyard'], 'detail-type': ['PricesStored'] });
    const grants = ofType('AWS::Lambda::Permission').filter(([, p]) => p.Properties.Principal === 'events.amazonaws.com');
    const toRun = grants.filter(([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(arnOf(fnId('run-interval'))));
    expect(toRun.map(([, p]) => p.Properties.SourceArn)).toEqual([arnOf(rule)]);
  });
});

describe('HTTP API', () => {
  const authorizers = ofType('AWS::ApiGatewayV2::Authorizer');
  const authorizerNamed = (name: string) => authorizers.find(([, a]) => a.Properties.Name === name)?.[0] ?? `(no ${name})`;
  const humanAuthorizer = authorizerNamed('cognito-jwt');
  const agentAuthorizer = authorizerNamed('cognito-agent-jwt');
  const routes = ofType('AWS::ApiGatewayV2::Route').map(
    ([, r]) => r.Properties as { RouteKey: string; AuthorizationType: string; AuthorizerId?: unknown; AuthorizationScopes?: string[] },
  );
  const PUBLIC = ['GET /health', 'GET /openapi.json'];
  const AGENT = ['GET /sites/{siteId}/dispatch', 'POST /sites/{siteId}/telemetry'];
  const userPoolId = ofType('AWS::Cognito::UserPool')[0]![0];
  const clientNamed = (name: string) => idOf('AWS::Cognito::UserPoolClient', 'ClientName', name);

  it("verifies people's Cognito tokens: issuer is the user pool, audience its app client", () => {
    expect(authorizers).toHaveLength(2);
    expect(resources[humanAuthorizer]!.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: { Issuer: { 'Fn::GetAtt': [userPoolId, 'ProviderURL'] }, Audience: [ref(clientNamed('switchyard-prod-api'))] },
    });
  });

  it('verifies agent tokens with a second authorizer whose audience is the agent clients, one per site', () => {
    expect(resources[agentAuthorizer]!.Properties).toMatchObject({
      AuthorizerType: 'JWT',
      JwtConfiguration: {
        Issuer: { 'Fn::GetAtt': [userPoolId, 'ProviderURL'] },
        Audience: ['rockdale', 'clarington', 'tydal'].map((site) => ref(clientNamed(`switchyard-prod-agent-${site}`))),
      },
    });
  });

  it('serves GET /health and GET /openapi.json without a token', () => {
    expect(
      routes
        .filter((r) => r.AuthorizationType === 'NONE')
        .map((r) => r.RouteKey)
        .sort(),
    ).toEqual(PUBLIC);
  });

  it('puts the agent routes behind the agent authorizer, requiring the switchyard/agent scope', () => {
    const agentRoutes = routes.filter((r) => JSON.stringify(r.AuthorizerId) === JSON.stringify(ref(agentAuthorizer)));
    expect(agentRoutes.map((r) => r.RouteKey).sort()).toEqual([...AGENT].sort());
    for (const r of agentRoutes)
      expect(r, r.RouteKey).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: ['switchyard/agent'] });
  });

  it("requires the people's JWT authorizer on every other route, including the catch-all", () => {
    const others = routes.filter((r) => !PUBLIC.includes(r.RouteKey) && !AGENT.includes(r.RouteKey));
    expect(others.map((r) => r.RouteKey)).toContain('ANY /{proxy+}');
    for (const r of others) expect(r, r.RouteKey).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: ref(humanAuthorizer) });
  });

  it('tells the agent-api function, and no other, which agent client is which site', () => {
    for (const name of prod.functions.filter((n) => n !== 'agent-api'))
      expect(fnProps(name).Environment.Variables, name).not.toHaveProperty('AGENT_CLIENTS');
    const value = fnProps('agent-api').Environment.Variables.AGENT_CLIENTS as { 'Fn::Join': [string, unknown[]] };
    const parts = value['Fn::Join'][1];
    for (const site of ['rockdale', 'clarington', 'tydal']) {
      const i = parts.findIndex((p) => JSON.stringify(p) === JSON.stringify(ref(clientNamed(`switchyard-prod-agent-${site}`))));
      expect(i, site).toBeGreaterThanOrEqual(0);
      expect(String(parts[i + 1]), site).toMatch(new RegExp(`^=${site}(,|$)`));
    }
  });

  it('throttles the stage and writes JSON access logs to a log group', () => {
    const stage = ofType('AWS::ApiGatewayV2::Stage')[0]![1].Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: prod.config.api.throttle.rateLimit,
        ThrottlingBurstLimit: prod.config.api.throttle.burstLimit,
      },
    });
    const destination = stage.AccessLogSettings.DestinationArn['Fn::GetAtt'][0] as string;
    expect(resources[destination]!.Type).toBe('AWS::Logs::LogGroup');
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      routeKey: '$context.routeKey',
    });
  });

  it('routes each group of paths to its own Lambda, as the gateway table says, and everything else to api', () => {
    const integrations = ofType('AWS::ApiGatewayV2::Integration');
    const lambdaOfRoute = (r: { Target?: { 'Fn::Join': [string, unknown[]] } }) => {
      const integrationId = (r.Target?.['Fn::Join'][1][1] as { Ref: string } | undefined)?.Ref;
      const uri = JSON.stringify(integrations.find(([id]) => id === integrationId)?.[1].Properties.IntegrationUri);
      return (['api', 'reports', 'agent-api'] as const).find((name) => uri === JSON.stringify(arnOf(fnId(name))));
    };
    const byLambda = (name: string) =>
      ofType('AWS::ApiGatewayV2::Route')
        .filter(([, r]) => lambdaOfRoute(r.Properties) === name)
        .map(([, r]) => r.Properties.RouteKey as string)
        .sort();

    expect(byLambda('reports')).toEqual(GATEWAY_ROUTES.reports.map((r) => `${r.method} ${r.path}`).sort());
    expect(byLambda('agent-api')).toEqual([...AGENT].sort());
    expect(byLambda('api')).toEqual(['ANY /{proxy+}', ...PUBLIC].sort());
  });

  it.each(['api', 'reports', 'agent-api'] as const)('lets only this API invoke the %s function', (name) => {
    const apiId = ofType('AWS::ApiGatewayV2::Api')[0]![0];
    const permissions = ofType('AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(arnOf(fnId(name))),
    );
    expect(permissions.length).toBeGreaterThan(0);
    for (const [, p] of permissions) {
      expect(p.Properties.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(p.Properties.SourceArn)).toContain(JSON.stringify(ref(apiId)));
    }
  });
});

describe('Cognito', () => {
  const pool = ofType('AWS::Cognito::UserPool')[0]![1];

  it('has a group per role of people (an agent is a machine client, not a group)', () => {
    expect(
      ofType('AWS::Cognito::UserPoolGroup')
        .map(([, g]) => g.Properties.GroupName)
        .sort(),
    ).toEqual(['admin', 'finance', 'operator', 'trader']);
  });

  it('has a resource server switchyard with the scope agent', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'switchyard',
      Scopes: [{ ScopeName: 'agent', ScopeDescription: Match.anyValue() }],
      UserPoolId: ref(ofType('AWS::Cognito::UserPool')[0]![0]),
    });
  });

  it.each(['rockdale', 'clarington', 'tydal'])(
    'gives site %s a confidential agent client with only the client-credentials grant and the agent scope',
    (site) => {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        ClientName: `switchyard-prod-agent-${site}`,
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthScopes: [{ 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('AgentResourceServer') }, '/agent']] }],
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        EnableTokenRevocation: true,
      });
    },
  );

  it('admits only users an administrator creates, with TOTP MFA and threat protection in prod', () => {
    expect(pool.Properties).toMatchObject({
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('signs in through a public client (no secret) with SRP or password, without OAuth flows when no dashboard is configured', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      AllowedOAuthFlowsUserPoolClient: false,
    });
  });
});

describe('least privilege', () => {
  /** Every Allow statement in the stack, wherever it lives. */
  const allowStatements: [string, Statement][] = Object.entries(resources).flatMap(([id, r]) => {
    const inline = r.Type === 'AWS::IAM::Role' ? ((r.Properties.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) : [];
    const docs = [r.Properties?.PolicyDocument, r.Properties?.AssumeRolePolicyDocument, ...inline.map((p) => p.PolicyDocument)].filter(
      Boolean,
    ) as { Statement: Statement[] }[];
    return docs.flatMap((d) => d.Statement.filter((s) => s.Effect === 'Allow').map((s) => [id, s] as [string, Statement]));
  });

  it('has no Allow statement with a wildcard action ("*" or "service:*")', () => {
    expect(allowStatements.length).toBeGreaterThan(0);
    const wild = allowStatements.filter(([, s]) => actions(s).some((a) => a === '*' || /^[a-z0-9-]+:\*$/i.test(a)));
    expect(wild.map(([id, s]) => `${id}: ${actions(s).join(',')}`)).toEqual([]);
  });

  it('attaches no AWS managed policy to any role', () => {
    for (const [id, role] of ofType('AWS::IAM::Role')) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
  });

  const EXPECTED_ACCESS: Record<FunctionName, { secrets: string[]; dlq: boolean }> = {
    'run-interval': { secrets: [], dlq: true },
    api: { secrets: [], dlq: false },
    reports: { secrets: [], dlq: false },
    'agent-api': { secrets: [], dlq: false },
    'ingest-prices': { secrets: ['ErcotApiSecret'], dlq: true },
    'ingest-hashprice': { secrets: ['HashrateIndexSecret'], dlq: true },
    'ingest-grid-events': { secrets: [], dlq: true },
    'ingest-nordpool': { secrets: ['EntsoeSecret'], dlq: true },
    'ingest-intensity': { secrets: [], dlq: true },
  };

  it.each(prod.functions)(
    '%s may write its log group, use the table and indexes as its access mode allows, put events if it publishes',
    (name) => {
      const granted = [...TABLE_ACTIONS[FUNCTION_SPECS[name].table]].sort();
      const statements = roleStatements(functionRoleId(name));
      const logGroupId = (fnProps(name).LoggingConfig.LogGroup as { Ref: string }).Ref;
      const table = { 'Fn::ImportValue': Match.stringLikeRegexp('ExportsOutputFnGetAttTable.*Arn') };

      expect(statements).toEqual(
        expect.arrayContaining([
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logGroupId) },
          expect.objectContaining({ Action: granted }),
        ]),
      );
      const puts = statements.filter((st) => actions(st).includes('events:PutEvents'));
      expect(puts).toEqual(
        FUNCTION_SPECS[name].publishes
          ? [expect.objectContaining({ Resource: { 'Fn::ImportValue': expect.stringMatching(/ExportsOutputFnGetAttBus.*Arn/) } })]
          : [],
      );
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [ref(functionRoleId(name))],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: granted,
              Resource: [table, { 'Fn::Join': ['', [table, '/index/gsi1']] }, { 'Fn::Join': ['', [table, '/index/gsi2']] }],
            }),
          ]),
        },
      });
    },
  );

  it.each(prod.functions)('%s reads only the feed secrets it uses, and sends only to its own dead-letter queue', (name) => {
    const statements = roleStatements(functionRoleId(name));
    const secretReads = statements.filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    const sqs = statements.filter((s) => actions(s).some((a) => a.startsWith('sqs:')));

    expect(
      secretReads.map((s) =>
        String((s.Resource as { 'Fn::ImportValue': string })['Fn::ImportValue']).replace(/.*ExportsOutputRef(\w+?Secret).*/, '$1'),
      ),
    ).toEqual(EXPECTED_ACCESS[name].secrets);
    for (const s of secretReads) expect(actions(s).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
    expect(sqs.map((s) => s.Resource)).toEqual(EXPECTED_ACCESS[name].dlq ? [arnOf(dlqId(name))] : []);
    expect(statements.flatMap(actions).filter((a) => !/^(logs|dynamodb|events|secretsmanager|sqs):/.test(a))).toEqual([]);
  });
});

describe('alarms', () => {
  const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const topicId = ofType('AWS::SNS::Topic')[0]![0];
  const named = (suffix: string) => alarms.find((a) => a.AlarmName === `switchyard-prod-${suffix}`);

  it('notify the alarm topic, which refuses publishers without TLS', () => {
    for (const a of alarms) expect(a.AlarmActions, a.AlarmName).toEqual([ref(topicId)]);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it.each(prod.functions)('fire when %s throws', (name) => {
    expect(named(`${name}-errors`)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(fnId(name)) }],
      Threshold: 1,
    });
  });

  it.each(ASYNC)('fire when the %s dead-letter queue is not empty', (name) => {
    expect(named(`${name}-dlq-not-empty`)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId(name), 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('fire when no run has succeeded for 2 hours, or run-interval reports nothing at all', () => {
    const a = named('run-stale')!;
    expect(a).toMatchObject({
      Namespace: 'Switchyard',
      MetricName: 'RunsSucceeded',
      Dimensions: [{ Name: 'service', Value: 'run-interval' }],
      Statistic: 'Sum',
      ComparisonOperator: 'LessThanThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
    expect(a.Period * a.EvaluationPeriods).toBe(2 * 3600);
    expect(a.DatapointsToAlarm).toBe(a.EvaluationPeriods);
  });

  it.each([
    ['market-data-stale', 'ingest-prices', 900],
    ['hashprice-stale', 'ingest-hashprice', 3600],
    ['day-ahead-stale', 'ingest-nordpool', 86400],
  ])('fire when %s: %s reports stale feeds, or nothing, for two ingest periods', (alarm, service, period) => {
    expect(named(alarm)).toMatchObject({
      Namespace: 'Switchyard',
      MetricName: 'FeedsStale',
      Dimensions: [{ Name: 'service', Value: service }],
      Period: period,
      EvaluationPeriods: 2,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      TreatMissingData: 'breaching',
    });
  });
});

describe('prod stateful stack', () => {
  it('is protected from termination and holds the Hashrate Index secret', () => {
    expect(prod.stateful.terminationProtection).toBe(true);
    prod.statefulTemplate.hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'switchyard/prod/hashrate-index' });
  });
});

describe('cdk-nag AwsSolutions on the prod app', () => {
  it('reports no unacknowledged error', () => {
    expect(nagFindings(prod.app, 'error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    expect(nagFindings(prod.app, 'warning')).toEqual([]);
  });
});
