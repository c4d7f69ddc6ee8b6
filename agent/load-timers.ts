/**
 * Each load's last state change (when it last started or stopped, and which way), kept on disk beside the telemetry
 * spool so that minimum run and off times hold across an agent restart: without it a restarted agent would take a
 * load that stopped a minute ago as free to start again. Written whole or not at all (a temporary file renamed over
 * the old one); a missing file is a first start, a corrupt one is logged and ignored (the loads are then taken as
 * long settled, as on a first start), never a reason not to start.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { Logger } from '#ports/logger.ts';
import { writeAtomic } from './cloud.ts';

export interface LoadTimer {
  /** When the load last started or stopped (epoch ms). */
  readonly sinceMs: number;
  /** Whether that change left it running (drawing > 0 MW). */
  readonly running: boolean;
}

export interface LoadTimerStore {
  load(): ReadonlyMap<string, LoadTimer>;
  save(timers: ReadonlyMap<string, LoadTimer>): void;
}

const FileSchema = z.strictObject({
  version: z.literal(1),
  loads: z.record(z.string(), z.strictObject({ since: z.iso.datetime({ offset: true }), running: z.boolean() })),
});

export const LOAD_TIMERS_FILE = 'load-timers.json';

export function fileLoadTimerStore(stateDir: string, log?: Logger): LoadTimerStore {
  const path = join(stateDir, LOAD_TIMERS_FILE);
  return {
    load() {
      if (!existsSync(path)) return new Map();
      try {
        const parsed = FileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
        return new Map(Object.entries(parsed.loads).map(([loadId, t]) => [loadId, { sinceMs: Date.parse(t.since), running: t.running }]));
      } catch (error) {
        const reason = error instanceof z.ZodError ? (error.issues[0]?.message ?? 'invalid') : (error as Error).message;
        log?.warn('load timers file unreadable: ignored, min run/off counted as if the loads had long settled', { path, reason });
        return new Map();
      }
    },
    save(timers) {
      mkdirSync(stateDir, { recursive: true });
      const loads = Object.fromEntries(
        [...timers].map(([id, t]) => [id, { since: new Date(t.sinceMs).toISOString(), running: t.running }]),
      );
      writeAtomic(path, JSON.stringify({ version: 1, loads }));
    },
  };
}
