/**
 * A loopback proxy in front of dynalite that fails DynamoDB requests the way the service does:
 * `throttle` answers 400 `ProvisionedThroughputExceededException`, `5xx` answers 500
 * `InternalServerError`, `reset` drops the connection before answering. Which requests fail is
 * set at any time (`proxy.fault`), by probability and by operation (`x-amz-target`).
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultKind = 'throttle' | '5xx' | 'reset';

export interface Fault {
  kind: FaultKind;
  /** Share of the matching requests that fail (default 1). */
  rate?: number;
  /** Only these operations, e.g. ['Query', 'PutItem']; default every one. */
  operations?: readonly string[];
}

export interface FaultyDynamoProxy {
  endpoint: string;
  fault: Fault | null;
  /** Requests failed, by kind. */
  readonly injected: Record<FaultKind, number>;
  forwarded: number;
  close(): Promise<void>;
}

const ERRORS = {
  throttle: {
    status: 400,
    type: 'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
    message: 'The level of configured provisioned throughput for the table was exceeded.',
  },
  '5xx': { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' },
} as const;

export async function startFaultyDynamoProxy(target: string, rnd: () => number = Math.random): Promise<FaultyDynamoProxy> {
  const upstream = new URL(target);
  const state: FaultyDynamoProxy = {
    endpoint: '',
    fault: null,
    injected: { throttle: 0, '5xx': 0, reset: 0 },
    forwarded: 0,
    close: async () => {},
  };

  const forward = (path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = request(
        { host: upstream.hostname, port: upstream.port, path, method: 'POST', headers: { ...headers, host: upstream.host } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .at(-1) ?? '';
      const f = state.fault;
      if (f && (!f.operations || f.operations.includes(operation)) && rnd() < (f.rate ?? 1)) {
        state.injected[f.kind]++;
        if (f.kind === 'reset') {
          req.socket.resetAndDestroy();
          return;
        }
        const e = ERRORS[f.kind];
        const out = JSON.stringify({ __type: e.type, message: e.message });
        res.writeHead(e.status, { 'content-type': 'application/x-amz-json-1.0', 'content-length': String(Buffer.byteLength(out)) });
        res.end(out);
        return;
      }
      try {
        const up = await forward(req.url ?? '/', req.headers, Buffer.concat(chunks));
        state.forwarded++;
        res.writeHead(up.status, up.headers);
        res.end(up.body);
      } catch {
        req.socket.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}
