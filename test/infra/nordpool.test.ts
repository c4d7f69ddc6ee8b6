/**
 * The Nord Pool ingest in the stacks (prod stage): its afternoon slots in Oslo time with retries that
 * end before the next slot, the ENTSO-E secret in the stateful stack, exactly the access it needs,
 * and an environment and schedule inputs its contract accepts.
 */
import { describe, expect, it } from 'vitest';
import { Event } from '#functions/ingest-nordpool/contract.ts';
import { FUNCTION_SPECS, TABLE_ACTIONS } from '../../infra/functions.ts';
import { NORDPOOL_SLOTS } from '../../infra/schedules.ts';
import { synthStage, testConfig } from './synth.ts';

const prod = synthStage(testConfig('prod'));
type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
const stateless = prod.statelessTemplate.toJSON().Resources as Record<string, Resource>;
const stateful = prod.statefulTemplate.toJSON().Resources as Record<string, Resource>;
const ofType = (r: Record<string, Resource>, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);

const [fnId, fn] = ofType(stateless, 'AWS::Lambda::Function').find(
  ([, f]) => f.Properties.FunctionName === 'switchyard-prod-ingest-nordpool',
)!;
const schedules = ofType(stateless, 'AWS::Scheduler::Schedule')
  .map(([, s]) => s.Properties)
  .filter((s) => JSON.stringify(s.Target.Arn) === JSON.stringify({ 'Fn::GetAtt': [fnId, 'Arn'] }));
const roleId = (fn.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
const statements = ofType(stateless, 'AWS::IAM::Policy')
  .filter(([, p]) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
  .flatMap(([, p]) => p.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Resource: unknown }[]);
const actions = (s: { Action: string | string[] }) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

/** Minutes after local midnight of a `cron(m h * * ? *)` expression. */
const minuteOfDay = (expression: string) => {
  const [m, h] = /^cron\((\d+) (\d+) \* \* \? \*\)$/.exec(expression)!.slice(1).map(Number);
  return h! * 60 + m!;
};

describe('ingest-nordpool schedules', () => {
  it('run at 13:15, 14:00, 15:30 and 16:30 on the Oslo wall clock, so that they follow CET and CEST', () => {
    expect(schedules.map((s) => [s.Name, s.ScheduleExpression, s.ScheduleExpressionTimezone]).sort()).toEqual([
      ['ingest-nordpool-1315', 'cron(15 13 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1400', 'cron(0 14 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1530', 'cron(30 15 * * ? *)', 'Europe/Oslo'],
      ['ingest-nordpool-1630', 'cron(30 16 * * ? *)', 'Europe/Oslo'],
    ]);
  });

  it('ask first after Nord Pool publishes (≈ 12:45) and last after the ECB rate of the day (≈ 16:00)', () => {
    const minutes = schedules.map((s) => minuteOfDay(s.ScheduleExpression)).sort((a, b) => a - b);
    expect(minutes[0]).toBeGreaterThan(12 * 60 + 45);
    expect(minutes.at(-1)).toBeGreaterThan(16 * 60);
  });

  it('mark only the last slot as the last attempt, with inputs the handler accepts', () => {
    const inputs = Object.fromEntries(schedules.map((s) => [s.Name, JSON.parse(s.Target.Input) as unknown]));
    expect(inputs).toEqual({
      'ingest-nordpool-1315': {},
      'ingest-nordpool-1400': {},
      'ingest-nordpool-1530': {},
      'ingest-nordpool-1630': { lastAttempt: true },
    });
    for (const input of Object.values(inputs)) expect(Event.safeParse(input).success).toBe(true);
    expect(NORDPOOL_SLOTS).toHaveLength(4);
  });

  it('retry delivery, and Lambda a failed run, for less than the shortest gap between two slots', () => {
    const minutes = schedules.map((s) => minuteOfDay(s.ScheduleExpression)).sort((a, b) => a - b);
    const gapSeconds = Math.min(...minutes.slice(1).map((m, i) => (m - minutes[i]!) * 60));
    for (const s of schedules) expect(s.Target.RetryPolicy.MaximumEventAgeInSeconds, s.Name).toBeLessThan(gapSeconds);
    const [, invokeConfig] = ofType(stateless, 'AWS::Lambda::EventInvokeConfig').find(
      ([, c]) => JSON.stringify(c.Properties.FunctionName) === JSON.stringify({ Ref: fnId }),
    )!;
    expect(invokeConfig.Properties.MaximumEventAgeInSeconds).toBeLessThan(gapSeconds);
    expect(invokeConfig.Properties.DestinationConfig.OnFailure.Destination).toEqual(schedules[0]!.Target.DeadLetterConfig.Arn);
  });
});

describe('the ENTSO-E secret', () => {
  it('is created in the stateful stack as an empty {"securityToken"} skeleton, retained', () => {
    const secrets = ofType(stateful, 'AWS::SecretsManager::Secret').filter(([, s]) => s.Properties.Name === 'switchyard/prod/entsoe');
    expect(secrets).toHaveLength(1);
    expect(secrets[0]![1]).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        GenerateSecretString: { SecretStringTemplate: JSON.stringify({ securityToken: '' }), GenerateStringKey: 'placeholder' },
      },
    });
  });

  it('is the only secret ingest-nordpool may read, and only with GetSecretValue / DescribeSecret', () => {
    const reads = statements.filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    expect(reads.map((s) => JSON.stringify(s.Resource))).toEqual([expect.stringMatching(/ExportsOutputRefEntsoeSecret/)]);
    expect(actions(reads[0]!).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
  });
});

describe('ingest-nordpool access and environment', () => {
  it('may use exactly the read-write table actions, put events, write its logs and send to its dead-letter queue', () => {
    const all = statements.filter((s) => s.Effect === 'Allow').flatMap(actions);
    expect(all.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual([...TABLE_ACTIONS.RW].sort());
    expect(all.filter((a) => !/^(dynamodb|secretsmanager):/.test(a)).sort()).toEqual(
      // The SQS actions are those of the failure destination's grant (sqs:SendMessage with the queue's lookups).
      ['events:PutEvents', 'logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
    );
  });

  it('is deployed with the ENTSO-E token as <secret ARN>#securityToken and the feed HTTP policy, all declared by its contract', () => {
    const variables = fn.Properties.Environment.Variables as Record<string, any>;
    const declared = Object.keys(FUNCTION_SPECS['ingest-nordpool'].env.shape);
    expect(Object.keys(variables).filter((k) => !declared.includes(k))).toEqual([]);
    expect(variables.ENTSOE_SECURITY_TOKEN_SECRET['Fn::Join'][1][1]).toBe('#securityToken');
    expect(variables).toMatchObject({ FEED_HTTP_TIMEOUT_MS: '10000', FEED_HTTP_MAX_ATTEMPTS: '3' });
    expect(variables.ENTSOE_SECURITY_TOKEN).toBeUndefined();
  });

  it('refuses an event the schedules never send, naming the field', () => {
    expect(Event.safeParse({ deliveryDay: '2025-13-01' }).success).toBe(false);
    expect(Event.safeParse({ lastAttemp: true }).success).toBe(false);
  });
});
