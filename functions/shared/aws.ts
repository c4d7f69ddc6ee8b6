/**
 * What every Lambda builds once per container from its environment: the table, the bus,
 * the sites file bundled next to the code, and the container's Powertools logger and metrics.
 */

import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import { EventBridgePublisher } from '#adapters/eventbridge.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { OutboxPublisher } from '#app/outbox.ts';
import type { Site } from '#domain/sites.ts';
import type { EventPublisher } from '#ports/events.ts';
import type { Logger } from '#ports/logger.ts';
import { resetFeedSettings } from './feeds.ts';
import { powertools, resetContainer } from './lambda.ts';
import { BaseEnv, parseEnv } from './settings.ts';

export interface AwsEnv {
  tableName: string;
  busName: string;
  sitesFile: string;
  /** Set only to point at a local DynamoDB (tests, the local stack). */
  dynamoEndpoint?: string;
  eventBridgeEndpoint?: string;
}

/** The variables every function reads (functions/shared/settings.ts `BaseEnv`); a missing one is named. */
export function readAwsEnv(env: NodeJS.ProcessEnv = process.env): AwsEnv {
  const e = parseEnv(BaseEnv, env, 'function');
  return {
    tableName: e.TABLE_NAME,
    busName: e.EVENT_BUS_NAME,
    sitesFile: e.SITES_FILE,
    ...(e.DYNAMODB_ENDPOINT ? { dynamoEndpoint: e.DYNAMODB_ENDPOINT } : {}),
    ...(e.EVENTBRIDGE_ENDPOINT ? { eventBridgeEndpoint: e.EVENTBRIDGE_ENDPOINT } : {}),
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
  const { logger, log, metrics } = powertools(serviceName);
  const repos = dynamoRepositories(dynamo, env.tableName);
  parts = {
    env,
    sites: readSitesFile(env.sitesFile).sites,
    repos,
    // What EventBridge does not take now waits in the outbox for the next run.
    publisher: new OutboxPublisher(new EventBridgePublisher({ client: eventBridge, busName: env.busName }), repos.outbox, log),
    logger,
    log,
    metrics,
  };
  return parts;
}

/** For tests that import a handler several times with different environments. */
export function resetAwsParts(): void {
  parts = undefined;
  resetFeedSettings();
  resetContainer();
}
