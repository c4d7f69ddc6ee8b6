/** Decisions in DynamoDB: append-only revisions plus a readable current revision per interval. */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Decision } from '#domain/decision.ts';
import { iso } from '#domain/time.ts';
import type { DecisionRepository, Page, PageRequest, RecordOutcome } from '#ports/decisions.ts';
import { batchPut, CoalescedReads, type Item, queryAll, queryPage } from './io.ts';
import { DynamoLeases } from './locks.ts';
import { documentClient, GSI1, GSI2 } from './table.ts';

const revKey = (rev: number) => `REV#${String(rev).padStart(6, '0')}`;
const revPk = (siteId: string, intervalStart: string) => `DEC#${siteId}#${intervalStart}`;
const sitePk = (siteId: string) => `SITE#${siteId}`;
const curSk = (intervalStart: string) => `DEC#${intervalStart}`;

/**
 * A decision is stored as one JSON attribute (`body`) next to the few attributes that conditions
 * and filters need (revision, published, source, reasons): one string to (un)marshal instead of a
 * hundred nested attributes keeps reads of a site-day cheap.
 */
function decisionAttributes(decision: Decision): Item {
  const { siteId, intervalStart, revision, published, source, reasons } = decision;
  return { siteId, intervalStart, revision, published, source, reasons, body: JSON.stringify(decision) };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function toDecision(item: Item): Decision {
  return { ...(JSON.parse(item.body as string) as Decision), published: item.published as boolean };
}

export interface DecisionFilter {
  source?: 'AUTO' | 'OVERRIDE';
  reason?: string;
}

export class DynamoDecisionRepository implements DecisionRepository {
  private readonly doc: DynamoDBDocumentClient;
  private readonly leases: DynamoLeases;
  /** A desk reading one site-day many times a second asks the store, and parses its answer, once per round trip. */
  private readonly pages = new CoalescedReads<Page<Decision>>();

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
  ) {
    this.doc = documentClient(client);
    this.leases = new DynamoLeases(client, table);
  }

  async record(decision: Decision): Promise<RecordOutcome> {
    const outcome = await this.putRevision(decision);
    // The revision is recorded (now or before); make sure the current pointer has caught up.
    // This converges even if an earlier writer stopped between the two writes.
    const stored = outcome === 'written' ? decision : await this.revision(decision.siteId, decision.intervalStart, decision.revision);
    if (stored) await this.putCurrent(stored);
    return outcome;
  }

  async putRevision(decision: Decision): Promise<RecordOutcome> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.table, Item: revisionItem(decision), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return 'written';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async putCurrent(decision: Decision): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: sitePk(decision.siteId),
            sk: curSk(decision.intervalStart),
            entity: 'Decision',
            gsi1pk: `DAY#${decision.intervalStart.slice(0, 10)}`,
            gsi1sk: `${decision.intervalStart}#${decision.siteId}`,
            ...decisionAttributes(decision),
          },
          // A newer revision wins; the same revision may only move from unsent to sent.
          ConditionExpression: 'attribute_not_exists(pk) OR revision < :r OR (revision = :r AND published = :f)',
          ExpressionAttributeValues: { ':r': decision.revision, ':f': false },
        }),
      );
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
  }

  async revision(siteId: string, intervalStart: string, revision: number): Promise<Decision | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: revPk(siteId, intervalStart), sk: revKey(revision) }, ConsistentRead: true }),
    );
    return res.Item ? toDecision(res.Item) : null;
  }

  async current(siteId: string, intervalStart: string): Promise<Decision | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: sitePk(siteId), sk: curSk(intervalStart) }, ConsistentRead: true }),
    );
    return res.Item ? toDecision(res.Item) : null;
  }

  async revisions(siteId: string, intervalStart: string): Promise<Decision[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': revPk(siteId, intervalStart) },
      ConsistentRead: true,
    });
    return items.map(toDecision);
  }

  async bySite(siteId: string, fromMs: number, toMs: number, page: PageRequest & DecisionFilter = {}): Promise<Page<Decision>> {
    const filter = filterExpression(page);
    const input = {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': sitePk(siteId), ':from': curSk(iso(fromMs)), ':to': curSk(iso(toMs - 1)), ...filter.values },
      ...readOnly(filter),
    };
    return this.page(input, page);
  }

  async byDay(day: string, page: PageRequest & DecisionFilter = {}): Promise<Page<Decision>> {
    const filter = filterExpression(page);
    const input = {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': `DAY#${day}`, ...filter.values },
      ...readOnly(filter),
    };
    return this.page(input, page);
  }

  /**
   * One page of current decisions, the query shared with identical reads in flight (`CoalescedReads`).
   * The decisions are shared too, so they are frozen: a caller that changed one would change another's.
   */
  private async page(input: QueryCommandInput, page: PageRequest): Promise<Page<Decision>> {
    const limit = page.limit ?? 500;
    const key = JSON.stringify([input, limit, page.nextToken ?? null]);
    const res = await this.pages.read(key, async () => {
      const { items, nextToken } = await queryPage(this.doc, input, limit, page.nextToken);
      return { items: items.map((it) => deepFreeze(toDecision(it))), ...(nextToken ? { nextToken } : {}) };
    });
    return { ...res, items: [...res.items] };
  }

  async markRevisionsPublished(decisions: readonly Decision[]): Promise<void> {
    // Revisions are immutable but for this flag: re-putting the same content, sent and out of the
    // unsent index, is safe without a condition, and batches of 25 keep a run's writes few.
    await batchPut(
      this.doc,
      this.table,
      decisions.map((d) => revisionItem({ ...d, published: true })),
    );
  }

  async unpublished(limit: number): Promise<Decision[]> {
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: GSI2,
        KeyConditionExpression: 'gsi2pk = :u',
        ExpressionAttributeValues: { ':u': 'UNPUBLISHED' },
        Limit: limit,
      }),
    );
    return (res.Items ?? []).map(toDecision);
  }

  acquireRedecideLease(siteId: string, holder: string, nowMs: number, untilMs: number): Promise<boolean> {
    return this.leases.acquire(`redecide#${siteId}`, holder, nowMs, untilMs);
  }

  releaseRedecideLease(siteId: string, holder: string): Promise<void> {
    return this.leases.release(`redecide#${siteId}`, holder);
  }
}

function revisionItem(decision: Decision): Item {
  const { siteId, intervalStart, revision } = decision;
  return {
    pk: revPk(siteId, intervalStart),
    sk: revKey(revision),
    entity: 'DecisionRevision',
    ...(decision.published
      ? {}
      : { gsi2pk: 'UNPUBLISHED', gsi2sk: `${decision.decidedAt}#${siteId}#${intervalStart}#${revKey(revision)}` }),
    ...decisionAttributes(decision),
  };
}

/** The filter, and a projection of what `toDecision` reads: less to send, sign and parse per item. */
function readOnly(filter: ReturnType<typeof filterExpression>) {
  return {
    ProjectionExpression: '#body, #published',
    ExpressionAttributeNames: { ...filter.names, '#body': 'body', '#published': 'published' },
    ...(filter.expression ? { FilterExpression: filter.expression } : {}),
  };
}

function filterExpression(f: DecisionFilter): { expression?: string; names?: Record<string, string>; values: Record<string, unknown> } {
  const parts: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (f.source) {
    parts.push('#source = :source');
    names['#source'] = 'source';
    values[':source'] = f.source;
  }
  if (f.reason) {
    parts.push('contains(#reasons, :reason)');
    names['#reasons'] = 'reasons';
    values[':reason'] = f.reason;
  }
  return parts.length ? { expression: parts.join(' AND '), names, values } : { values };
}
