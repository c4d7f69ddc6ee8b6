import net from 'node:net';
import { fail, type MinerResult, ok } from '../port.ts';

const MAX_REPLY_BYTES = 1 << 20;
/** Closed sockets kept for the next exchange; more than this many at once are left to the garbage collector. */
const MAX_SPARE_SOCKETS = 1024;

/**
 * One request on one connection, as cgminer-style APIs (LuxOS, Whatsminer) want: write the request, read until the
 * miner closes the connection or sends the NUL that ends a cgminer reply. The text returned has no trailing NUL.
 * A connection that ends before a complete JSON value is a garbage reply (a half-closed socket), not a success.
 *
 * An agent reads tens of thousands of miners a minute this way, so an exchange costs as little as Node allows: the
 * `net.Socket` objects are kept once closed and connected again for the next exchange (Node supports reconnecting a
 * socket after its `close`), instead of building a stream, its states and its listeners for every read; and every
 * reply is read into one static buffer (`onread`) and decoded from there, instead of Node's 64 KB allocation per read
 * that fragments the native heap under hundreds of concurrent connections.
 */
export function tcpRequest(host: string, port: number, request: string, timeoutMs: number): Promise<MinerResult<string>> {
  return new Promise((resolve) => {
    const socket = spare.pop() ?? newSocket();
    const exchange = socket.exchange;
    exchange.chunks.length = 0;
    exchange.host = host;
    exchange.port = port;
    exchange.request = request;
    exchange.resolve = resolve;
    exchange.size = 0;
    exchange.timer = setTimeout(timedOut, timeoutMs, socket, timeoutMs);
    try {
      socket.connect(port, host);
    } catch (error) {
      finish(socket, fail('unreachable', `${host}:${port} unreachable (${(error as NodeJS.ErrnoException).code ?? 'bad address'})`));
    }
  });
}

/** How many closed sockets wait to be connected again (for tests and the agent's memory figures). */
export function spareSockets(): number {
  return spare.length;
}

interface Exchange {
  host: string;
  port: number;
  request: string;
  /** Null once the exchange has its result; the socket goes back to the spares when it has closed. */
  resolve: ((result: MinerResult<string>) => void) | null;
  /** Reply chunks copied out of the read buffer when a reply spans more than one read. */
  chunks: Buffer[];
  size: number;
  timer: NodeJS.Timeout | undefined;
}

type ExchangeSocket = net.Socket & { readonly exchange: Exchange };

/** Every reply is read here and decoded (or copied) before the next read can land. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);
const spare: ExchangeSocket[] = [];

function newSocket(): ExchangeSocket {
  const exchange: Exchange = { host: '', port: 0, request: '', resolve: null, chunks: [], size: 0, timer: undefined };
  // `onread` is read by the Socket constructor itself (net.connect passes its options there); the typings only list it on connect.
  const onread: net.OnReadOpts = { buffer: readBuffer, callback: (n) => onRead(socket, n) };
  const socket = new net.Socket({ onread } as net.SocketConstructorOpts) as ExchangeSocket;
  Object.defineProperty(socket, 'exchange', { value: exchange });
  socket.on('connect', onConnect);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
  return socket;
}

function onRead(socket: ExchangeSocket, n: number): boolean {
  const ex = socket.exchange;
  if (ex.resolve === null) return false;
  ex.size += n;
  if (ex.size > MAX_REPLY_BYTES) {
    finish(socket, fail('garbage', `reply from ${ex.host}:${ex.port} exceeds ${MAX_REPLY_BYTES} bytes`));
    return false;
  }
  const end = readBuffer.subarray(0, n).indexOf(0);
  if (end === -1) {
    // Not the end yet: keep a copy, the buffer is overwritten by the next read of any socket.
    ex.chunks.push(Buffer.from(readBuffer.subarray(0, n)));
    return true;
  }
  finish(socket, ok(decode(ex, end)));
  return false;
}

function onConnect(this: ExchangeSocket): void {
  this.end(this.exchange.request);
}

function onEnd(this: ExchangeSocket): void {
  const ex = this.exchange;
  finish(this, ok(ex.chunks.length === 0 ? '' : decode(ex, 0)));
}

function onError(this: ExchangeSocket, error: NodeJS.ErrnoException): void {
  finish(this, socketError(this.exchange.host, this.exchange.port, error));
}

function onClose(this: ExchangeSocket): void {
  const ex = this.exchange;
  // Closed without an answer (reset before any byte, say): what was read so far is the reply.
  if (ex.resolve !== null) finish(this, ok(ex.chunks.length === 0 ? '' : decode(ex, 0)));
  ex.chunks.length = 0;
  if (spare.length < MAX_SPARE_SOCKETS) spare.push(this);
}

function timedOut(socket: ExchangeSocket, timeoutMs: number): void {
  const ex = socket.exchange;
  ex.timer = undefined;
  finish(socket, fail('timeout', `no reply from ${ex.host}:${ex.port} within ${timeoutMs} ms`));
}

function finish(socket: ExchangeSocket, result: MinerResult<string>): void {
  const ex = socket.exchange;
  const resolve = ex.resolve;
  if (resolve === null) return;
  ex.resolve = null;
  if (ex.timer !== undefined) clearTimeout(ex.timer);
  ex.timer = undefined;
  socket.destroy();
  resolve(result);
}

/** The chunks kept so far and, when `tail` > 0, the first `tail` bytes of the read buffer, as UTF-8. */
function decode(ex: Exchange, tail: number): string {
  if (ex.chunks.length === 0) return readBuffer.toString('utf8', 0, tail);
  if (tail > 0) ex.chunks.push(readBuffer.subarray(0, tail));
  const text = Buffer.concat(ex.chunks).toString('utf8');
  ex.chunks.length = 0;
  return text;
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
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    if (text.trim() === '') return fail('garbage', `${host}:${port} closed the connection without a reply`);
    return fail('garbage', `${host}:${port} sent a reply that is not JSON (${text.length} bytes)`);
  }
}
