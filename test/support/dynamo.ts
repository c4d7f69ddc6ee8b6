/** A fresh table in the test run's dynalite for each caller. */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';

export interface TestTable {
  client: DynamoDBClient;
  endpoint: string;
  tableName: string;
  repos: Repositories;
}

export async function freshTable(endpoint: string = inject('dynamoEndpoint')): Promise<TestTable> {
  const client = dynamoClient(endpoint);
  const tableName = `t-${randomUUID().slice(0, 12)}`;
  await createTable(client, tableName);
  return { client, endpoint, tableName, repos: dynamoRepositories(client, tableName) };
}
