/**
 * Capability tests in the one table: `CAPTEST#<id>` / `CAPTEST`, and per site on GSI1 by start
 * (`SITECAPTEST#<site>` / `<start>#<id>`). The result is written once with a condition, so a test judged
 * twice (two readers at once) keeps the first measurement.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConflictError, NotFoundError } from '#domain/errors.ts';
import { iso } from '#domain/time.ts';
import type { CapabilityTestRepository, StoredCapabilityTest } from '#ports/capability-tests.ts';
import { type Item, queryAll } from './io.ts';
import { documentClient, GSI1 } from './table.ts';

const key = (id: string) => ({ pk: `CAPTEST#${id}`, sk: 'CAPTEST' });
const sitePk = (siteId: string) => `SITECAPTEST#${siteId}`;

function toTest(it: Item): StoredCapabilityTest {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, entity: _e, ...t } = it;
  return t as unknown as StoredCapabilityTest;
}

export class DynamoCapabilityTestRepository implements CapabilityTestRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async create(t: StoredCapabilityTest): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key(t.id), entity: 'CapabilityTest', gsi1pk: sitePk(t.siteId), gsi1sk: `${iso(t.startMs)}#${t.id}`, ...t },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) throw new ConflictError(`capability test ${t.id} already exists`);
      throw err;
    }
  }

  async get(id: string): Promise<StoredCapabilityTest | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: key(id), ConsistentRead: true }));
    return res.Item ? toTest(res.Item) : null;
  }

  async list(siteId: string, fromMs: number, toMs: number): Promise<StoredCapabilityTest[]> {
    // Sort keys are `<start>#<id>`: every key of a start in [from, to) lies between iso(from) and iso(to).
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': sitePk(siteId), ':from': iso(fromMs), ':to': iso(toMs) },
    });
    return items.map(toTest).filter((t) => t.startMs >= fromMs && t.startMs < toMs);
  }

  async recordResult(id: string, result: NonNullable<StoredCapabilityTest['result']>): Promise<StoredCapabilityTest> {
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(id),
          UpdateExpression: 'SET #result = :result',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#result)',
          ExpressionAttributeNames: { '#result': 'result' },
          ExpressionAttributeValues: { ':result': result },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toTest(res.Attributes!);
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const current = await this.get(id);
      if (!current) throw new NotFoundError(`capability test ${id} not found`);
      return current;
    }
  }
}
