/** Batch writes and reads that retry what was left unprocessed, paginated queries, and opaque page tokens. */
import type { DynamoDBDocumentClient, QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ValidationError } from '#domain/errors.ts';

export type Item = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface BatchOptions {
  /** Batches in flight at once. */
  concurrency?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
}

/**
 * Puts items in batches of 25, re-sending UnprocessedItems with exponential backoff and jitter.
 * Throws when items are still unprocessed after the last attempt (nothing is silently dropped).
 */
export async function batchPut(doc: DynamoDBDocumentClient, table: string, items: readonly Item[], opts: BatchOptions = {}): Promise<void> {
  await batchWrite(
    doc,
    table,
    items.map((Item) => ({ PutRequest: { Item } })),
    opts,
  );
}

/** Deletes by key in batches of 25, with the same retries as `batchPut`. */
export async function batchDelete(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Item[],
  opts: BatchOptions = {},
): Promise<void> {
  await batchWrite(
    doc,
    table,
    keys.map((Key) => ({ DeleteRequest: { Key } })),
    opts,
  );
}

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  opts: BatchOptions,
): Promise<void> {
  const { concurrency = 4, maxAttempts = 8, baseDelayMs = 25 } = opts;
  const batches: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      let pending = batches[next++]!;
      for (let attempt = 1; pending.length > 0; attempt++) {
        const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
        pending = (res.UnprocessedItems?.[table] ?? []) as WriteRequest[];
        if (pending.length === 0) break;
        if (attempt >= maxAttempts)
          throw new Error(`batch write to ${table}: ${pending.length} items still unprocessed after ${maxAttempts} attempts`);
        await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
}

/**
 * Reads items by key in batches of 100, strongly consistent, re-asking UnprocessedKeys with the
 * backoff of `batchPut`; throws when keys are still unprocessed after the last attempt. Items come
 * in no particular order; a key with no item is simply absent.
 */
export async function batchGet(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Item[],
  projection: { expression: string; names: Record<string, string> },
  opts: Omit<BatchOptions, 'concurrency'> = {},
): Promise<Item[]> {
  const { maxAttempts = 8, baseDelayMs = 25 } = opts;
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] = keys.slice(i, i + 100);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const res = await doc.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ConsistentRead: true,
              ProjectionExpression: projection.expression,
              ExpressionAttributeNames: projection.names,
            },
          },
        }),
      );
      for (const it of res.Responses?.[table] ?? []) out.push(it);
      pending = (res.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
      if (pending.length === 0) break;
      if (attempt >= maxAttempts)
        throw new Error(`batch read of ${table}: ${pending.length} keys still unprocessed after ${maxAttempts} attempts`);
      await sleep(baseDelayMs * 2 ** (attempt - 1) * (0.5 + Math.random()));
    }
  }
  return out;
}

/** Runs a query to the end, following LastEvaluatedKey. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const out: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    for (const it of res.Items ?? []) out.push(it);
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/**
 * One page of a query: keeps reading until `limit` items passed the filter or the query ends,
 * so that a filter never yields an empty page with a token.
 */
export async function queryPage(
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
  limit: number,
  nextToken: string | undefined,
): Promise<{ items: Item[]; nextToken?: string }> {
  const items: Item[] = [];
  let ExclusiveStartKey = nextToken === undefined ? undefined : decodeToken(nextToken);
  do {
    const res = await doc.send(new QueryCommand({ ...input, Limit: limit - items.length, ExclusiveStartKey })).catch((err: Error) => {
      if (nextToken !== undefined && err.name === 'ValidationException') throw invalidToken();
      throw err;
    });
    for (const it of res.Items ?? []) items.push(it);
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey && items.length < limit);
  return ExclusiveStartKey ? { items, nextToken: encodeToken(ExclusiveStartKey) } : { items };
}

export function encodeToken(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeToken(token: string): Record<string, unknown> {
  try {
    const key = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && Object.values(key).every((v) => typeof v === 'string')) {
      return key as Record<string, unknown>;
    }
  } catch {
    // fall through
  }
  throw invalidToken();
}

function invalidToken(): ValidationError {
  return new ValidationError('page token', [{ path: 'nextToken', message: 'is not a token issued for this query' }]);
}

/**
 * A sort-key bound just past every `<iso>#<id>` key of the instant `ms`: `sk > after(t)` keeps
 * the keys whose instant is later than t (windows ending at t are over by t).
 */
export function after(ms: number): string {
  return `${new Date(ms).toISOString()}#\uffff`;
}

/** Freezes a value shared by several readers, all the way down: a reader that changed it would change another's. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Identical reads that arrive together share one query, without ever answering with less than a
 * read started at its arrival would see: a read that arrives while one of its key is in flight
 * waits for the next one, which starts when that one settles and serves every read that arrived
 * meanwhile. So a range read by many callers at once costs the store at most two queries in flight,
 * and a caller still sees every write that completed before it asked. Results are shared: callers
 * must not mutate them (the repositories map them to fresh objects per caller).
 */
export class CoalescedReads<T> {
  private readonly slots = new Map<string, { running: Promise<T>; queued: Promise<T> | null }>();

  read(key: string, query: () => Promise<T>): Promise<T> {
    const slot = this.slots.get(key);
    if (!slot) return this.start(key, query);
    const settled = () => undefined;
    slot.queued ??= slot.running.then(settled, settled).then(() => this.start(key, query));
    return slot.queued;
  }

  private start(key: string, query: () => Promise<T>): Promise<T> {
    const running = query();
    const slot = { running, queued: null as Promise<T> | null };
    this.slots.set(key, slot);
    const done = () => {
      // A read queued behind this one replaces the slot when it starts; otherwise the key is free again.
      if (this.slots.get(key) === slot && slot.queued === null) this.slots.delete(key);
    };
    running.then(done, done);
    return running;
  }
}

/** A version counter's value (0 before its first write), read strongly: what `VersionedReads` keys its reads by. */
export async function readVersion(doc: DynamoDBDocumentClient, table: string, key: Item): Promise<number> {
  const res = await doc.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }));
  return (res.Item?.v as number | undefined) ?? 0;
}

/** Adds one to a version counter: reads kept under the value before are read again. */
export async function bumpVersion(doc: DynamoDBDocumentClient, table: string, key: Item): Promise<void> {
  await doc.send(
    new UpdateCommand({ TableName: table, Key: key, UpdateExpression: 'ADD v :one', ExpressionAttributeValues: { ':one': 1 } }),
  );
}

/**
 * Reads answered from memory while a version counter says nothing was written since: a read made
 * at version v (read strongly before it) is kept under v, and a later read of the same key that
 * finds v again is answered with it — for at most `maxAgeMs`, so that a writer that stopped
 * between its items and the counter is caught up within that. The `size` most recently used are
 * kept; a read that failed is not. Values are shared by every caller: the read freezes them.
 */
export class VersionedReads<T> {
  private readonly entries = new Map<string, { version: number; atMs: number; value: Promise<T> }>();

  constructor(
    private readonly size: number,
    private readonly maxAgeMs: number,
  ) {}

  read(key: string, version: number, read: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.version === version && now - hit.atMs < this.maxAgeMs) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.value;
    }
    const value = read();
    const entry = { version, atMs: now, value };
    this.entries.delete(key);
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}
