/** Decisions in DynamoDB: append-only revisions plus a readable current revision per interval. */

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { forEachLimit } from '#domain/concurrency.ts';
import type { Decision } from '#domain/decision.ts';
import { iso } from '#domain/time.ts';
import type { DecisionRepository, Page, PageRequest, RecordOutcome } from '#ports/decisions.ts';
import {
  batchGet,
  batchPut,
  bumpVersion,
  CoalescedReads,
  deepFreeze,
  type Item,
  queryAll,
  queryPage,
  readVersion,
  VersionedReads,
} from './io.ts';
import { DynamoLeases } from './locks.ts';
import { documentClient, GSI1, GSI2 } from './table.ts';

const revKey = (rev: number) => `REV#${String(rev).padStart(6, '0')}`;
const revPk = (siteId: string, intervalStart: string) => `DEC#${siteId}#${intervalStart}`;
const sitePk = (siteId: string) => `SITE#${siteId}`;
const curSk = (intervalStart: string) => `DEC#${intervalStart}`;
/** The site's pointer version: a counter every change of the site's current pointers adds to once they are written. */
const versionKey = (siteId: string) => ({ pk: sitePk(siteId), sk: 'VERSION' });
/** Site pages kept per repository, and how long one is answered from memory at most (`VersionedReads`). */
const SITE_PAGES_CACHED = 256;
const SITE_PAGE_MAX_AGE_MS = 5_000;

/**
 * A decision is stored as one JSON attribute (`body`) next to the few attributes that conditions
 * and filters need (revision, published, source, reasons): one string to (un)marshal instead of a
 * hundred nested attributes keeps reads of a site-day cheap.
 */
function decisionAttributes(decision: Decision): Item {
  return { ...pointerAttributes(decision), published: decision.published, body: JSON.stringify(decision) };
}

/**
 * A current pointer names its revision and carries what filters read (source, reasons), not the
 * decision: the revision item holds it. Range reads of pointers then move a few hundred bytes an
 * interval, and the decisions come from the revisions already known (`decisionsOf`).
 */
