/**
 * The embedded DynamoDB: dynalite on 127.0.0.1, in memory or persisted under a folder. By default
 * it runs in a child process (local/dynalite-process.mjs) so that its CPU work does not queue
 * behind, or in front of, the API and the scheduler; `inProcess` keeps it in this process.
 * dynalite has no transactions, PartiQL, TTL expiry or streams; the adapters use single-item
 * conditional writes only. A child that dies is restarted with backoff on the same port and folder
 * (`onSupervision` reports each step).
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createDynaliteServer } from './dynalite-server.mjs';

const CHILD = fileURLToPath(new URL('./dynalite-process.mjs', import.meta.url));

export interface EmbeddedDynamo {
  endpoint: string;
  /** The pid of the child that serves the store now; undefined in process. */
  pid(): number | undefined;
  close(): Promise<void>;
}

export interface DynaliteOptions {
  path?: string;
  port?: number;
  inProcess?: boolean;
}

/**
 * What the supervisor of a child store reports. A child that exits without being asked to is
 * started again on the same port and folder, so the clients already pointed at the endpoint
 * reconnect and the data on disk is the same.
 */
export type SupervisionEvent =
  | { type: 'started'; pid: number; endpoint: string }
  | { type: 'exited'; pid: number; endpoint: string; code: number | null; signal: string | null }
  | { type: 'restarting'; endpoint: string; attempt: number; delayMs: number }
  | { type: 'restarted'; pid: number; endpoint: string; attempt: number }
  | { type: 'restartFailed'; endpoint: string; attempt: number; error: string };

const listeners = new Set<(e: SupervisionEvent) => void>();

/** Subscribes to what the supervisors of this process's child stores do; returns the unsubscribe. */
export function onSupervision(listener: (e: SupervisionEvent) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

const emit = (e: SupervisionEvent) => {
  for (const l of listeners) l(e);
};

/** Waits before restart attempt n (1-based): 250 ms doubling to 8 s. */
export const restartDelayMs = (attempt: number) => Math.min(8_000, 250 * 2 ** (attempt - 1));
/** A child that stayed up this long has recovered: the next crash starts the backoff again. */
const STABLE_MS = 30_000;

export function startDynalite(options: DynaliteOptions = {}): Promise<EmbeddedDynamo> {
  return options.inProcess ? startInProcess(options) : startSupervised(options);
}

interface Spawned {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

/** Forks one child and waits for it to report its port. */
function spawnChild(options: DynaliteOptions): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify({ path: options.path, port: options.port })], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) =>
      child.once('exit', (code, signal) => r({ code, signal })),
    );
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code}${stderr ? `: ${stderr.trim()}` : ''}`)));
    child.once('message', (m: { port?: number; error?: string }) => {
      if (m.error || !m.port) {
        reject(new Error(m.error ?? 'dynalite did not report a port'));
        return;
      }
      resolve({ child, port: m.port, exited });
    });
  });
}

async function startSupervised(options: DynaliteOptions): Promise<EmbeddedDynamo> {
  let current = await spawnChild(options);
  // Restarts bind the port the first child was given, so the endpoint never changes.
  const port = current.port;
  const endpoint = `http://127.0.0.1:${port}`;
  let closing = false;
  let restarting: Promise<void> | null = null;
  emit({ type: 'started', pid: current.child.pid!, endpoint });

  const restart = async () => {
    for (let attempt = 1; !closing; attempt++) {
      const delayMs = restartDelayMs(attempt);
      emit({ type: 'restarting', endpoint, attempt, delayMs });
      await new Promise((r) => setTimeout(r, delayMs).unref());
      if (closing) return;
      try {
        current = await spawnChild({ ...options, port });
        emit({ type: 'restarted', pid: current.child.pid!, endpoint, attempt });
        watch(current);
        return;
      } catch (err) {
        emit({ type: 'restartFailed', endpoint, attempt, error: (err as Error).message });
      }
    }
  };
  let startedAt = Date.now();
  let unstable = 0;
  const watch = (s: Spawned) => {
    startedAt = Date.now();
    void s.exited.then(({ code, signal }) => {
      if (closing) return;
      emit({ type: 'exited', pid: s.child.pid!, endpoint, code, signal });
      // The backoff carries on across crashes in quick succession, so a child that dies on start is not forked in a tight loop.
      unstable = Date.now() - startedAt < STABLE_MS ? unstable + 1 : 0;
      restarting = (unstable > 1 ? new Promise((r) => setTimeout(r, restartDelayMs(unstable)).unref()) : Promise.resolve())
        .then(restart)
        .finally(() => (restarting = null));
    });
  };
  watch(current);

  return {
    endpoint,
    pid: () => (current.child.exitCode === null && current.child.signalCode === null ? current.child.pid : undefined),
    close: async () => {
      closing = true;
      await restarting;
      const { child, exited } = current;
      if (child.exitCode === null && child.signalCode === null && child.connected) child.send('close');
      await exited;
    },
  };
}

async function startInProcess(options: DynaliteOptions): Promise<EmbeddedDynamo> {
  const server = createDynaliteServer(options.path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
