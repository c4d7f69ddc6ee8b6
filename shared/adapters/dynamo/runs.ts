/** Run records and the last successful hour (a single item moved forward with a condition). */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RunRecord, RunRepository } from '#ports/decisions.ts';
import { documentClient } from './table.ts';

export class DynamoRunRepository implements RunRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async put(run: RunRecord): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { pk: 'RUN', sk: `${run.startedAt}#${run.runId}`, entity: 'Run', ...run } }),
    );
  }

  async recent(limit: number): Promise<RunRecord[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'RUN' },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map(({ pk: _pk, sk: _sk, entity: _e, ...run }) => run as unknown as RunRecord);
  }

  async lastSuccessfulHour(): Promise<number | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: 'RUNSTATE', sk: 'LAST_SUCCESS' }, ConsistentRead: true }),
    );
    return typeof res.Item?.hourStartMs === 'number' ? res.Item.hourStartMs : null;
  }

  async markHourSucceeded(hourStartMs: number): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: 'RUNSTATE', sk: 'LAST_SUCCESS' },
          UpdateExpression: 'SET hourStartMs = :h',
          ConditionExpression: 'attribute_not_exists(hourStartMs) OR hourStartMs < :h',
          ExpressionAttributeValues: { ':h': hourStartMs },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }
}
