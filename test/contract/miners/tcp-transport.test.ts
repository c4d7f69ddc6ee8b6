import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spareSockets, tcpRequest } from '../../../agent/miners/transport/tcp.ts';

/**
 * The cgminer-style transport against a loopback server scripted per request: `{"reply":…}` is answered with that
 * text in pieces of `piece` bytes (NUL-terminated unless `nul` is false), `{"silent":true}` never answered.
 */
let server: net.Server;
let port = 0;
const open = new Set<net.Socket>();

beforeAll(async () => {
  server = net.createServer({ allowHalfOpen: true }, (socket) => {
    let buffer = '';
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.on('data', async (chunk) => {
      buffer += chunk.toString('utf8');
      let request: { reply?: string; piece?: number; nul?: boolean; silent?: boolean };
      try {
        request = JSON.parse(buffer);
      } catch {
        return;
      }
      if (request.silent) return;
      const bytes = Buffer.concat([Buffer.from(request.reply ?? '', 'utf8'), Buffer.from(request.nul === false ? [] : [0])]);
      const piece = request.piece ?? bytes.length;
      for (let at = 0; at < bytes.length; at += piece) {
        socket.write(bytes.subarray(at, at + piece));
        // Separate reads on the agent's side, not one coalesced segment.
        if (piece < bytes.length) await new Promise((resolve) => setTimeout(resolve, 2));
      }
      socket.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const socket of open) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ask = (request: object, timeoutMs = 2_000) => tcpRequest('127.0.0.1', port, JSON.stringify(request), timeoutMs);

describe('cgminer-style TCP transport', () => {
  it('returns the reply without its NUL, and with a NUL inside the read only the text before it', async () => {
    expect(await ask({ reply: '{"STATUS":[{"STATUS":"S"}]}' })).toEqual({ ok: true, value: '{"STATUS":[{"STATUS":"S"}]}' });
    expect(await ask({ reply: '{"a":1}\u0000trailing' })).toEqual({ ok: true, value: '{"a":1}' });
    expect(await ask({ reply: '{"a":2}', nul: false })).toEqual({ ok: true, value: '{"a":2}' });
  });

  it('puts a reply read in many pieces back together, a multi-byte character split between two reads included', async () => {
    const short = JSON.stringify({ pool: 'Zürich ⛏', end: 'é' });
    for (const piece of [1, 2, 3]) {
      expect(await ask({ reply: short, piece }), `pieces of ${piece} bytes`).toEqual({ ok: true, value: short });
    }
    const long = JSON.stringify({ pool: 'Zürich ⛏ pool', pad: 'x'.repeat(100_000), end: 'é' });
    expect(await ask({ reply: long, piece: 9_999 })).toEqual({ ok: true, value: long });
  });

  it('reuses closed sockets for the next exchanges instead of building new ones', async () => {
    for (let i = 0; i < 5; i++) await ask({ reply: `{"n":${i}}` });
    const afterSequential = spareSockets();
    const many = await Promise.all(Array.from({ length: 40 }, (_, i) => ask({ reply: `{"n":${i}}` })));
    expect(many.map((r) => r.ok && JSON.parse(r.value).n)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterFirstBurst = spareSockets();
    await Promise.all(Array.from({ length: 40 }, (_, i) => ask({ reply: `{"n":${i}}` })));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(afterSequential).toBeLessThanOrEqual(1);
    expect(afterFirstBurst).toBeGreaterThanOrEqual(40);
    // The second burst was served by the sockets of the first.
    expect(spareSockets()).toBe(afterFirstBurst);
  });

  it('times out a silent miner, and the socket it used then carries the next exchange without anything of the old one', async () => {
    const silent = await ask({ silent: true }, 100);
    expect(silent).toMatchObject({ ok: false, error: { kind: 'timeout', message: `no reply from 127.0.0.1:${port} within 100 ms` } });
    const next = await Promise.all(Array.from({ length: 10 }, (_, i) => ask({ reply: `{"after":${i}}`, piece: 2 })));
    expect(next.map((r) => r.ok && r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `{"after":${i}}`));
  });

  it('sends no end of stream with the request, and resets the connection once the reply is complete', async () => {
    const seen: { ended: boolean; closedBy: string }[] = [];
    const sockets: net.Socket[] = [];
    const strict = net.createServer({ allowHalfOpen: true }, (socket) => {
      sockets.push(socket);
      const record = { ended: false, closedBy: 'open' };
      seen.push(record);
      socket.on('end', () => {
        record.ended = true;
      });
      socket.on('error', (error: NodeJS.ErrnoException) => {
        record.closedBy = error.code ?? 'error';
      });
      socket.on('close', () => {
        if (record.closedBy === 'open') record.closedBy = 'close';
      });
      // Answers as a cgminer-style server does, once the request parses, and reads on.
      socket.once('data', () => {
        socket.write('{"STATUS":[{"STATUS":"S"}]}\u0000');
      });
    });
    await new Promise<void>((resolve) => strict.listen(0, '127.0.0.1', resolve));
    const strictPort = (strict.address() as net.AddressInfo).port;
    try {
      expect(await tcpRequest('127.0.0.1', strictPort, '{"command":"summary"}', 1_000)).toEqual({
        ok: true,
        value: '{"STATUS":[{"STATUS":"S"}]}',
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(seen).toEqual([{ ended: false, closedBy: 'ECONNRESET' }]);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => strict.close(() => resolve()));
    }
  });

  it('times out many silent miners at once, each within its deadline and a sweep', async () => {
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ask({ silent: true }, 100 + 10 * i)));
    expect(results.every((r) => !r.ok && r.error.kind === 'timeout')).toBe(true);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(289);
    expect(elapsed).toBeLessThan(1_000);
  });

  it('gives up on a reply over 1 MB as garbage', async () => {
    const result = await ask({ reply: 'x'.repeat((1 << 20) + 10) }, 10_000);
    expect(result).toMatchObject({ ok: false, error: { kind: 'garbage' } });
  });

  it('reports a refused connection as refused, and a port out of range as unreachable, never a rejection', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await tcpRequest('127.0.0.1', closedPort, '{}', 1_000)).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(await tcpRequest('127.0.0.1', 70_000, '{}', 1_000)).toMatchObject({ ok: false, error: { kind: 'unreachable' } });
  });
});
