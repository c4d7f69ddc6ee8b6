/** The recorded sites configuration: one item, replaced under a version condition. */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ConfigStore, RecordedConfig } from '#ports/config.ts';
import { documentClient } from './table.ts';

const KEY = { pk: 'CONFIG', sk: 'SITES' };

export class DynamoConfigStore implements ConfigStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async current(): Promise<RecordedConfig | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: KEY, ConsistentRead: true }));
    if (!res.Item) return null;
    return {
      version: res.Item.version as number,
      hash: res.Item.hash as string,
      sites: JSON.parse(res.Item.sites as string),
      recordedAt: res.Item.recordedAt as string,
    };
  }

  async replace(next: RecordedConfig, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...KEY,
            entity: 'SitesConfig',
            version: next.version,
            hash: next.hash,
            sites: JSON.stringify(next.sites),
            recordedAt: next.recordedAt,
          },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion === 0 ? {} : { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }
}
