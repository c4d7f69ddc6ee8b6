/**
 * kill -9 during `switchyard ingest` of a year of 15-minute prices: the store (a runtime's, here the test run's dynalite
 * named in runtime.json) keeps a partial copy and the open marker saying so; the next ingest of the file says the
 * earlier one did not complete, stores all of it and closes the marker.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeRuntimeInfo } from '#local/store.ts';
import { ingestKey } from '#ports/ingest-markers.ts';
import { cli, ROOT } from '../support/cli.ts';
import { freshTable } from '../support/dynamo.ts';
import { csv, RTM_HEADER, rtmDay } from '../unit/feeds/fixtures.ts';

const TSX = join(ROOT, 'node_modules/.bin/tsx');
const CLI = join(ROOT, 'local/cli.ts');
const home = mkdtempSync(join(tmpdir(), 'switchyard-ingest-crash-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** Every day of 2024 at HB_HUBAVG: 366 × 96 = 35,136 quarter hours (the DST days' 92 and 100 even out). */
function yearFile(): string {
  const rows: string[] = [];
  for (let d = Date.UTC(2024, 0, 1); d < Date.UTC(2025, 0, 1); d += 86_400_000) {
    const day = new Date(d);
    const date = `${String(day.getUTCMonth() + 1).padStart(2, '0')}/${String(day.getUTCDate()).padStart(2, '0')}/2024`;
    rows.push(
      ...rtmDay(
        date,
        date === '03/10/2024' ? 'spring' : date === '11/03/2024' ? 'fall' : 'normal',
        'HB_HUBAVG',
        1 + ((d / 86_400_000) % 50),
      ),
    );
  }
  const path = join(home, 'rtm-2024.csv');
  writeFileSync(path, csv(RTM_HEADER, rows));
  return path;
}

describe('kill -9 during switchyard ingest', () => {
  it('leaves an open marker with the partial count; the next ingest says so, replaces it and closes it', async () => {
    const t = await freshTable();
    // The CLI uses the store a running runtime names; this process stands in for the runtime.
    writeRuntimeInfo(home, {
      pid: process.pid,
      dynamoEndpoint: t.endpoint,
      apiUrl: 'http://127.0.0.1:1',
      startedAt: new Date().toISOString(),
    });
    const env = { SWITCHYARD_HOME: home, SWITCHYARD_TABLE: t.tableName, SWITCHYARD_MARKET_DATA: 'demo' };
    const file = yearFile();
    const key = ingestKey({ kind: 'file', source: 'ercot-rtm-csv', name: 'rtm-2024.csv' });

    const child = spawn(TSX, [CLI, 'ingest', '--source', 'ercot-rtm-csv', '--file', file], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'ignore',
      detached: true,
    });
    const closed = new Promise<string | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    // Killed (the whole group: tsx and the node it runs) once some but not all prices are stored.
    let killedAt = 0;
    for (let i = 0; i < 600 && killedAt === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const m = await t.repos.ingests.get(key);
      if (m && m.written >= 4_000) {
        process.kill(-child.pid!, 'SIGKILL');
        killedAt = m.written;
      }
    }
    expect(await closed).toBe('SIGKILL');
    expect(killedAt).toBeGreaterThan(0);

    const open = await t.repos.ingests.open();
    expect(open.map((m) => m.key)).toEqual([key]);
    const stopped = open[0]!;
    expect(stopped.completedAtMs).toBeUndefined();
    expect(stopped.expected).toBe(35_136);
    expect(stopped.written).toBeGreaterThanOrEqual(killedAt);
    expect(stopped.written).toBeLessThan(35_136);
    const partial = await t.repos.marketData.getPrices('ERCOT', 'HB_HUBAVG', 'RT', Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 2));
    expect(partial.length).toBeGreaterThanOrEqual(stopped.written);
    expect(partial.length).toBeLessThan(35_136);

    const again = await cli(['ingest', '--source', 'ercot-rtm-csv', '--file', file], env, 240_000);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`the earlier ingest of rtm-2024.csv (started ${new Date(stopped.startedAtMs).toISOString()}, `);
    expect(again.stderr).toContain('did not complete; this ingest replaces it');
    expect(again.stdout).toContain(`35,136 prices written (0 changed, ${(35_136 - partial.length).toLocaleString('en-US')} new, `);
    expect(await t.repos.ingests.open()).toEqual([]);
    expect(await t.repos.ingests.get(key)).toMatchObject({ written: 35_136, expected: 35_136, completedAtMs: expect.any(Number) });
    const all = await t.repos.marketData.getPrices('ERCOT', 'HB_HUBAVG', 'RT', Date.UTC(2024, 0, 1), Date.UTC(2025, 0, 2));
    expect(all).toHaveLength(35_136);
  }, 360_000);
});
