/**
 * The Lambdas. `SwitchyardFunction` is a NodejsFunction with safe defaults (Node 22 on arm64, its
 * own log group and a role that may write only to it, JSON logs, source maps, the shared esbuild
 * settings, the sites file bundled next to the code); `Functions` creates one per handler and
 * grants each exactly the table, bus and secret actions it needs.
 */

import { join } from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, SystemLogLevel } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { type BundlingOptions, LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type * as z from 'zod';
import { GSI1, GSI2 } from '#adapters/dynamo/table.ts';
import * as agentApi from '#functions/agent-api/contract.ts';
import * as api from '#functions/api/contract.ts';
import * as ingestGridEvents from '#functions/ingest-grid-events/contract.ts';
import * as ingestHashprice from '#functions/ingest-hashprice/contract.ts';
import * as ingestIntensity from '#functions/ingest-intensity/contract.ts';
import * as ingestNordPool from '#functions/ingest-nordpool/contract.ts';
import * as ingestPrices from '#functions/ingest-prices/contract.ts';
import * as reports from '#functions/reports/contract.ts';
import * as runInterval from '#functions/run-interval/contract.ts';
import { type EnvVars, METRICS_NAMESPACE, parseEnv } from '#functions/shared/settings.ts';
import { BUNDLED_SITES_FILE, esbuildSettings, type FunctionName, handlerEntry, LAMBDA_TASK_ROOT, PROJECT_ROOT } from './bundling.ts';
import { type StageConfig, sitesFilePath } from './config.ts';
import type { FeedSecrets } from './stateful-stack.ts';

const posixQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * NodejsFunction bundling from the shared settings, plus the sites file copied into the asset and, for
 * the api, its OpenAPI document generated beside the bundle (infra/openapi-file.ts).
 */
export function nodejsBundling(sitesFile: string, withOpenApi = false): BundlingOptions {
  const s = esbuildSettings;
  return {
    forceDockerBundling: false,
    target: s.target,
    format: OutputFormat.ESM,
    minify: s.minify,
    sourceMap: s.sourcemap,
    sourceMapMode: SourceMapMode.DEFAULT,
    sourcesContent: s.sourcesContent,
    mainFields: [...s.mainFields],
    banner: s.banner,
    externalModules: [...s.external],
    esbuildArgs: { '--alias': Object.entries(s.alias).map(([from, to]) => `${from}=${to}`) },
    logLevel: LogLevel.WARNING,
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir: string, outputDir: string) => [
        `cp ${posixQuote(sitesFile)} ${posixQuote(join(outputDir, BUNDLED_SITES_FILE))}`,
        ...(withOpenApi
          ? [
              `${posixQuote(join(PROJECT_ROOT, 'node_modules/.bin/tsx'))} ${posixQuote(join(PROJECT_ROOT, 'infra/openapi-file.ts'))} ` +
                posixQuote(join(outputDir, 'openapi.json')),
            ]
          : []),
      ],
    },
  };
}

/** How long, and how often, a failed asynchronous invocation is retried before it goes to the DLQ. */
export interface RetryPolicy {
  maxEventAge: Duration;
  retryAttempts: number;
}

export interface SwitchyardFunctionProps {
  name: FunctionName;
  description: string;
  config: StageConfig;
  memorySize: number;
  timeout: Duration;
  environment: Record<string, string>;
}

export class SwitchyardFunction extends Construct {
  readonly name: FunctionName;
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  /** Every variable the function is deployed with. */
  readonly environment: Readonly<Record<string, string>>;
  private dlq: Queue | undefined;
  private readonly config: StageConfig;

  constructor(scope: Construct, id: string, props: SwitchyardFunctionProps) {
    super(scope, id);
    const { config } = props;
    this.config = config;
    this.name = props.name;
    const functionName = `switchyard-${config.stage}-${props.name}`;

    this.logGroup = new LogGroup(this, 'Logs', {
      logGroupName: `/aws/lambda/${functionName}`,
      retention: config.logRetentionDays,
      removalPolicy: config.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // No AWSLambdaBasicExecutionRole: the role may write to this function's log group and nothing else.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${functionName} execution role`,
    });
    this.logGroup.grantWrite(this.role);

    this.environment = {
      NODE_OPTIONS: '--enable-source-maps',
      SITES_FILE: `${LAMBDA_TASK_ROOT}/${BUNDLED_SITES_FILE}`,
      POWERTOOLS_LOG_LEVEL: config.logLevel,
      POWERTOOLS_SERVICE_NAME: props.name,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      ...props.environment,
    };
    const level = { DEBUG: ApplicationLogLevel.DEBUG, INFO: ApplicationLogLevel.INFO, WARN: ApplicationLogLevel.WARN }[config.logLevel];
    this.fn = new NodejsFunction(this, 'Function', {
      functionName,
      description: props.description,
      entry: handlerEntry(props.name),
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: level,
      systemLogLevelV2: SystemLogLevel.WARN,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: nodejsBundling(sitesFilePath(config), props.name === 'api'),
      environment: { ...this.environment },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to Node.js 22 (NODEJS_22_X, DESIGN §1); the bundles target node22 and are tested on it.',
    });
  }

