/**
 * Site telemetry in DynamoDB: a partition of samples and one of state changes per site, sorted by
 * `<instant>#<load>` — the natural key, so that a replayed batch lands on the same items. Samples
 * go in batches (UnprocessedItems re-sent); a state change is one conditional put, so that the
 * first report of it is kept and its event is published once.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { LoadSample, StateChange } from '#domain/telemetry.ts';
import { iso } from '#domain/time.ts';
import type { Page, PageRequest } from '#ports/decisions.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { batchPut, type Item, queryAll, queryPage } from './io.ts';
import { documentClient } from './table.ts';

const samplesPk = (siteId: string) => `ACTUALS#${siteId}`;
const changesPk = (siteId: string) => `LOADCHANGES#${siteId}`;
const sortKey = (r: { atMs: number; loadId: string }) => `${iso(r.atMs)}#${r.loadId}`;

function strip<T>(item: Item): T {
  const { pk: _pk, sk: _sk, entity: _e, ...r } = item;
  return r as T;
}

export class DynamoTelemetryRepository implements TelemetryRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async putSamples(samples: readonly LoadSample[]): Promise<void> {
    // One item per key: a batch may not name the same key twice, and the last of a repeat is what the agent meant.
    const items = new Map<string, Item>();
    for (const s of samples)
      items.set(`${s.siteId}|${sortKey(s)}`, { pk: samplesPk(s.siteId), sk: sortKey(s), entity: 'LoadSample', ...s });
    await batchPut(this.doc, this.table, [...items.values()]);
  }

  async recordChange(change: StateChange): Promise<'written' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: changesPk(change.siteId), sk: sortKey(change), entity: 'StateChange', ...change },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'written';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async samples(siteId: string, fromMs: number, toMs: number, page: PageRequest = {}): Promise<Page<LoadSample>> {
    const r = await queryPage(this.doc, this.range(samplesPk(siteId), fromMs, toMs), page.limit ?? 1000, page.nextToken);
    return { items: r.items.map((i) => strip<LoadSample>(i)), ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
  }

  async allSamples(siteId: string, fromMs: number, toMs: number): Promise<LoadSample[]> {
    return (await queryAll(this.doc, this.range(samplesPk(siteId), fromMs, toMs))).map((i) => strip<LoadSample>(i));
  }

  async changes(siteId: string, fromMs: number, toMs: number): Promise<StateChange[]> {
    return (await queryAll(this.doc, this.range(changesPk(siteId), fromMs, toMs))).map((i) => strip<StateChange>(i));
  }

  /** Sort keys `<iso>#<load>` of instants in [from, to) lie between iso(from) and iso(to) (`iso(to)#…` sorts after iso(to)). */
  private range(pk: string, fromMs: number, toMs: number) {
    return {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': pk, ':from': iso(fromMs), ':to': iso(toMs) },
    };
  }
}
