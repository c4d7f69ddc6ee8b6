/** Day-ahead bids in DynamoDB: one item per site and local operating day, replaced when prepared again. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { SiteBids } from '#domain/bids.ts';
import type { BidRepository } from '#ports/bids.ts';
import { documentClient } from './table.ts';

const key = (siteId: string, day: string) => ({ pk: `BIDS#${siteId}`, sk: day });

export class DynamoBidRepository implements BidRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async put(bids: SiteBids): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...key(bids.siteId, bids.operatingDay), entity: 'Bids', ...bids } }),
    );
  }

  async get(siteId: string, operatingDay: string): Promise<SiteBids | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: key(siteId, operatingDay) }));
    if (!res.Item) return null;
    const { pk: _pk, sk: _sk, entity: _e, ...bids } = res.Item;
    return bids as SiteBids;
  }
}