  /** The queue of invocations that failed for good, once an asynchronous trigger is attached. */
  get deadLetterQueue(): Queue | undefined {
    return this.dlq;
  }

  /**
   * For asynchronous triggers (schedules, rules): Lambda retries a failed invocation within the
   * policy, then sends it to an encrypted SQS dead-letter queue, returned here so that the trigger
   * can send its undeliverable events there too. Created on first call.
   */
  asyncFailureQueue(retry: RetryPolicy): Queue {
    if (this.dlq) return this.dlq;
    const dlq = new Queue(this, 'DeadLetterQueue', {
      queueName: `switchyard-${this.config.stage}-${this.name}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(dlq).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is the dead-letter queue of ${this.name}: failed async invocations and undeliverable schedule or rule events.`,
    });
    this.fn.configureAsyncInvoke({
      maxEventAge: retry.maxEventAge,
      retryAttempts: Math.min(retry.retryAttempts, 2),
      onFailure: new SqsDestination(dlq),
    });
    this.dlq = dlq;
    return dlq;
  }
}

/**
 * Table access a function needs, as in Powertools' example app (`bindTable({ accessMode })`):
 * `RO` for a function that only reads, `RW` for one that also writes.
 */
export type TableAccess = 'RO' | 'RW';

/**
 * DynamoDB actions per access mode: the commands the adapters send (Get, Query, Put, Update,
 * BatchWrite), on the table and its two indexes by name. No Scan, no DeleteItem, no index
 * wildcard. test/integration/table-access.test.ts runs every handler against a recording
 * DynamoDB and checks that what each one sends is within what its role is granted.
 */
export const TABLE_ACTIONS: Record<TableAccess, readonly string[]> = {
  RO: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  RW: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
};

export function grantTable(table: ITable, grantee: IGrantable, access: TableAccess): Grant {
  return Grant.addToPrincipal({
    grantee,
    actions: [...TABLE_ACTIONS[access]],
    resourceArns: [table.tableArn, ...[GSI1, GSI2].map((index) => `${table.tableArn}/index/${index}`)],
  });
}

/** A function's environment schema (functions/<name>/contract.ts). */
type EnvSchema = z.ZodObject;

interface FunctionSpec<S extends EnvSchema = EnvSchema> {
  description: string;
  memorySize: number;
  timeout: Duration;
  /** The schema the handler parses its environment with: every variable set here must be one it reads. */
  env: S;
  table: TableAccess;
  /** Calls events:PutEvents on the bus. */
  publishes: boolean;
  /** Feed secrets it reads: settings `NAME_SECRET=<secret ARN>#<field>` (functions/shared/feeds.ts). */
  secrets: readonly { secret: keyof FeedSecrets; settings: Readonly<Partial<Record<keyof S['shape'] & string, string>>> }[];
  environment?: (config: StageConfig) => EnvVars<S>;
}

/** Each spec checked against its own contract (names and values), then kept under the common type. */
const spec = <S extends EnvSchema>(s: FunctionSpec<S>): FunctionSpec => s as unknown as FunctionSpec;

/** Feed HTTP calls: 3 attempts of 10 s at most per request (functions/shared/settings.ts `FeedHttpEnv`). */
const FEED_HTTP = { FEED_HTTP_TIMEOUT_MS: '10000', FEED_HTTP_MAX_ATTEMPTS: '3' } as const;

/**
 * Every function but reports writes (decisions and runs, overrides and audit, market data, telemetry, the outbox when the bus
 * refuses an event): RW. reports only reads, and publishes nothing: RO.
 */
