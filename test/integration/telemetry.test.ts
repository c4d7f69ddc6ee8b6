/** The telemetry repository against dynalite: natural keys, idempotent replays, ranges, pages, UnprocessedItems. */
import { describe, expect, it } from 'vitest';
import { dynamoClient } from '#adapters/dynamo/table.ts';
import { DynamoTelemetryRepository } from '#adapters/dynamo/telemetry.ts';
import type { LoadSample, StateChange } from '#domain/telemetry.ts';
import { freshTable } from '../support/dynamo.ts';
import { startUnprocessedProxy } from '../support/unprocessed-proxy.ts';

const T = Date.parse('2024-07-15T20:00:00Z');
const S = 1000;

const sample = (siteId: string, loadId: string, atMs: number, actualMw = 10): LoadSample => ({ siteId, loadId, atMs, actualMw });
const change = (atMs: number, extra: Partial<StateChange> = {}): StateChange => ({
  siteId: 'rockdale',
  loadId: 's21',
  atMs,
  change: 'CURTAILED',
  fromMw: 100,
  toMw: 0,
  trigger: { kind: 'OVERRIDE', overrideId: 'ovr-1' },
  fleetMs: 8200,
  ...extra,
});

describe('DynamoTelemetryRepository', () => {
  it('keeps one sample per (site, load, instant): a replayed batch changes nothing', async () => {
    const { repos } = await freshTable();
    const batch = [sample('rockdale', 's21', T), sample('rockdale', 's19', T), sample('rockdale', 's21', T + S)];
    await repos.telemetry.putSamples(batch);
    await repos.telemetry.putSamples(batch);
    expect(await repos.telemetry.allSamples('rockdale', T, T + 60 * S)).toEqual([batch[1], batch[0], batch[2]]);
  });

  it('takes a batch that names one key twice, keeping the last', async () => {
    const { repos } = await freshTable();
    await repos.telemetry.putSamples([sample('rockdale', 's21', T, 1), sample('rockdale', 's21', T, 2)]);
    expect((await repos.telemetry.allSamples('rockdale', T, T + S)).map((s) => s.actualMw)).toEqual([2]);
  });

  it('reads [from, to): a sample at to is left out, one at from is in, other sites never', async () => {
    const { repos } = await freshTable();
    await repos.telemetry.putSamples([
      sample('rockdale', 's21', T - S),
      sample('rockdale', 's21', T),
      sample('rockdale', 's21', T + 10 * S),
      sample('tydal', 's21', T),
    ]);
    expect((await repos.telemetry.allSamples('rockdale', T, T + 10 * S)).map((s) => s.atMs)).toEqual([T]);
  });

  it('pages samples with a token until the last page', async () => {
    const { repos } = await freshTable();
    await repos.telemetry.putSamples(Array.from({ length: 60 }, (_, i) => sample('rockdale', 's21', T + i * S)));
    const first = await repos.telemetry.samples('rockdale', T, T + 60 * S, { limit: 40 });
    const second = await repos.telemetry.samples('rockdale', T, T + 60 * S, { limit: 40, nextToken: first.nextToken! });
    expect(first.items).toHaveLength(40);
    expect(second.items.map((s) => s.atMs)).toEqual(Array.from({ length: 20 }, (_, i) => T + (40 + i) * S));
    expect(second.nextToken).toBeUndefined();
  });

  it('records a state change once; a repeat with other values leaves the first', async () => {
    const { repos } = await freshTable();
    expect(await repos.telemetry.recordChange(change(T))).toBe('written');
    expect(await repos.telemetry.recordChange(change(T, { fleetMs: 1 }))).toBe('exists');
    expect(await repos.telemetry.changes('rockdale', T, T + S)).toEqual([change(T)]);
  });

  it('re-sends UnprocessedItems until every sample is written', async () => {
    const t = await freshTable();
    const proxy = await startUnprocessedProxy(t.endpoint, { times: 2, keep: 7 });
    try {
      const repo = new DynamoTelemetryRepository(dynamoClient(proxy.endpoint), t.tableName);
      await repo.putSamples(Array.from({ length: 25 }, (_, i) => sample('rockdale', 's21', T + i * S)));
      expect(proxy.batchSizes).toEqual([25, 18, 11]);
      expect(await t.repos.telemetry.allSamples('rockdale', T, T + 25 * S)).toHaveLength(25);
    } finally {
      await proxy.close();
    }
  });
});
