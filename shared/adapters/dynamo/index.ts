/** All DynamoDB repositories over one table. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoAuditRepository } from './audit.ts';
import { DynamoBidRepository } from './bids.ts';
import { DynamoCapabilityTestRepository } from './capability-tests.ts';
import { DynamoConfigStore } from './config.ts';
import { DynamoDecisionRepository } from './decisions.ts';
import { DynamoIdempotencyStore } from './idempotency.ts';
import { DynamoIngestMarkerRepository } from './ingest-markers.ts';
import { DynamoMarketDataRepository } from './market-data.ts';
import { DynamoOutbox } from './outbox.ts';
import { DynamoOverrideRepository } from './overrides.ts';
import { DynamoRunRepository } from './runs.ts';
import { DynamoTelemetryRepository } from './telemetry.ts';

export interface Repositories {
  decisions: DynamoDecisionRepository;
  marketData: DynamoMarketDataRepository;
  runs: DynamoRunRepository;
  overrides: DynamoOverrideRepository;
  audit: DynamoAuditRepository;
  idempotency: DynamoIdempotencyStore;
  bids: DynamoBidRepository;
  outbox: DynamoOutbox;
  config: DynamoConfigStore;
  telemetry: DynamoTelemetryRepository;
  capabilityTests: DynamoCapabilityTestRepository;
  ingests: DynamoIngestMarkerRepository;
}

export function dynamoRepositories(client: DynamoDBClient, tableName: string): Repositories {
  return {
    decisions: new DynamoDecisionRepository(client, tableName),
    marketData: new DynamoMarketDataRepository(client, tableName),
    runs: new DynamoRunRepository(client, tableName),
    overrides: new DynamoOverrideRepository(client, tableName),
    audit: new DynamoAuditRepository(client, tableName),
    idempotency: new DynamoIdempotencyStore(client, tableName),
    bids: new DynamoBidRepository(client, tableName),
    outbox: new DynamoOutbox(client, tableName),
    config: new DynamoConfigStore(client, tableName),
    telemetry: new DynamoTelemetryRepository(client, tableName),
    capabilityTests: new DynamoCapabilityTestRepository(client, tableName),
    ingests: new DynamoIngestMarkerRepository(client, tableName),
  };
}
