/**
 * A loopback proxy in front of dynalite that records the DynamoDB action of every request
 * (the `X-Amz-Target` header, e.g. `DynamoDB_20120810.PutItem` → `dynamodb:PutItem`) and passes
 * it through untouched: what a handler really sends, whichever adapter or SDK path sent it.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingDynamo {
  endpoint: string;
  /** IAM action names, in the order sent. */
  actions: string[];
  close(): Promise<void>;
}

export async function startRecordingDynamo(target: string): Promise<RecordingDynamo> {
  const upstream = new URL(target);
  const actions: string[] = [];
  const server = createServer((req, res) => {
    const op = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    if (op) actions.push(`dynamodb:${op}`);
    const headers = { ...req.headers, host: upstream.host };
    const up = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 500, r.headers);
      r.pipe(res);
    });
    up.on('error', (err) => res.destroy(err));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    actions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
