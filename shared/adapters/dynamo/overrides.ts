/** Trader overrides with a version for optimistic concurrency. */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { iso } from '#domain/time.ts';
import type { OverrideRepository, StoredOverride } from '#ports/decisions.ts';
import { after, type Item, queryAll } from './io.ts';
import { documentClient, GSI1 } from './table.ts';

const key = (id: string) => ({ pk: `OVR#${id}`, sk: 'OVR' });

/**
 * A site's overrides are indexed by the end of their window (`<to>#<id>`), so that those in force
 * from an instant on are one range. A cancelled override moves below every instant (`!<id>`, before
 * any digit): the range of those in force never reads it again, so re-deciding costs the same
 * however many changes a desk has made and withdrawn. The site's whole list still holds it.
 */
const cancelledSk = (id: string) => `!${id}`;

function toOverride(it: Item): StoredOverride {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, entity: _e, ...o } = it;
  return o as unknown as StoredOverride;
}

export class DynamoOverrideRepository implements OverrideRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async create(o: StoredOverride): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key(o.id), entity: 'Override', gsi1pk: `SITEOVR#${o.siteId}`, gsi1sk: `${iso(o.toMs)}#${o.id}`, ...o },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`override ${o.id} already exists`);
      throw err;
    }
  }

  async get(id: string): Promise<StoredOverride | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: key(id), ConsistentRead: true }));
    return res.Item ? toOverride(res.Item) : null;
  }

  async activeFor(siteId: string, fromMs: number, toMs: number): Promise<StoredOverride[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk > :from',
      FilterExpression: '#status = :active AND fromMs < :to',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': `SITEOVR#${siteId}`, ':from': after(fromMs), ':to': toMs, ':active': 'ACTIVE' },
    });
    return items.map(toOverride);
  }

  async list(filter: { siteId?: string; active?: boolean; nowMs: number }): Promise<StoredOverride[]> {
    if (!filter.siteId) {
      throw new Error('listing overrides needs a siteId; the use case lists every configured site');
    }
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: filter.active ? 'gsi1pk = :pk AND gsi1sk > :now' : 'gsi1pk = :pk',
      ...(filter.active
        ? {
            FilterExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':pk': `SITEOVR#${filter.siteId}`, ':now': after(filter.nowMs), ':active': 'ACTIVE' },
          }
        : { ExpressionAttributeValues: { ':pk': `SITEOVR#${filter.siteId}` } }),
    });
    return items.map(toOverride);
  }

  async cancel(id: string, expectedVersion: number, by: string, reason: string, atMs: number): Promise<StoredOverride> {
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(id),
          UpdateExpression:
            'SET #status = :cancelled, version = version + :one, cancelledAtMs = :at, cancelledBy = :by, cancelReason = :reason, gsi1sk = :gone',
          ConditionExpression: 'attribute_exists(pk) AND version = :v AND #status = :active',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':cancelled': 'CANCELLED',
            ':active': 'ACTIVE',
            ':one': 1,
            ':at': atMs,
            ':by': by,
            ':reason': reason,
            ':v': expectedVersion,
            ':gone': cancelledSk(id),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toOverride(res.Attributes!);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`override ${id} not found`);
      if (current.status === 'CANCELLED') throw new ConflictError(`override ${id} is already cancelled (version ${current.version})`);
      throw new ConflictError(`override ${id} is at version ${current.version}, not ${expectedVersion}`);
    }
  }
}
