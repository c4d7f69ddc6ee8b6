/**
 * What every Lambda builds once per container from its environment: the table, the bus,
 * the sites file bundled next to the code, a Powertools logger and metrics.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import { EventBridgePublisher } from '#adapters/eventbridge.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { OutboxPublisher } from '#app/outbox.ts';
import type { Site } from '#domain/sites.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';

export interface AwsEnv {
  tableName: string;
  busName: string;
  sitesFile: string;
  /** Set only to point at a local DynamoDB (tests, the local stack). */
  dynamoEndpoint?: string;
  eventBridgeEndpoint?: string;
}

export function readAwsEnv(env: NodeJS.ProcessEnv = process.env): AwsEnv {
  const missing = ['TABLE_NAME', 'EVENT_BUS_NAME', 'SITES_FILE'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`missing environment variables: ${missing.join(', ')}`);
  return {
    tableName: env.TABLE_NAME!,
    busName: env.EVENT_BUS_NAME!,
    sitesFile: env.SITES_FILE!,
    ...(env.DYNAMODB_ENDPOINT ? { dynamoEndpoint: env.DYNAMODB_ENDPOINT } : {}),
    ...(env.EVENTBRIDGE_ENDPOINT ? { eventBridgeEndpoint: env.EVENTBRIDGE_ENDPOINT } : {}),
  };
}

export interface AwsParts {
  env: AwsEnv;
  sites: Site[];
  repos: Repositories;
  publisher: EventPublisher;
  logger: PowertoolsLogger;
  log: Logger;
  metrics: Metrics;
}

let parts: AwsParts | undefined;

/** Built on first use and kept for the container's life. */
export function awsParts(serviceName: string): AwsParts {
  if (parts) return parts;
  const env = readAwsEnv();
  const dynamo = env.dynamoEndpoint ? dynamoClient(env.dynamoEndpoint) : new DynamoDBClient({});
  const eventBridge = new EventBridgeClient({
    maxAttempts: 1,
    ...(env.eventBridgeEndpoint ? { endpoint: env.eventBridgeEndpoint } : {}),
  });
  const logger = new PowertoolsLogger({ serviceName });
  const log: Logger = {
    info: (m, f) => logger.info(m, f ?? {}),
    warn: (m, f) => logger.warn(m, f ?? {}),
    error: (m, f) => logger.error(m, f ?? {}),
  };
  const repos = dynamoRepositories(dynamo, env.tableName);
  parts = {
    env,
    sites: readSitesFile(env.sitesFile).sites,
    repos,
    // What EventBridge does not take now waits in the outbox for the next run.
    publisher: new OutboxPublisher(new EventBridgePublisher({ client: eventBridge, busName: env.busName }), repos.outbox, log),
    logger,
    log,
    metrics: new Metrics({ namespace: 'Switchyard', serviceName }),
  };
  return parts;
}

/** For tests that import a handler several times with different environments. */
export function resetAwsParts(): void {
  parts = undefined;
}
