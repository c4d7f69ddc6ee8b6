import net from 'node:net';
import { fail, type MinerResult, ok } from '../port.ts';

const MAX_REPLY_BYTES = 1 << 20;

/**
 * One request on one connection, as cgminer-style APIs (LuxOS, Whatsminer) want: write the request, read until the
 * miner closes the connection or sends the NUL that ends a cgminer reply. The text returned has no trailing NUL.
 * A connection that ends before a complete JSON value is a garbage reply (a half-closed socket), not a success.
 */
export function tcpRequest(host: string, port: number, request: string, timeoutMs: number): Promise<MinerResult<string>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = net.connect({ host, port });
    const finish = (result: MinerResult<string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish(fail('timeout', `no reply from ${host}:${port} within ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => socket.end(request));
    socket.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REPLY_BYTES) return finish(fail('garbage', `reply from ${host}:${port} exceeds ${MAX_REPLY_BYTES} bytes`));
      const nul = chunk.indexOf(0);
      chunks.push(nul === -1 ? chunk : chunk.subarray(0, nul));
      if (nul !== -1) finish(ok(Buffer.concat(chunks).toString('utf8')));
    });
    socket.on('end', () => finish(ok(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', (error: NodeJS.ErrnoException) => finish(socketError(host, port, error)));
  });
}

export function socketError<T>(host: string, port: number, error: NodeJS.ErrnoException): MinerResult<T> {
  switch (error.code) {
    case 'ECONNREFUSED':
      return fail('refused', `${host}:${port} refused the connection`);
    case 'ECONNRESET':
    case 'EPIPE':
      return fail('garbage', `${host}:${port} reset the connection mid-reply`);
    case 'ETIMEDOUT':
      return fail('timeout', `connecting to ${host}:${port} timed out`);
    default:
      return fail('unreachable', `${host}:${port} unreachable (${error.code ?? 'socket error'})`);
  }
}

/** Parses a JSON reply; an empty or cut-off reply is garbage. */
export function parseJson(host: string, port: number, text: string): MinerResult<unknown> {
  if (text.trim() === '') return fail('garbage', `${host}:${port} closed the connection without a reply`);
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return fail('garbage', `${host}:${port} sent a reply that is not JSON (${text.length} bytes)`);
  }
}