export const FUNCTION_SPECS: Record<FunctionName, FunctionSpec> = {
  'run-interval': spec({
    description: "Decides, records and publishes each site's intervals; catches up missed hours; re-decides on new prices",
    memorySize: 1024,
    timeout: Duration.minutes(5),
    env: runInterval.Env,
    table: 'RW',
    publishes: true,
    secrets: [],
    environment: (config) => ({ MAX_CATCH_UP_HOURS: String(config.maxCatchUpHours) }),
  }),
  api: spec({
    description: 'HTTP API, the desk: decisions, overrides, runs, sites, health',
    memorySize: 1024,
    timeout: Duration.seconds(15),
    env: api.Env,
    // Overrides, their audit records and re-decided revisions are written here; events announce them.
    table: 'RW',
    publishes: true,
    secrets: [],
  }),
  reports: spec({
    description: 'HTTP API, finance reads: audit, P&L, bids, actuals, deployment performance',
    memorySize: 1024,
    timeout: Duration.seconds(29),
    env: reports.Env,
    table: 'RO',
    publishes: false,
    secrets: [],
  }),
  'agent-api': spec({
    description: "HTTP API, the site agents: each site's dispatch plan and its telemetry",
    memorySize: 512,
    timeout: Duration.seconds(15),
    env: agentApi.Env,
    // Telemetry, state changes and deployment performance are written here; LoadCurtailed / LoadResumed announce them.
    table: 'RW',
    publishes: true,
    secrets: [],
  }),
  'ingest-prices': spec({
    description: 'Pulls ERCOT real-time and day-ahead prices into the table; publishes PricesStored and MarketDataStale',
    memorySize: 512,
    timeout: Duration.minutes(3),
    env: ingestPrices.Env,
    table: 'RW',
    publishes: true,
    secrets: [
      {
        secret: 'ercotApi',
        settings: { ERCOT_USERNAME: 'username', ERCOT_PASSWORD: 'password', ERCOT_SUBSCRIPTION_KEY: 'subscriptionKey' },
      },
    ],
    environment: () => ({ ...FEED_HTTP }),
  }),
  'ingest-hashprice': spec({
    description: 'Pulls the daily hashprice (Hashrate Index when configured, mempool.space) into the table',
    memorySize: 256,
    timeout: Duration.minutes(2),
    env: ingestHashprice.Env,
    table: 'RW',
    publishes: true,
    secrets: [{ secret: 'hashrateIndex', settings: { HASHRATE_INDEX_API_KEY: 'apiKey' } }],
    environment: () => ({ ...FEED_HTTP }),
  }),
  'ingest-nordpool': spec({
    description: 'Pulls Nord Pool day-ahead prices in EUR (ENTSO-E as fallback) and the ECB EUR/USD rate for the NORDPOOL sites',
    memorySize: 256,
    // Worst case: per area and day both sources tried (3 × 10 s each), plus the ECB file.
    timeout: Duration.minutes(5),
    env: ingestNordPool.Env,
    table: 'RW',
    publishes: true,
    secrets: [{ secret: 'entsoe', settings: { ENTSOE_SECURITY_TOKEN: 'securityToken' } }],
    environment: () => ({ ...FEED_HTTP }),
  }),
  'ingest-intensity': spec({
    description: "Pulls ERCOT's live fuel mix into quarter-hour grid intensities (and WattTime's marginal one when configured)",
    memorySize: 256,
    timeout: Duration.minutes(2),
    env: ingestIntensity.Env,
    table: 'RW',
    publishes: false,
    secrets: [],
    environment: () => ({ ...FEED_HTTP }),
  }),
  'ingest-grid-events': spec({
    description: 'Stores grid events delivered on the bus (EEA, appeals, DR, AS, SB 6) and publishes emergencies',
    memorySize: 256,
    timeout: Duration.seconds(30),
    env: ingestGridEvents.Env,
    table: 'RW',
    publishes: true,
    secrets: [],
  }),
};

/**
 * The variables a function is deployed with, checked against its contract at synth time: a name
 * the handler does not read, or a value it would refuse, fails the synth naming it.
 */
export function checkedEnvironment(name: FunctionName, environment: Record<string, string>): Record<string, string> {
  const schema = FUNCTION_SPECS[name].env;
  const unknown = Object.keys(environment).filter((k) => !(k in schema.shape));
  if (unknown.length) {
    throw new Error(`${name}: the stack sets ${unknown.join(', ')}, which functions/${name}/contract.ts does not declare`);
  }
  parseEnv(schema, environment, name);
  return environment;
}

export interface FunctionsProps {
  config: StageConfig;
  table: ITable;
  bus: IEventBus;
  /** The feed secrets that exist in this stage (the Hashrate Index one is optional). */
  secrets: Partial<Record<keyof FeedSecrets, ISecret>>;
  names: readonly FunctionName[];
}

export class Functions extends Construct {
  readonly all: SwitchyardFunction[] = [];

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const { config, table, bus, secrets } = props;
    for (const name of props.names) {
      const spec = FUNCTION_SPECS[name];
      const used = spec.secrets.flatMap((s) => {
        const secret = secrets[s.secret];
        return secret ? [{ secret, settings: s.settings }] : [];
      });
      const f = new SwitchyardFunction(this, pascal(name), {
        name,
        config,
        description: spec.description,
        memorySize: spec.memorySize,
        timeout: spec.timeout,
        environment: {
          TABLE_NAME: table.tableName,
          EVENT_BUS_NAME: bus.eventBusName,
          ...Object.fromEntries(
            used.flatMap((u) =>
              Object.entries(u.settings).map(([setting, field]) => [`${setting}_SECRET`, `${u.secret.secretArn}#${field}`]),
            ),
          ),
          ...(spec.environment?.(config) as Record<string, string> | undefined),
        },
      });
      checkedEnvironment(name, f.environment);
      grantTable(table, f.role, spec.table);
      if (spec.publishes) bus.grantPutEventsTo(f.role);
      for (const u of used) u.secret.grantRead(f.role);
      this.all.push(f);
    }
  }

  get(name: FunctionName): SwitchyardFunction | undefined {
    return this.all.find((f) => f.name === name);
  }
}

function pascal(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, _sep, c: string) => c.toUpperCase());
}
