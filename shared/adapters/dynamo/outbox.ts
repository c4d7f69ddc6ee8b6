/** Unsent events: pk OUTBOX, sk <time>#<event id>; re-adding an event overwrites it. */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { iso } from '#domain/time.ts';
import type { DomainEvent } from '#ports/events.ts';
import type { Outbox } from '#ports/outbox.ts';
import { batchDelete, batchPut } from './io.ts';
import { documentClient } from './table.ts';

const key = (e: DomainEvent) => ({ pk: 'OUTBOX', sk: `${iso(e.timeMs)}#${e.id}` });

export class DynamoOutbox implements Outbox {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async add(events: readonly DomainEvent[]): Promise<void> {
    await batchPut(
      this.doc,
      this.table,
      events.map((e) => ({ ...key(e), entity: 'OutboxEvent', event: JSON.stringify(e) })),
    );
  }

  async pending(limit: number): Promise<DomainEvent[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OUTBOX' },
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map((it) => JSON.parse(it.event as string) as DomainEvent);
  }

  async remove(events: readonly DomainEvent[]): Promise<void> {
    await batchDelete(this.doc, this.table, events.map(key));
  }
}
