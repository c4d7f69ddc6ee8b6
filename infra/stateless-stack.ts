/**
 * What can be replaced at will: the functions, their schedules and event rules, the HTTP API and
 * the alarms. It uses the table, bus and feed secrets of the stateful stack.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { HttpLambda } from '#adapters/http/gateway.ts';
import { Alarms } from './alarms.ts';
import { Api } from './api.ts';
import type { FunctionName } from './bundling.ts';
import type { StageConfig } from './config.ts';
import { ConsoleSite } from './console.ts';
import { Functions } from './functions.ts';
import { GridEventDelivery } from './grid-events.ts';
import { PriceUpdates } from './price-updates.ts';
import { Schedules } from './schedules.ts';
import type { FeedSecrets } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  config: StageConfig;
  table: ITable;
  bus: IEventBus;
  secrets: Partial<Record<keyof FeedSecrets, ISecret>>;
  /** The handlers deployed. */
  functions: readonly FunctionName[];
}

const HTTP_LAMBDAS: readonly HttpLambda[] = ['api', 'reports', 'agent-api'];

/** The three Lambdas behind the HTTP API, or none of them (a stack without an API); one without the others is a mistake. */
function httpHandlers(functions: Functions): Record<HttpLambda, LambdaFunction> | undefined {
  const present = HTTP_LAMBDAS.filter((name) => functions.get(name));
  if (present.length === 0) return undefined;
  const missing = HTTP_LAMBDAS.filter((name) => !present.includes(name));
  if (missing.length) throw new Error(`the HTTP API needs ${HTTP_LAMBDAS.join(', ')}: ${missing.join(', ')} not deployed`);
  return Object.fromEntries(HTTP_LAMBDAS.map((name) => [name, functions.get(name)!.fn])) as Record<HttpLambda, LambdaFunction>;
}

export class StatelessStack extends Stack {
  readonly functions: Functions;
  readonly schedules: Schedules;
  readonly gridEvents: GridEventDelivery | undefined;
  readonly priceUpdates: PriceUpdates | undefined;
  readonly api: Api | undefined;
  readonly console: ConsoleSite | undefined;
  readonly alarms: Alarms;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.functions = new Functions(this, 'Functions', {
      config,
      table: props.table,
      bus: props.bus,
      secrets: props.secrets,
      names: props.functions,
    });
    this.schedules = new Schedules(this, 'Schedules', { config, functions: this.functions });
    const gridFn = this.functions.get('ingest-grid-events');
    this.gridEvents = gridFn ? new GridEventDelivery(this, 'GridEvents', { bus: props.bus, handler: gridFn }) : undefined;
    // A new price re-decides what it informs (run-interval's price trigger), not only the hourly run.
    const runFn = this.functions.get('run-interval');
    this.priceUpdates = runFn ? new PriceUpdates(this, 'PriceUpdates', { bus: props.bus, handler: runFn }) : undefined;
    const handlers = httpHandlers(this.functions);
    // The console signs in through the hosted UI, so it comes with the stage's Cognito domain.
    this.console = handlers && config.cognito.domainPrefix ? new ConsoleSite(this, 'Console', { config }) : undefined;
    this.api = handlers
      ? new Api(this, 'Api', { config, handlers, ...(this.console ? { consoleOrigin: this.console.url } : {}) })
      : undefined;
    if (this.console && this.api) this.console.deploy(this.api);
    this.alarms = new Alarms(this, 'Alarms', {
      config,
      functions: this.functions.all,
      httpApi: this.api?.httpApi,
    });

    if (this.api) {
      new CfnOutput(this, 'ApiUrl', { value: this.api.httpApi.apiEndpoint, description: 'Base URL of the HTTP API' });
      new CfnOutput(this, 'UserPoolId', {
        value: this.api.userPool.userPoolId,
        description: 'Cognito user pool: users and their groups (roles)',
      });
      new CfnOutput(this, 'UserPoolClientId', {
        value: this.api.client.userPoolClientId,
        description: 'App client that signs users in; the JWT audience',
      });
    }
    if (this.console)
      new CfnOutput(this, 'ConsoleUrl', {
        value: this.console.url,
        description: 'The operator console (sign in through the Cognito hosted UI)',
      });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'SNS topic of every alarm' });
  }
}
