/**
 * What must outlive any deployment: the one DynamoDB table, the EventBridge bus with its archive,
 * and the feed credentials. Deletion protection and RemovalPolicy.RETAIN everywhere; the
 * functions, schedules and API live in the stateless stack and can be replaced freely.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { GSI1, GSI2 } from '#adapters/dynamo/table.ts';
import type { StageConfig } from './config.ts';

/** Source of every Switchyard event (DESIGN §4). */
export const EVENT_SOURCE = 'switchyard';

/** Feed credentials in Secrets Manager; the value is set out of band (README "Deploy to AWS"). */
export interface FeedSecrets {
  /** ERCOT Public API: `{ "username", "password", "subscriptionKey" }`. */
  ercotApi: Secret;
  /** Hashrate Index API: `{ "apiKey" }`; only with `feeds.hashrateIndex`. */
  hashrateIndex?: Secret;
  /** ENTSO-E Transparency Platform (the Nord Pool ingest's fallback): `{ "securityToken" }`. */
  entsoe: Secret;
}

export interface StatefulStackProps extends StackProps {
  config: StageConfig;
}

export class StatefulStack extends Stack {
  readonly table: Table;
  readonly bus: EventBus;
  readonly secrets: FeedSecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.terminationProtection });
    const { config } = props;

    // Mirrors createTable in shared/adapters/dynamo/table.ts (the local and test shape).
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Idempotency keys (24 h) and feed-window ingest markers carry an expiry in `ttl` (epoch seconds); DynamoDB deletes them after it.
      timeToLiveAttribute: 'ttl',
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [indexName, prefix] of [
      [GSI1, 'gsi1'],
      [GSI2, 'gsi2'],
    ] as const) {
      this.table.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: `${prefix}pk`, type: AttributeType.STRING },
        sortKey: { name: `${prefix}sk`, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }

    // Fleet controllers, alerting and tenants subscribe to this bus by name.
    this.bus = new EventBus(this, 'Bus', { eventBusName: `switchyard-${config.stage}` });
    this.bus.applyRemovalPolicy(RemovalPolicy.RETAIN);
    const archive = this.bus.archive('Archive', {
      description: `Every ${EVENT_SOURCE} event, for replay to a new consumer or after an incident`,
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(config.eventArchiveDays),
    });
    archive.applyRemovalPolicy(RemovalPolicy.RETAIN);

    // Created as a JSON skeleton with empty fields (CloudFormation insists on generating one random
    // key, `placeholder`), so the ingest fails with "no string field …" until an operator stores
    // the real value (README "Deploy to AWS"). No credential is ever in the template.
    const feedSecret = (id: string, name: string, description: string, fields: readonly string[]) => {
      const secret = new Secret(this, id, {
        secretName: `switchyard/${config.stage}/${name}`,
        description,
        generateSecretString: {
          secretStringTemplate: JSON.stringify(Object.fromEntries(fields.map((f) => [f, '']))),
          generateStringKey: 'placeholder',
        },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(secret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Third-party API credentials issued by the provider; a rotation Lambda cannot obtain new ones. Operators replace them with put-secret-value (README "Deploy to AWS").',
      });
      return secret;
    };
    this.secrets = {
      ercotApi: feedSecret('ErcotApiSecret', 'ercot-api', 'ERCOT Public API: {"username","password","subscriptionKey"}', [
        'username',
        'password',
        'subscriptionKey',
      ]),
      entsoe: feedSecret('EntsoeSecret', 'entsoe', 'ENTSO-E Transparency Platform API: {"securityToken"}', ['securityToken']),
      ...(config.feeds.hashrateIndex
        ? { hashrateIndex: feedSecret('HashrateIndexSecret', 'hashrate-index', 'Hashrate Index API: {"apiKey"}', ['apiKey']) }
        : {}),
    };

    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
    new CfnOutput(this, 'ErcotApiSecretName', {
      value: `switchyard/${config.stage}/ercot-api`,
      description: 'Store {"username","password","subscriptionKey"} here',
    });
    new CfnOutput(this, 'EntsoeSecretName', {
      value: `switchyard/${config.stage}/entsoe`,
      description: 'Store {"securityToken"} here (ENTSO-E Transparency Platform)',
    });
    if (this.secrets.hashrateIndex)
      new CfnOutput(this, 'HashrateIndexSecretName', {
        value: `switchyard/${config.stage}/hashrate-index`,
        description: 'Store {"apiKey"} here',
      });
  }
}
