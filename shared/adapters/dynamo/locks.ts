/**
 * Leases in DynamoDB: one item per name, taken with a single conditional put (free, expired, or
 * already ours) and given back by its holder with a conditional update that expires it (the
 * functions' roles have no DeleteItem). dynalite has no transactions or TTL expiry, so a holder that
 * stops is outlived by the expiry instant it wrote: the next taker's condition treats an expired
 * lease as free.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from './table.ts';

const key = (name: string) => ({ pk: `LEASE#${name}`, sk: 'LEASE' });

export class DynamoLeases {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  /** Takes the lease for `holder` until `untilMs` if it is free, expired at `nowMs`, or held by `holder`. */
  async acquire(name: string, holder: string, nowMs: number, untilMs: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key(name), entity: 'Lease', holder, takenAtMs: nowMs, expiresAtMs: untilMs },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAtMs <= :now OR holder = :holder',
          ExpressionAttributeValues: { ':now': nowMs, ':holder': holder },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  }

  /** Gives the lease back (expires it now); a lease another holder has taken over since is left alone. */
  async release(name: string, holder: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(name),
          UpdateExpression: 'SET expiresAtMs = :zero',
          ConditionExpression: 'holder = :holder',
          ExpressionAttributeValues: { ':holder': holder, ':zero': 0 },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
