/**
 * The embedded DynamoDB dies under a running `switchyard start`: /health and the data routes say
 * so with 503 and Retry-After (never a bare 500), the runtime restarts the store on the same port
 * and folder, and both recover with the data intact.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type RunningCli, startCli } from '../support/cli.ts';

describe('the local runtime supervising its store', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-supervision-'));
  const env = { SWITCHYARD_HOME: home, PORT: '0' };
  let rt: RunningCli;
  let token: string;

  const get = (path: string, auth = true) => fetch(`${rt.apiUrl}${path}`, auth ? { headers: { authorization: `Bearer ${token}` } } : {});
  /** The store child's pid as the runtime logged it: at start, then after each restart. */
  const storePids = () =>
    rt
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { message?: string; dynamodbPid?: number; pid?: number })
      .flatMap((l) => (l.message === 'switchyard started' ? [l.dynamodbPid] : l.message === 'store restarted' ? [l.pid] : []))
      .filter((p): p is number => typeof p === 'number');

  const storePort = () => Number(/"dynamodb":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(rt.output())![1]);

  /** Listens on the port as soon as the killed child has released it; every connection is reset. */
  async function holdPort(port: number): Promise<Server> {
    for (let i = 0; ; i++) {
      const server = createServer((socket) => socket.resetAndDestroy());
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', () => resolve());
        });
        return server;
      } catch (err) {
        if (i > 200) throw err;
        await new Promise((r) => setTimeout(r, 2));
      }
    }
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const v = await probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} did not happen within ${timeoutMs} ms; output:\n${rt.output()}`);
  }

  beforeAll(async () => {
    rt = await startCli(env);
    const t = await cli(['token', '--role', 'operator', '--user', 'operator-1'], env);
    expect(t.code).toBe(0);
    token = t.stdout.trim();
  }, 90_000);

  afterAll(async () => {
    if (rt) expect(await rt.stop()).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('answers 503 with Retry-After while the store is down, restarts it, and serves the same data again', async () => {
    const health = await get('/health', false);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { parts: { store: { status: string } } }).parts.store.status).toBe('ok');
    const before = await get('/runs');
    expect(before.status).toBe(200);
    const runsBefore = ((await before.json()) as { items: unknown[] }).items.length;
    const [pid] = storePids();
    expect(pid).toBeGreaterThan(0);

    // Kill it, and hold its port for a while with a listener that resets every connection: the store stays down
    // (the supervisor's attempts fail and back off) long enough to see what the API says meanwhile.
    process.kill(pid!, 'SIGKILL');
    const squatter = await holdPort(storePort());
    try {
      const downHealth = await get('/health', false);
      expect(downHealth.status).toBe(503);
      expect(downHealth.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await downHealth.json()) as { status: string; parts: { store: { status: string } } };
      expect(body).toMatchObject({ status: 'down', parts: { store: { status: 'down' } } });
      const downData = await get('/runs');
      expect(downData.status).toBe(503);
      expect(downData.headers.get('content-type')).toContain('application/problem+json');
      expect(downData.headers.get('retry-after')).toMatch(/^\d+$/);
      await until('a failed restart attempt', async () => (rt.output().includes('store restart failed') ? true : undefined));
    } finally {
      await new Promise<void>((r) => squatter.close(() => r()));
    }

    const restarted = await until('a restart', async () => storePids().find((p) => p !== pid));
    expect(restarted).not.toBe(pid);
    expect(rt.output()).toContain('store process exited; restarting it');
    expect(rt.output()).toContain('restarting the store');

    await until('/health 200', async () => ((await get('/health', false)).status === 200 ? true : undefined));
    const after = await get('/runs');
    expect(after.status).toBe(200);
    expect(((await after.json()) as { items: unknown[] }).items.length).toBe(runsBefore);
  }, 60_000);
});
