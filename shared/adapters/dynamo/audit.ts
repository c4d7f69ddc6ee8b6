/**
 * The audit trail in DynamoDB: one partition ordered by time (audit writes are human-paced), and a
 * per-site view on GSI1. Records are written once with `attribute_not_exists`; this adapter has no
 * update or delete.
 */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { iso } from '#domain/time.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { Page, PageRequest } from '#ports/decisions.ts';
import { type Item, queryPage } from './io.ts';
import { documentClient, GSI1 } from './table.ts';

const AUDIT_PK = 'AUDIT';
const siteAuditPk = (siteId: string) => `AUDITSITE#${siteId}`;
const sortKey = (r: AuditRecord) => `${r.at}#${r.id}`;

function toRecord(item: Item): AuditRecord {
  // Audit items carry the record's own `entity` (what changed) instead of an item-type label.
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...r } = item;
  return r as unknown as AuditRecord;
}

export class DynamoAuditRepository implements AuditRepository {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
  }

  async append(record: AuditRecord): Promise<'written' | 'exists'> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: AUDIT_PK,
            sk: sortKey(record),
            ...(record.siteId ? { gsi1pk: siteAuditPk(record.siteId), gsi1sk: sortKey(record) } : {}),
            ...record,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return 'written';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async list(fromMs: number, toMs: number, page: PageRequest & { siteId?: string } = {}): Promise<Page<AuditRecord>> {
    // Sort keys are `<at>#<id>`: every key of an instant in [from, to) lies between iso(from) and iso(to).
    const range = { ':from': iso(fromMs), ':to': iso(toMs) };
    const input = page.siteId
      ? {
          TableName: this.table,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': siteAuditPk(page.siteId), ...range },
        }
      : {
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': AUDIT_PK, ...range },
          ConsistentRead: true,
        };
    const res = await queryPage(this.doc, input, page.limit ?? 500, page.nextToken);
    return { items: res.items.map(toRecord), ...(res.nextToken ? { nextToken: res.nextToken } : {}) };
  }
}
