import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskQueue } from '../../../agent/cloud.ts';

const dirs: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), 'queue-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sample = (at: string) => ({ sample: { loadId: 's21', at, actualMw: 1 } });

describe('the telemetry disk queue', () => {
  it('keeps what was appended across a restart, in order', () => {
    const dir = fresh();
    new DiskQueue(dir).append([sample('2025-07-01T12:00:00.000Z'), sample('2025-07-01T12:00:30.000Z')]);
    expect(new DiskQueue(dir).peek()).toEqual([sample('2025-07-01T12:00:00.000Z'), sample('2025-07-01T12:00:30.000Z')]);
  });

  it('drops sent entries from the file as well as from memory', () => {
    const dir = fresh();
    const queue = new DiskQueue(dir);
    queue.append([sample('2025-07-01T12:00:00.000Z'), sample('2025-07-01T12:00:30.000Z')]);
    queue.drop(1);
    expect(new DiskQueue(dir).peek()).toEqual([sample('2025-07-01T12:00:30.000Z')]);
    expect(readFileSync(join(dir, 'telemetry.jsonl'), 'utf8').trim().split('\n')).toHaveLength(1);
  });

  it('skips a torn last line left by a crash mid-append', () => {
    const dir = fresh();
    new DiskQueue(dir).append([sample('2025-07-01T12:00:00.000Z')]);
    appendFileSync(join(dir, 'telemetry.jsonl'), '{"sample":{"loadId":"s2');
    expect(new DiskQueue(dir).peek()).toEqual([sample('2025-07-01T12:00:00.000Z')]);
  });
});
