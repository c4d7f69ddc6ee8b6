/**
 * The embedded DynamoDB: dynalite on 127.0.0.1, in memory or persisted under a folder. By default
 * it runs in a child process (local/dynalite-process.mjs) so that its CPU work does not queue
 * behind, or in front of, the API and the scheduler; `inProcess` keeps it in this process.
 * dynalite has no transactions, PartiQL, TTL expiry or streams; the adapters use single-item
 * conditional writes only.
 */
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const CHILD = fileURLToPath(new URL('./dynalite-process.mjs', import.meta.url));

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

export interface DynaliteOptions {
  path?: string;
  port?: number;
  inProcess?: boolean;
}

export function startDynalite(options: DynaliteOptions = {}): Promise<EmbeddedDynamo> {
  return options.inProcess ? startInProcess(options) : startChild(options);
}

function startChild(options: DynaliteOptions): Promise<EmbeddedDynamo> {
  return new Promise((resolve, reject) => {
    const child = fork(CHILD, [JSON.stringify({ path: options.path, port: options.port })], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code}${stderr ? `: ${stderr.trim()}` : ''}`)));
    child.once('message', (m: { port?: number; error?: string }) => {
      if (m.error || !m.port) {
        reject(new Error(m.error ?? 'dynalite did not report a port'));
        return;
      }
      resolve({
        endpoint: `http://127.0.0.1:${m.port}`,
        close: async () => {
          if (child.exitCode === null && child.connected) child.send('close');
          await exited;
        },
      });
    });
  });
}

async function startInProcess(options: DynaliteOptions): Promise<EmbeddedDynamo> {
  const dynalite = require('dynalite') as (opts: Record<string, unknown>) => Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, ...(options.path ? { path: options.path } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
