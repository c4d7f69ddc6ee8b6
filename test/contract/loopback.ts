/** A small recording HTTP server on 127.0.0.1 that plays a provider's part in contract tests. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string as is. */
  body?: unknown;
  /** Never answer (to exercise client timeouts). */
  hang?: boolean;
}

export type Handler = (req: Recorded, nth: number) => Reply | Promise<Reply>;

export interface Loopback {
  url: string;
  requests: Recorded[];
  /** Requests whose path is `path`. */
  to(path: string): Recorded[];
  close(): Promise<void>;
}

/** Starts a server; `routes` maps a path to its handler (`nth` counts calls to that path from 1). */
export async function loopback(routes: Record<string, Handler>): Promise<Loopback> {
  const requests: Recorded[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rec: Recorded = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(rec);
      const handler = routes[url.pathname];
      if (!handler) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: `no route ${url.pathname}` }));
        return;
      }
      const nth = (counts.get(url.pathname) ?? 0) + 1;
      counts.set(url.pathname, nth);
      const reply = await handler(rec, nth);
      if (reply.hang) return;
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** HttpOptions for tests: quick timeouts, and waits recorded instead of spent. */
export function fastHttp(overrides: { timeoutMs?: number; maxAttempts?: number } = {}) {
  const waits: number[] = [];
  return {
    waits,
    http: {
      timeoutMs: overrides.timeoutMs ?? 2_000,
      maxAttempts: overrides.maxAttempts ?? 4,
      baseDelayMs: 10,
      sleep: async (ms: number) => {
        waits.push(ms);
      },
    },
  };
}