function pointerAttributes(decision: Decision): Item {
  const { siteId, intervalStart, revision, source, reasons } = decision;
  return { siteId, intervalStart, revision, source, reasons };
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
  private readonly pages = new CoalescedReads<PointerPage>();
  /**
   * A site's pages of pointers as of its pointer version: a desk re-reading a site-day while nothing
   * of the site changed costs the store one read of the version item, not a range read of the day's pointers.
   */
  private readonly sitePages = new VersionedReads<PointerPage>(SITE_PAGES_CACHED, SITE_PAGE_MAX_AGE_MS);
  private readonly versions = new CoalescedReads<number>();
  /**
   * Revisions already read or written, parsed and frozen. A revision never changes but for its
   * published flag, which moves once, from unsent to sent: a sent one is known for good, an unsent
   * one is read again (another process may have sent it since).
   */
  private readonly known: RevisionCache;

  constructor(
    client: DynamoDBClient,
    private readonly table: string,
    options: { revisionsCached?: number } = {},
  ) {
    this.known = new RevisionCache(options.revisionsCached ?? REVISIONS_CACHED);
    this.doc = documentClient(client);
    this.leases = new DynamoLeases(client, table);
  }

  async record(decision: Decision): Promise<RecordOutcome> {
    const outcome = await this.putRevision(decision);
    // The revision is recorded (now or before); make sure the current pointer has caught up.
    // This converges even if an earlier writer stopped between the two writes.
    const stored = outcome === 'written' ? decision : await this.revision(decision.siteId, decision.intervalStart, decision.revision);
    if (stored) await this.makeCurrent([stored]);
    return outcome;
  }

  async putRevision(decision: Decision): Promise<RecordOutcome> {
    try {
      await this.doc.send(
        new PutCommand({ TableName: this.table, Item: revisionItem(decision), ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      this.remember(decision);
      return 'written';
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return 'exists';
      throw err;
    }
  }

  async makeCurrent(decisions: readonly Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    await forEachLimit(decisions, POINTER_WRITES_AT_ONCE, (d) => this.putPointer(d));
    // After the pointers, so that a reader that finds the new version finds them too.
    const sites = new Set(decisions.map((d) => d.siteId));
    await Promise.all([...sites].map((siteId) => this.changed(siteId)));
  }

  private changed(siteId: string): Promise<void> {
    return bumpVersion(this.doc, this.table, versionKey(siteId));
  }

  private version(siteId: string): Promise<number> {
    return readVersion(this.doc, this.table, versionKey(siteId));
  }

  private async putPointer(decision: Decision): Promise<void> {
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
            ...pointerAttributes(decision),
          },
          // A newer revision wins; the same one again changes nothing.
          ConditionExpression: 'attribute_not_exists(pk) OR revision < :r',
          ExpressionAttributeValues: { ':r': decision.revision },
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
    if (!res.Item) return null;
    // A pointer written before pointers stopped carrying the decision still holds it.
    if (typeof res.Item.body === 'string') return toDecision(res.Item);
    const [d] = await this.decisionsOf([res.Item as unknown as Pointer]);
    return structuredClone(d!);
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
      // Strong, as the version read before it: a page kept under a version holds every pointer written before it.
      ConsistentRead: true,
      ...readOnly(filter),
    };
    const version = await this.versions.read(siteId, () => this.version(siteId));
    return this.page(input, page, version);
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
   * One page of current decisions. The query reads only which revision is current per interval, and
   * is shared with identical reads in flight (`CoalescedReads`); with the site's pointer `version`
   * (read just before) a page read at that version is answered from memory. The decisions
   * themselves come from the revisions already known, and those not known yet (or not known as sent)
   * from one batch read of their revision items. A desk re-reading a site-day whose decisions barely
   * change so costs the store one item read, and moves and parses a few decisions, per read.
   * The decisions are shared, so they are frozen: a caller that changed one would change another's.
   */
  private async page(input: QueryCommandInput, page: PageRequest, version?: number): Promise<Page<Decision>> {
    const limit = page.limit ?? 500;
    const key = JSON.stringify([input, limit, page.nextToken ?? null]);
    const read = () =>
      this.pages.read(key, async () => deepFreeze((await queryPage(this.doc, input, limit, page.nextToken)) as unknown as PointerPage));
    const { items, nextToken } = await (version === undefined ? read() : this.sitePages.read(key, version, read));
    return { items: await this.decisionsOf(items), ...(nextToken ? { nextToken } : {}) };
  }

  /** The decisions the current pointers name, in their order: known ones from the cache, the rest read by key. */
  private async decisionsOf(pointers: readonly Pointer[]): Promise<Decision[]> {
    const keyOf = (p: Pointer) => revisionKey(p.siteId, p.intervalStart, p.revision);
    // Taken from the cache now, before the read below: while it is awaited, other requests' revisions may push
    // these out of the (bounded) cache.
    const found = new Map<string, Decision>();
    const missing: Pointer[] = [];
    for (const p of pointers) {
      const key = keyOf(p);
      const d = this.known.get(key);
      if (d?.published === true) found.set(key, d);
      else missing.push(p);
    }
    if (missing.length > 0) {
      for (const d of await this.readRevisions(missing)) {
        const key = keyOf(d);
        this.known.set(key, d);
        found.set(key, d);
      }
    }
    return pointers.map((p) => {
      const d = found.get(keyOf(p));
      if (!d) throw new Error(`decision ${p.siteId} ${p.intervalStart} revision ${p.revision} could not be read`);
      return d;
    });
  }

  /**
   * The named revisions, frozen. Revision items are written before any pointer names them, so a
   * strongly consistent read by key finds each one, with its published flag as it is now.
   */
  private async readRevisions(pointers: readonly Pointer[]): Promise<Decision[]> {
    const keys = pointers.map((p) => ({ pk: revPk(p.siteId, p.intervalStart), sk: revKey(p.revision) }));
    const items = await batchGet(this.doc, this.table, keys, {
      expression: '#body, #published',
      names: { '#body': 'body', '#published': 'published' },
    });
    return items.map((it) => deepFreeze(toDecision(it)));
  }

  async markRevisionsPublished(decisions: readonly Decision[]): Promise<void> {
    // Revisions are immutable but for this flag: re-putting the same content, sent and out of the
    // unsent index, is safe without a condition, and batches of 25 keep a run's writes few.
    const sent = decisions.map((d) => ({ ...d, published: true }));
    await batchPut(this.doc, this.table, sent.map(revisionItem));
    for (const d of sent) this.remember(d);
  }

  /** A revision this repository wrote is known as written: the reads that follow need not fetch it. A copy, frozen: the caller's object stays its own. */
  private remember(d: Decision): void {
    const key = revisionKey(d.siteId, d.intervalStart, d.revision);
    // A sent flag is never undone by a later read of what was written before it.
    if (this.known.get(key)?.published && !d.published) return;
    this.known.set(key, deepFreeze(structuredClone(d)));
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

/** What a current pointer says, read without its decision. */
interface Pointer {
  siteId: string;
  intervalStart: string;
  revision: number;
}

interface PointerPage {
  readonly items: readonly Pointer[];
  readonly nextToken?: string;
}

/** Pointer writes in flight at once for one change. */
const POINTER_WRITES_AT_ONCE = 16;

const revisionKey = (siteId: string, intervalStart: string, revision: number) => `${siteId}|${intervalStart}|${revision}`;

/** How many parsed revisions a repository keeps: a desk's few site-days many times over. */
const REVISIONS_CACHED = 4_096;

/**
 * The revisions last read or written, at most `size` of them, the oldest put first out (a Map keeps
 * insertion order). A read does not reorder: a site-day's reads look up every interval each time,
 * and one that was put out is simply read again once.
 */
class RevisionCache {
  private readonly entries = new Map<string, Decision>();
  constructor(private readonly size: number) {}

  get(key: string): Decision | undefined {
    return this.entries.get(key);
  }

  set(key: string, d: Decision): void {
    this.entries.delete(key);
    this.entries.set(key, d);
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
  }
}

/** The filter, and a projection of what a pointer says: the decision itself is read by `decisionsOf`. */
function readOnly(filter: ReturnType<typeof filterExpression>) {
  return {
    ProjectionExpression: '#siteId, #intervalStart, #revision',
    ExpressionAttributeNames: {
      ...filter.names,
      '#siteId': 'siteId',
      '#intervalStart': 'intervalStart',
      '#revision': 'revision',
    },
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
