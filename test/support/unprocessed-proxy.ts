/**
 * A loopback proxy in front of dynalite that behaves like a throttled DynamoDB for BatchWriteItem:
 * for the first `times` batch writes it forwards only part of the items and answers the rest as
 * UnprocessedItems, in the service's wire format. Everything else passes through untouched.
 */
import { createServer, type IncomingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface UnprocessedProxy {
  endpoint: string;
  /** BatchWriteItem requests seen, with the number of items in each. */
  batchSizes: number[];
  close(): Promise<void>;
}

export async function startUnprocessedProxy(target: string, opts: { times: number; keep: number }): Promise<UnprocessedProxy> {
  const upstream = new URL(target);
  const batchSizes: number[] = [];
  let remaining = opts.times;

  const forward = (path: string, headers: IncomingHttpHeaders, body: Buffer) =>
    new Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const req = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path,
          method: 'POST',
          headers: { ...headers, 'content-length': String(body.length), host: upstream.host },
        },
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
      let body = Buffer.concat(chunks);
      let held: Record<string, unknown[]> | null = null;
      if (req.headers['x-amz-target'] === 'DynamoDB_20120810.BatchWriteItem') {
        const parsed = JSON.parse(body.toString()) as { RequestItems: Record<string, unknown[]> };
        const [table, items] = Object.entries(parsed.RequestItems)[0]!;
        batchSizes.push(items.length);
        if (remaining > 0 && items.length > opts.keep) {
          remaining--;
          held = { [table]: items.slice(opts.keep) };
          parsed.RequestItems[table] = items.slice(0, opts.keep);
          body = Buffer.from(JSON.stringify(parsed));
        }
      }
      const up = await forward(req.url ?? '/', req.headers, body);
      let out = up.body;
      const headers = { ...up.headers };
      if (held && up.status === 200) {
        out = Buffer.from(JSON.stringify({ ...JSON.parse(up.body.toString()), UnprocessedItems: held }));
        delete headers['x-amz-crc32'];
      }
      headers['content-length'] = String(out.length);
      res.writeHead(up.status, headers);
      res.end(out);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    batchSizes,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
