/**
 * What every Lambda builds once per container from its environment: the table, the bus,
 * the sites file bundled next to the code, and the container's Powertools logger and metrics.
 */

import type { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoMarketDataRepository } from '#adapters/dynamo/market-data.ts';
import { DynamoOutbox } from '#adapters/dynamo/outbox.ts';
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

export interface AwsParts<R extends object> {
  env: AwsEnv;
  sites: Site[];
  /** The repositories the function uses (its own `repositories` factory): a bundle holds only the ones it builds. */
  repos: R;
  publisher: EventPublisher;
  logger: PowertoolsLogger;
  log: Logger;
  metrics: Metrics;
}

/** A function's repositories over the table: e.g. `dynamoRepositories` for all of them, or only the few an ingest writes. */
export type RepositoryFactory<R extends object> = (client: DynamoDBClient, tableName: string) => R;

/** Per function name: a test process may import several handlers. */
const parts = new Map<string, AwsParts<object>>();

/** Built on first use and kept for the container's life. */
export function awsParts<R extends object>(serviceName: string, repositories: RepositoryFactory<R>): AwsParts<R> {
  const known = parts.get(serviceName);
  if (known) return known as AwsParts<R>;
  const env = readAwsEnv();
  const dynamo = env.dynamoEndpoint ? dynamoClient(env.dynamoEndpoint) : new DynamoDBClient({});
  const eventBridge = new EventBridgeClient({
    maxAttempts: 1,
    ...(env.eventBridgeEndpoint ? { endpoint: env.eventBridgeEndpoint } : {}),
  });
  const { logger, log, metrics } = powertools(serviceName);
  const repos = repositories(dynamo, env.tableName);
  const built: AwsParts<R> = {
    env,
    sites: readSitesFile(env.sitesFile).sites,
    repos,
    // What EventBridge does not take now waits in the outbox for the next run.
    publisher: new OutboxPublisher(
      new EventBridgePublisher({ client: eventBridge, busName: env.busName }),
      new DynamoOutbox(dynamo, env.tableName),
      log,
    ),
    logger,
    log,
    metrics,
  };
  parts.set(serviceName, built);
  return built;
}

/** For tests that import a handler several times with different environments. */
export function resetAwsParts(): void {
  parts.clear();
  resetFeedSettings();
  resetContainer();
}

/** The repositories of a function that reads and writes only market data. */
export const marketDataOnly: RepositoryFactory<{ marketData: DynamoMarketDataRepository }> = (client, tableName) => ({
  marketData: new DynamoMarketDataRepository(client, tableName),
});
