/**
 * The embedded store's repairs (local/dynalite-server.mjs): it closes the LevelDB iterator of every
 * query (without that, each query left one open and the store's memory grew with every read it
 * served), and it keeps table definitions in memory instead of reading one from LevelDB per request.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { type EmbeddedDynamo, startDynalite } from '#local/dynalite.ts';
import { openIterators, tableDefinitionReads } from '../../local/dynalite-server.mjs';
import { storedDecision } from '../support/decisions.ts';

const T = Date.parse('2024-07-15T00:00:00Z');
const Q = 15 * 60_000;

describe.each([
  ['in memory', false],
  ['persisted under a folder', true],
])('the embedded store %s', (_name, persisted) => {
  let db: EmbeddedDynamo;
  let folder: string | undefined;
  beforeAll(async () => {
    folder = persisted ? mkdtempSync(join(tmpdir(), 'switchyard-iterators-')) : undefined;
    db = await startDynalite({ inProcess: true, ...(folder ? { path: folder } : {}) });
  });
  afterAll(async () => {
    await db.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('closes the iterator of every query, whether it reaches the end of its range or stops at its limit', async () => {
    const client = dynamoClient(db.endpoint);
    try {
      await createTable(client, 'iterators');
      const repos = dynamoRepositories(client, 'iterators');
      for (let i = 0; i < 20; i++) await repos.decisions.record(storedDecision('it', i));
      const before = openIterators();
      for (let round = 0; round < 50; round++) {
        // A new revision, so that the site's pages are read from the table again, not from memory.
        await repos.decisions.record(storedDecision('it', round % 20, 2 + round));
        // A range read to its end, one stopped by its page limit, an index read and a newest-first read with a limit.
        await repos.decisions.bySite('it', T, T + 20 * Q);
        await repos.decisions.bySite('it', T, T + 20 * Q, { limit: 3 });
        await repos.decisions.byDay('2024-07-15', { limit: 5 });
        await repos.decisions.unpublished(2);
      }
      // Reads are done: at most a stray iterator still closing, not one per query (200 of them).
      await new Promise((r) => setTimeout(r, 50));
      expect(openIterators() - before).toBeLessThanOrEqual(2);
    } finally {
      client.destroy();
    }
  });

  it('reads a table definition from LevelDB once, and again only after the table changed', async () => {
    const client = dynamoClient(db.endpoint);
    const key = { pk: { S: 'k' }, sk: { S: 'k' } };
    try {
      await client.send(
        new CreateTableCommand({
          TableName: 'definitions',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { TableName: 'definitions' });
      await client.send(new PutItemCommand({ TableName: 'definitions', Item: { ...key, v: { N: '1' } } }));
      const before = tableDefinitionReads();
      for (let i = 0; i < 50; i++) await client.send(new GetItemCommand({ TableName: 'definitions', Key: key }));
      expect(tableDefinitionReads() - before).toBeLessThanOrEqual(1);
      // A change of the definition is seen at once.
      await client.send(
        new UpdateTableCommand({
          TableName: 'definitions',
          BillingMode: 'PROVISIONED',
          ProvisionedThroughput: { ReadCapacityUnits: 7, WriteCapacityUnits: 3 },
        }),
      );
      await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { TableName: 'definitions' });
      const described = await client.send(new DescribeTableCommand({ TableName: 'definitions' }));
      expect(described.Table?.ProvisionedThroughput?.ReadCapacityUnits).toBe(7);
      expect((await client.send(new GetItemCommand({ TableName: 'definitions', Key: key }))).Item?.v).toEqual({ N: '1' });
      // And so is its deletion.
      await client.send(new DeleteTableCommand({ TableName: 'definitions' }));
      await waitUntilTableNotExists({ client, maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { TableName: 'definitions' });
      await expect(client.send(new GetItemCommand({ TableName: 'definitions', Key: key }))).rejects.toThrow(ResourceNotFoundException);
    } finally {
      client.destroy();
    }
  });
});
