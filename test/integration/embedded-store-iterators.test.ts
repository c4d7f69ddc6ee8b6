/**
 * The embedded store closes the LevelDB iterator of every query (local/dynalite-server.mjs): without
 * that, each query left one open and the store's memory grew with every read it served.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dynamoRepositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { type EmbeddedDynamo, startDynalite } from '#local/dynalite.ts';
import { openIterators } from '../../local/dynalite-server.mjs';
import { storedDecision } from '../support/decisions.ts';

const T = Date.parse('2024-07-15T00:00:00Z');
const Q = 15 * 60_000;

describe.each([
  ['in memory', false],
  ['persisted under a folder', true],
])('the embedded store %s', (_name, persisted) => {
  let db: EmbeddedDynamo;
  let folder: string | undefined;
  beforeAll(async () => {
    folder = persisted ? mkdtempSync(join(tmpdir(), 'switchyard-iterators-')) : undefined;
    db = await startDynalite({ inProcess: true, ...(folder ? { path: folder } : {}) });
  });
  afterAll(async () => {
    await db.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('closes the iterator of every query, whether it reaches the end of its range or stops at its limit', async () => {
    const client = dynamoClient(db.endpoint);
    try {
      await createTable(client, 'iterators');
      const repos = dynamoRepositories(client, 'iterators');
      for (let i = 0; i < 20; i++) await repos.decisions.record(storedDecision('it', i));
      const before = openIterators();
      for (let round = 0; round < 50; round++) {
        // A range read to its end, one stopped by its page limit, an index read and a newest-first read with a limit.
        await repos.decisions.bySite('it', T, T + 20 * Q);
        await repos.decisions.bySite('it', T, T + 20 * Q, { limit: 3 });
        await repos.decisions.byDay('2024-07-15', { limit: 5 });
        await repos.decisions.unpublished(2);
      }
      // Reads are done: at most a stray iterator still closing, not one per query (200 of them).
      await new Promise((r) => setTimeout(r, 50));
      expect(openIterators() - before).toBeLessThanOrEqual(2);
    } finally {
      client.destroy();
    }
  });
});
