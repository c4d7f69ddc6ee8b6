import http from 'node:http';
import type { Socket } from 'node:net';
import type { FakeMiner } from './fake-miner.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * An HTTP server for one fake miner, with the transport failure modes applied before the vendor's handler runs:
 * `timeout` never answers, `garbage` writes bytes that are not HTTP, `half-close` sends the headers and half the body
 * and hangs up.
 */
export function serveHttpJson(miner: FakeMiner, handle: (request: http.IncomingMessage, body: string) => HttpAnswer): http.Server {
  const sockets = new Set<Socket>();
  const server = http.createServer({ keepAliveTimeout: 1_000 }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (miner.failure === 'timeout') return;
      if (miner.failure === 'garbage') return void request.socket.end('\x16\x03\x01garbage, not an HTTP reply\r\n\r\n');
      const answer = handle(request, Buffer.concat(chunks).toString('utf8'));
      const text = JSON.stringify(answer.body);
      if (miner.failure === 'half-close') {
        response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json', 'content-length': String(text.length) });
        response.write(text.slice(0, Math.floor(text.length / 2)));
        return void setImmediate(() => request.socket.destroy());
      }
      const length = String(Buffer.byteLength(text));
      response.writeHead(answer.status, { ...answer.headers, 'content-type': 'application/json', 'content-length': length });
      response.end(text);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}
