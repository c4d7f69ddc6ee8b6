/**
 * The LuxOS sessions the agent holds, kept in its state directory. LuxOS allows one session per miner and answers
 * every other `logon` with Code 402 until that session has gone unused for the firmware's idle timeout, so an agent
 * that was killed (kill -9, out of memory, a crash) would otherwise be refused by every miner it had commanded in the
 * last minute; with the ids kept, the restarted agent goes on with them (or logs on anew where a miner has forgotten
 * its session, after a reboot say).
 *
 * Written whole or not at all (a temporary file renamed over the old one), in the background and readable only by the
 * agent's user (a live session id lets its holder command the miner). No fsync: the file has to outlive the process,
 * not the host — after a power cut of the host every session has expired anyway. A missing file is a first start, a
 * corrupt one is logged and ignored (the agent then logs on, and waits out a 402, as without the file).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import type { Logger } from '#ports/logger.ts';
import type { LuxosSessionStore } from './miners/drivers/luxos.ts';

export const LUXOS_SESSIONS_FILE = 'luxos-sessions.json';

const FileSchema = z.strictObject({
  version: z.literal(1),
  /** [address, session id, last used (epoch ms)]: compact, as a site holds tens of thousands. */
  sessions: z.array(z.tuple([z.string().min(1), z.string().min(1), z.number().int().nonnegative()])),
});

export function fileLuxosSessionStore(stateDir: string, log?: Logger): LuxosSessionStore {
  const path = join(stateDir, LUXOS_SESSIONS_FILE);
  let failing = false;
  return {
    load() {
      if (!existsSync(path)) return new Map();
      try {
        const parsed = FileSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
        return new Map(parsed.sessions.map(([address, id, usedAtMs]) => [address, { id, usedAtMs }]));
      } catch (error) {
        const reason = error instanceof z.ZodError ? (error.issues[0]?.message ?? 'invalid') : (error as Error).message;
        log?.warn('LuxOS sessions file unreadable: ignored, sessions logged on anew', { path, reason });
        return new Map();
      }
    },
    async save(sessions) {
      const rows: [string, string, number][] = [];
      for (const [address, s] of sessions) rows.push([address, s.id, s.usedAtMs]);
      const text = JSON.stringify({ version: 1, sessions: rows });
      try {
        await mkdir(stateDir, { recursive: true });
        await writeFile(`${path}.tmp`, text, { mode: 0o600 });
        await rename(`${path}.tmp`, path);
        if (failing) log?.info('LuxOS sessions file written again', { path });
        failing = false;
      } catch (error) {
        // Not fatal: only a crash before the next write would leave the sessions to expire on the miners.
        if (!failing) log?.error('LuxOS sessions file could not be written', { path, error: (error as Error).message });
        failing = true;
      }
    },
  };
}
