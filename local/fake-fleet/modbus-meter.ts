/**
 * A loopback Modbus TCP server that plays a site meter and a QSE RTU: holding and input registers a test (or the
 * demo) sets by value, in the register's type, word order and scale, and the failures a real device shows — no
 * answer, a dropped connection, an exception (illegal address outside the register table, illegal function).
 *
 * It speaks the bytes itself (MBAP header + PDU, function codes 3 and 4) rather than through the client's library,
 * so the adapter's tests prove that the library talks to an independent implementation of the protocol.
 */

import type { AddressInfo } from 'node:net';
import net from 'node:net';

export type RegisterTable = 'holding' | 'input';
export type RegisterType = 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32';

/** How a value sits in the registers: the inventory's register map entry, less what only the agent needs. */
export interface RegisterSpec {
  address: number;
  table: RegisterTable;
  type: RegisterType;
  /** Raw value × scale = the value in its unit. Default 1. */
  scale?: number;
  /** Default big (high word first). Bytes inside a word are always big-endian, as Modbus sends them. */
  wordOrder?: 'big' | 'little';
}

/** `silent`: reads the request, never answers. `drop`: closes the connection on the next request. */
export type MeterFailure = 'none' | 'silent' | 'drop';

export interface FakeModbusMeter {
  readonly host: string;
  readonly port: number;
  /** `host:port`, as the inventory writes it. */
  readonly address: string;
  /** Sets a value in the register's unit (e.g. MW), encoded by its type, scale and word order. */
  set(spec: RegisterSpec, value: number): void;
  /** Sets raw 16-bit words from `address` on. */
  setWords(table: RegisterTable, address: number, words: readonly number[]): void;
  failure: MeterFailure;
  /** Requests received, all connections together. */
  readonly requests: number;
  /** Connections accepted so far. */
  readonly connections: number;
  close(): Promise<void>;
}

export interface FakeModbusMeterOptions {
  host?: string;
  /** 0 (default): any free port. */
  port?: number;
  /** The unit id the device answers to; others get exception 0x0B (gateway target failed to respond). */
  unitId?: number;
  /** Registers 0 … registerCount-1 exist in each table; a read past them is exception 0x02. Default 1,000. */
  registerCount?: number;
}

const READ_HOLDING = 0x03;
const READ_INPUT = 0x04;
const ILLEGAL_FUNCTION = 0x01;
const ILLEGAL_DATA_ADDRESS = 0x02;
const ILLEGAL_DATA_VALUE = 0x03;
const GATEWAY_TARGET_FAILED = 0x0b;

/** The 16-bit words of a value, high word first unless the word order is little. */
export function encodeWords(spec: RegisterSpec, value: number): number[] {
  const raw = value / (spec.scale ?? 1);
  const bytes = Buffer.alloc(spec.type.endsWith('16') ? 2 : 4);
  const integer = Math.round(raw);
  switch (spec.type) {
    case 'uint16':
      bytes.writeUInt16BE(integer);
      break;
    case 'int16':
      bytes.writeInt16BE(integer);
      break;
    case 'uint32':
      bytes.writeUInt32BE(integer);
      break;
    case 'int32':
      bytes.writeInt32BE(integer);
      break;
    case 'float32':
      bytes.writeFloatBE(raw);
      break;
  }
  const words = [];
  for (let i = 0; i < bytes.length; i += 2) words.push(bytes.readUInt16BE(i));
  return spec.wordOrder === 'little' ? words.reverse() : words;
}

export async function startModbusMeter(options: FakeModbusMeterOptions = {}): Promise<FakeModbusMeter> {
  const unitId = options.unitId ?? 1;
  const registerCount = options.registerCount ?? 1_000;
  const tables: Record<RegisterTable, Uint16Array> = { holding: new Uint16Array(registerCount), input: new Uint16Array(registerCount) };
  const sockets = new Set<net.Socket>();
  let requests = 0;
  let connections = 0;

  const meter = {
    failure: 'none' as MeterFailure,
    get requests() {
      return requests;
    },
    get connections() {
      return connections;
    },
  };

  /** One PDU in, one PDU out (or null: no answer). */
  const answer = (unit: number, pdu: Buffer): Buffer => {
    const fc = pdu.readUInt8(0);
    const exception = (code: number) => Buffer.from([fc | 0x80, code]);
    if (unit !== unitId) return exception(GATEWAY_TARGET_FAILED);
    if (fc !== READ_HOLDING && fc !== READ_INPUT) return exception(ILLEGAL_FUNCTION);
    if (pdu.length < 5) return exception(ILLEGAL_DATA_VALUE);
    const start = pdu.readUInt16BE(1);
    const count = pdu.readUInt16BE(3);
    if (count < 1 || count > 125) return exception(ILLEGAL_DATA_VALUE);
    if (start + count > registerCount) return exception(ILLEGAL_DATA_ADDRESS);
    const table = tables[fc === READ_HOLDING ? 'holding' : 'input'];
    const out = Buffer.alloc(2 + count * 2);
    out.writeUInt8(fc, 0);
    out.writeUInt8(count * 2, 1);
    for (let i = 0; i < count; i += 1) out.writeUInt16BE(table[start + i]!, 2 + i * 2);
    return out;
  };

  const server = net.createServer((socket) => {
    connections += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      // MBAP: transaction id (2), protocol id 0 (2), length of what follows (2), unit id (1); then the PDU.
      while (buffer.length >= 7) {
        const length = buffer.readUInt16BE(4);
        if (buffer.readUInt16BE(2) !== 0 || length < 2 || length > 254) return void socket.destroy();
        if (buffer.length < 6 + length) return;
        const frame = buffer.subarray(0, 6 + length);
        buffer = buffer.subarray(6 + length);
        requests += 1;
        if (meter.failure === 'silent') continue;
        if (meter.failure === 'drop') return void socket.destroy();
        const pdu = answer(frame.readUInt8(6), frame.subarray(7));
        const header = Buffer.alloc(7);
        header.writeUInt16BE(frame.readUInt16BE(0), 0);
        header.writeUInt16BE(0, 2);
        header.writeUInt16BE(pdu.length + 1, 4);
        header.writeUInt8(frame.readUInt8(6), 6);
        socket.write(Buffer.concat([header, pdu]));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { address: host, port } = server.address() as AddressInfo;

  const setWords = (table: RegisterTable, address: number, words: readonly number[]) => {
    if (address + words.length > registerCount)
      throw new RangeError(`register ${address + words.length - 1} is past the table (${registerCount})`);
    words.forEach((word, i) => {
      tables[table][address + i] = word;
    });
  };

  return Object.assign(meter, {
    host,
    port,
    address: `${host}:${port}`,
    set: (spec: RegisterSpec, value: number) => setWords(spec.table, spec.address, encodeWords(spec, value)),
    setWords,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  });
}
