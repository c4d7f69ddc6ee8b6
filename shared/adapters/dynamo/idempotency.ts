/**
 * Idempotency keys in DynamoDB: one item per (scope, key), claimed with a single conditional put.
 * Items carry a `ttl` (epoch seconds) for DynamoDB TTL where it runs; where it does not (dynalite),
 * the claim condition treats an expired item as absent.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyRecord, IdempotencyStore } from '#ports/idempotency.ts';
import { documentClient } from './table.ts';

const key = (scope: string, k: string) => ({ pk: `IDEM#${scope}#${k}`, sk: 'IDEM' });

/** How long DynamoDB keeps a key (where TTL runs); the idempotency wrapper decides when a key expires. */
const TTL_SECONDS = 2 * 24 * 3600;

export class DynamoIdempotencyStore implements IdempotencyStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async get(scope: string, k: string): Promise<IdempotencyRecord | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: key(scope, k), ConsistentRead: true }));
    if (!res.Item) return null;
    const { pk: _pk, sk: _sk, entity: _e, ttl: _ttl, ...rec } = res.Item;
    return rec as IdempotencyRecord;
  }

  async claim(record: IdempotencyRecord, expiredBeforeMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...key(record.scope, record.key),
            entity: 'IdempotencyKey',
            ttl: Math.floor(record.claimedAtMs / 1000) + TTL_SECONDS,
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR claimedAtMs < :expired',
          ExpressionAttributeValues: { ':expired': expiredBeforeMs },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async takeOver(scope: string, k: string, previousClaimedAtMs: number, nowMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(scope, k),
          UpdateExpression: 'SET claimedAtMs = :now',
          ConditionExpression: 'claimedAtMs = :prev AND #status = :pending',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':now': nowMs, ':prev': previousClaimedAtMs, ':pending': 'PENDING' },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  async complete(scope: string, k: string, result: Record<string, unknown>): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: key(scope, k),
        UpdateExpression: 'SET #status = :complete, #result = :result',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status', '#result': 'result' },
        ExpressionAttributeValues: { ':complete': 'COMPLETE', ':result': result },
      }),
    );
  }
}
