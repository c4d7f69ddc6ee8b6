import net from 'node:net';
import { fail, type MinerResult, ok } from '../port.ts';

const MAX_REPLY_BYTES = 1 << 20;
/** Closed sockets kept for the next exchange; more than this many at once are left to the garbage collector. */
const MAX_SPARE_SOCKETS = 1024;
/** How often the exchanges in flight are checked against their deadlines (a timeout is noticed this much late at most). */
const DEADLINE_SWEEP_MS = 50;

/**
 * One request on one connection, as cgminer-style APIs (LuxOS, Whatsminer) want: write the request, read until the
 * miner closes the connection or sends the NUL that ends a cgminer reply. The text returned has no trailing NUL.
 * A connection that ends before a complete JSON value is a garbage reply (a half-closed socket), not a success.
 *
 * These servers answer a request once it parses, without waiting for the client's end of stream (the clients fleet
 * tools use write the request and read to the end, never half-closing), so the request is written without a FIN, and
 * once the reply is complete the connection is reset rather than closed: no FIN exchange and no TIME_WAIT left on
 * either side for each of the tens of thousands of reads a minute (the reply is complete, nothing is lost by it).
 *
 * An agent reads tens of thousands of miners a minute this way, so an exchange costs as little as Node allows: the
 * `net.Socket` objects are kept once closed and connected again for the next exchange (Node supports reconnecting a
 * socket after its `close`), instead of building a stream, its states and its listeners for every read; every reply
 * is read into one static buffer (`onread`) and decoded from there, instead of Node's 64 KB allocation per read that
 * fragments the native heap under hundreds of concurrent connections; and one sweep checks the deadlines of all the
 * exchanges in flight, instead of a timer set and cleared for each.
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
    exchange.timeoutMs = timeoutMs;
    exchange.deadline = performance.now() + timeoutMs;
    inFlight.add(socket);
    sweep ??= setInterval(sweepDeadlines, DEADLINE_SWEEP_MS).unref();
    try {
      socket.connect(port, host);
    } catch (error) {
      finish(socket, fail('unreachable', `${host}:${port} unreachable (${(error as NodeJS.ErrnoException).code ?? 'bad address'})`), false);
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
  timeoutMs: number;
  /** performance.now() past which the exchange has timed out. */
  deadline: number;
}

type ExchangeSocket = net.Socket & { readonly exchange: Exchange };

/** Every reply is read here and decoded (or copied) before the next read can land. */
const readBuffer = Buffer.allocUnsafe(64 * 1024);
const spare: ExchangeSocket[] = [];
/** The exchanges waiting for their result, and the sweep over their deadlines while there are any. */
const inFlight = new Set<ExchangeSocket>();
let sweep: NodeJS.Timeout | undefined;

function newSocket(): ExchangeSocket {
  const exchange: Exchange = { host: '', port: 0, request: '', resolve: null, chunks: [], size: 0, timeoutMs: 0, deadline: 0 };
  // `onread` is read by the Socket constructor itself (net.connect passes its options there); the typings only list it on connect.
  const onread: net.OnReadOpts = { buffer: readBuffer, callback: (n) => onRead(socket, n) };
  // allowHalfOpen: the miner's FIN ends the reply; the exchange then resets the connection instead of answering with a FIN.
  const socket = new net.Socket({ onread, allowHalfOpen: true } as net.SocketConstructorOpts) as ExchangeSocket;
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
  this.write(this.exchange.request);
}

function onEnd(this: ExchangeSocket): void {
  const ex = this.exchange;
  finish(this, ok(ex.chunks.length === 0 ? '' : decode(ex, 0)));
}

function onError(this: ExchangeSocket, error: NodeJS.ErrnoException): void {
  finish(this, socketError(this.exchange.host, this.exchange.port, error), false);
}

function onClose(this: ExchangeSocket): void {
  const ex = this.exchange;
  // Closed without an answer (reset before any byte, say): what was read so far is the reply.
  if (ex.resolve !== null) finish(this, ok(ex.chunks.length === 0 ? '' : decode(ex, 0)), false);
  ex.chunks.length = 0;
  if (spare.length < MAX_SPARE_SOCKETS) spare.push(this);
}

function sweepDeadlines(): void {
  const now = performance.now();
  for (const socket of inFlight) {
    const ex = socket.exchange;
    if (ex.deadline <= now) finish(socket, fail('timeout', `no reply from ${ex.host}:${ex.port} within ${ex.timeoutMs} ms`));
  }
}

/** `reset`: the connection is still open (a complete reply, a timeout), and is reset rather than closed. */
function finish(socket: ExchangeSocket, result: MinerResult<string>, reset = true): void {
  const ex = socket.exchange;
  const resolve = ex.resolve;
  if (resolve === null) return;
  ex.resolve = null;
  inFlight.delete(socket);
  if (inFlight.size === 0 && sweep !== undefined) {
    clearInterval(sweep);
    sweep = undefined;
  }
  // Still connecting: nothing to reset yet. Otherwise the reply is complete (or given up on): reset, no FIN.
  if (!reset || socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
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
