import net from 'node:net';
import type { FakeMiner } from './fake-miner.ts';

export interface TcpReply {
  readonly text: string;
  /** cgminer-style servers end a reply with a NUL byte. */
  readonly nulTerminated: boolean;
}

/**
 * A one-request-per-connection JSON server, the shape of cgminer-derived APIs. The request is complete when it
 * parses; the failure modes that belong to the transport (no answer, half a reply, garbage) are applied here so
 * that every vendor's fake fails the same way.
 */
export function serveTcpJson(miner: FakeMiner, handle: (request: unknown) => TcpReply): net.Server {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = '';
    let answered = false;
    const tryAnswer = (final: boolean) => {
      if (answered) return;
      let request: unknown;
      try {
        request = JSON.parse(buffer.replace(/\0+$/, ''));
      } catch {
        if (final) {
          answered = true;
          socket.end();
        }
        return;
      }
      answered = true;
      if (miner.failure === 'timeout') return; // accept, read, never answer
      if (miner.failure === 'garbage') return void socket.end('\x16\x03\x01 not json at all <html>');
      const reply = handle(request);
      const bytes = reply.text + (reply.nulTerminated ? '\0' : '');
      if (miner.failure === 'half-close') return void socket.end(bytes.slice(0, Math.max(1, Math.floor(bytes.length / 2))));
      socket.end(bytes);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.length > 65_536) socket.destroy();
      else tryAnswer(false);
    });
    socket.on('end', () => tryAnswer(true));
  });
  // Closing must not wait for connections a "timeout" miner keeps open on purpose.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  };
  return server;
}
