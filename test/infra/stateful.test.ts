/**
 * The stateful stack (dev stage): the table as the adapters expect it, retained and protected;
 * the bus and its archive; the feed secrets. Also what the dev stage does differently in the
 * stateless stack (prod is covered in stateless.test.ts). cdk-nag runs on the whole dev app.
 */
import type { CreateTableCommandInput, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTable } from '#adapters/dynamo/table.ts';
import { EVENT_SOURCE } from '../../infra/stateful-stack.ts';
import { nagFindings, synthStage, testConfig } from './synth.ts';

const dev = synthStage(testConfig('dev'));
const template = dev.statefulTemplate;

/** The CreateTable request the local runtime and the tests send (shared/adapters/dynamo/table.ts). */
async function localTableShape(): Promise<CreateTableCommandInput> {
  let input: CreateTableCommandInput | undefined;
  const client = {
    send: async (command: { input: unknown; constructor: { name: string } }) => {
      if (command.constructor.name === 'CreateTableCommand') input = command.input as CreateTableCommandInput;
      return { Table: { TableStatus: 'ACTIVE' } };
    },
  } as unknown as DynamoDBClient;
  await createTable(client, 'local');
  return input!;
}

describe('table', () => {
  const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as {
    Properties: Record<string, unknown>;
    DeletionPolicy: string;
    UpdateReplacePolicy: string;
  };

  it('is the only table, on demand, with point-in-time recovery and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  it('expires what the adapters give an expiry (idempotency keys, feed-window ingest markers) through TTL on `ttl`', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true } });
  });

  it('is retained when the stack is deleted or the table replaced', () => {
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });

  it('has the key schema, attributes and GSIs that createTable gives the local and test tables', async () => {
    const local = await localTableShape();
    const p = table.Properties as {
      KeySchema: unknown[];
      AttributeDefinitions: { AttributeName: string }[];
      GlobalSecondaryIndexes: { IndexName: string }[];
    };

    expect(p.KeySchema).toEqual(local.KeySchema);
    expect([...p.AttributeDefinitions].sort((a, b) => a.AttributeName.localeCompare(b.AttributeName))).toEqual(
      [...local.AttributeDefinitions!].sort((a, b) => a.AttributeName!.localeCompare(b.AttributeName!)),
    );
    expect([...p.GlobalSecondaryIndexes].sort((a, b) => a.IndexName.localeCompare(b.IndexName))).toEqual(
      local.GlobalSecondaryIndexes!.map((g) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection })),
    );
    expect(local.BillingMode).toBe('PAY_PER_REQUEST');
  });
});

describe('event bus', () => {
  it('is named for the stage and retained', () => {
    template.hasResource('AWS::Events::EventBus', { Properties: { Name: 'switchyard-dev' }, DeletionPolicy: 'Retain' });
  });

  it('archives every Switchyard event for the configured retention, and keeps the archive', () => {
    template.hasResource('AWS::Events::Archive', {
      Properties: {
        SourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Bus'), 'Arn'] },
        EventPattern: { source: [EVENT_SOURCE] },
        RetentionDays: dev.config.eventArchiveDays,
      },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('feed secrets', () => {
  it('creates the ERCOT API secret as an empty JSON skeleton (no credential in the template), retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        Name: 'switchyard/dev/ercot-api',
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ username: '', password: '', subscriptionKey: '' }),
          GenerateStringKey: 'placeholder',
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('creates no Hashrate Index secret when the stage has no subscription', () => {
    template.resourcePropertiesCountIs('AWS::SecretsManager::Secret', { Name: 'switchyard/dev/hashrate-index' }, 0);
  });
});

describe('dev stage', () => {
  it('answers CORS preflights for the local dashboard at the gateway', () => {
    dev.statelessTemplate.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['http://localhost:5173'],
        AllowHeaders: Match.arrayWith(['Authorization', 'If-Match', 'Idempotency-Key']),
      }),
    });
  });

  it('keeps MFA optional and the Essentials plan, and lets the stack be deleted', () => {
    dev.statelessTemplate.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'OPTIONAL', UserPoolTier: 'ESSENTIALS' });
    expect(dev.stateful.terminationProtection).toBe(false);
  });
});

describe('cdk-nag AwsSolutions on the dev app', () => {
  it('reports no unacknowledged error', () => {
    expect(nagFindings(dev.app, 'error')).toEqual([]);
  });

  it('reports no unacknowledged warning', () => {
    expect(nagFindings(dev.app, 'warning')).toEqual([]);
  });
});
