/**
 * Ingest markers in DynamoDB: one item per ingested file or feed window (`INGEST#<kind>:<source>:<name>` / `MARKER`),
 * replaced by the next ingest of the same target. While an ingest is open its marker is on GSI1 under `INGESTOPEN`
 * (sparse: completion removes the keys), so /health reads the open ones without a scan. Progress and completion are
 * conditional on the ingest's start time: an old ingest that wakes up cannot close a newer one's marker. Feed-window
 * markers carry a `ttl` (a new window every hour); a file's marker stays.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { IngestMarker, IngestMarkerRepository, PriceChangeCounts } from '#ports/ingest-markers.ts';
import { type Item, queryPage } from './io.ts';
import { documentClient, GSI1 } from './table.ts';

const OPEN_PK = 'INGESTOPEN';
const itemKey = (key: string) => ({ pk: `INGEST#${key}`, sk: 'MARKER' });
const openSortKey = (m: Pick<IngestMarker, 'startedAtMs' | 'key'>) => `${new Date(m.startedAtMs).toISOString()}#${m.key}`;
/** How long DynamoDB keeps a feed window's marker (where TTL runs). */
const FEED_TTL_SECONDS = 30 * 24 * 3600;

function toMarker(item: Item): IngestMarker {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, entity: _e, ttl: _ttl, ...m } = item;
  return m as unknown as IngestMarker;
}

export class DynamoIngestMarkerRepository implements IngestMarkerRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async start(marker: IngestMarker): Promise<IngestMarker | null> {
    const res = await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...itemKey(marker.key),
          entity: 'IngestMarker',
          gsi1pk: OPEN_PK,
          gsi1sk: openSortKey(marker),
          ...(marker.kind === 'feed' ? { ttl: Math.floor(marker.startedAtMs / 1000) + FEED_TTL_SECONDS } : {}),
          ...marker,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    return res.Attributes ? toMarker(res.Attributes) : null;
  }

  async progress(key: string, startedAtMs: number, written: number, nowMs: number): Promise<void> {
    await this.ifStillTheirs(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey(key),
          UpdateExpression: 'SET written = :w, updatedAtMs = :now',
          ConditionExpression: 'startedAtMs = :s',
          ExpressionAttributeValues: { ':w': written, ':now': nowMs, ':s': startedAtMs },
        }),
      ),
    );
  }

  async complete(key: string, startedAtMs: number, result: { written: number; nowMs: number; prices?: PriceChangeCounts }): Promise<void> {
    await this.ifStillTheirs(() =>
      this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: itemKey(key),
          UpdateExpression: `SET written = :w, updatedAtMs = :now, completedAtMs = :now${result.prices ? ', prices = :p' : ''} REMOVE gsi1pk, gsi1sk`,
          ConditionExpression: 'startedAtMs = :s',
          ExpressionAttributeValues: {
            ':w': result.written,
            ':now': result.nowMs,
            ':s': startedAtMs,
            ...(result.prices ? { ':p': result.prices } : {}),
          },
        }),
      ),
    );
  }

  async get(key: string): Promise<IngestMarker | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: itemKey(key), ConsistentRead: true }));
    return res.Item ? toMarker(res.Item) : null;
  }

  async open(limit = 20): Promise<IngestMarker[]> {
    const res = await queryPage(
      this.doc,
      { TableName: this.table, IndexName: GSI1, KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': OPEN_PK } },
      limit,
      undefined,
    );
    return res.items.map(toMarker);
  }

  /** A newer ingest of the same target owns the marker now: this one's progress is not recorded over it. */
  private async ifStillTheirs(write: () => Promise<unknown>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
