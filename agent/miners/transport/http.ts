import http from 'node:http';
import { fail, type MinerResult, ok } from '../port.ts';
import { socketError } from './tcp.ts';

export interface HttpReply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpCall {
  readonly host: string;
  readonly port: number;
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly timeoutMs: number;
}

const MAX_BODY_BYTES = 1 << 20;

/**
 * One HTTP exchange without keep-alive: with thousands of miners a pooled socket per miner would hold file
 * descriptors for no gain, since each miner is spoken to once per command.
 */
export function httpRequest(call: HttpCall): Promise<MinerResult<HttpReply>> {
  return new Promise((resolve) => {
    let settled = false;
    const headers: Record<string, string> = { connection: 'close', ...call.headers };
    if (call.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(call.body));
    }
    const request = http.request({ host: call.host, port: call.port, method: call.method, path: call.path, headers, agent: false });
    const finish = (result: MinerResult<HttpReply>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const where = `${call.host}:${call.port}`;
    const timer = setTimeout(() => finish(fail('timeout', `no reply from ${where} within ${call.timeoutMs} ms`)), call.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'HPE_INVALID_CONSTANT' || error.code?.startsWith('HPE_')) {
        finish(fail('garbage', `${where} sent a reply that is not HTTP`));
      } else finish(socketError(call.host, call.port, error));
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) finish(fail('garbage', `reply from ${where} exceeds ${MAX_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('aborted', () => finish(fail('garbage', `${where} closed the connection mid-reply`)));
      response.on('error', () => finish(fail('garbage', `${where} closed the connection mid-reply`)));
      response.on('end', () => {
        if (!response.complete) return finish(fail('garbage', `${where} closed the connection mid-reply`));
        finish(ok({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    request.end(call.body);
  });
}
