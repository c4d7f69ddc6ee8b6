/**
 * The site's meters and the QSE's base point over Modbus TCP, read with jsmodbus (its TCP client speaks the MBAP
 * framing; this file adds what a site needs around it): one connection per device, opened when first needed and
 * opened again after it drops; a timeout per request; values decoded by the inventory's register map (holding or
 * input table, uint16 / int16 / uint32 / int32 / float32, word order, scale, unit) into MW; every failure a
 * MeterError naming the device and the register.
 */
import net from 'node:net';
import { ModbusTCPClient } from 'jsmodbus';
import type { InventorySite } from '../inventory.ts';
import { type AgentClock, type BasePointSource, MeterError, type MeterReading, type SiteMeters } from '../ports.ts';

export type RegisterMap = InventorySite['meters']['aiLoad'];
type Device = { address: string; unitId: number };

export interface ModbusOptions {
  /** Per request, the connection's opening included. Default 2 s. */
  timeoutMs?: number;
  clock?: AgentClock;
}

const DEFAULT_TIMEOUT_MS = 2_000;
const systemClock: AgentClock = { nowMs: () => Date.now() };
const TO_MW = { W: 1e-6, kW: 1e-3, MW: 1 } as const;

/** `aiLoad (holding register 100)`: the name a reader finds in the inventory, and the register as the device lists it. */
export function registerLabel(name: string, reg: RegisterMap): string {
  return `${name} (${reg.table} register ${reg.address})`;
}

export const registerWords = (reg: Pick<RegisterMap, 'type'>): 1 | 2 => (reg.type.endsWith('16') ? 1 : 2);

/**
 * The register's value in MW, from the registers' bytes as the device sent them (big-endian words). For 32-bit types
 * `wordOrder: little` means the low word comes first, as many meters send it; the bytes inside each word stay as sent.
 */
export function decodeRegister(bytes: Buffer, reg: RegisterMap): number {
  const words = registerWords(reg);
  if (bytes.length < words * 2) throw new RangeError(`expected ${words * 2} bytes, got ${bytes.length}`);
  let view = bytes.subarray(0, words * 2);
  if (words === 2 && reg.wordOrder === 'little') view = Buffer.concat([view.subarray(2, 4), view.subarray(0, 2)]);
  const raw = {
    uint16: () => view.readUInt16BE(0),
    int16: () => view.readInt16BE(0),
    uint32: () => view.readUInt32BE(0),
    int32: () => view.readInt32BE(0),
    float32: () => view.readFloatBE(0),
  }[reg.type]();
  return raw * reg.scale * TO_MW[reg.unit];
}

/**
 * One Modbus TCP device. Requests go one at a time (jsmodbus queues them). After a timeout the connection is closed,
 * so that a late answer is never taken for the next request's; the next read opens a new one.
 */
export class ModbusDevice {
  private client: ModbusTCPClient | null = null;
  private socket: net.Socket | null = null;
  private opening: Promise<ModbusTCPClient> | null = null;
  private closed = false;
  readonly label: string;
  private readonly host: string;
  private readonly port: number;

  constructor(
    name: string,
    private readonly device: Device,
    private readonly timeoutMs: number,
  ) {
    const split = device.address.lastIndexOf(':');
    this.host = device.address.slice(0, split);
    this.port = Number(device.address.slice(split + 1));
    this.label = `${name} ${device.address} unit ${device.unitId}`;
  }

  /** The register's value in MW. */
  async read(name: string, reg: RegisterMap): Promise<number> {
    const register = registerLabel(name, reg);
    const fail = (message: string) => new MeterError(this.label, register, message);
    if (this.closed) throw fail('the reader is closed');
    const client = await this.connect().catch((err: Error) => {
      throw fail(err.message);
    });
    const words = registerWords(reg);
    let bytes: Buffer;
    try {
      const request =
        reg.table === 'holding' ? client.readHoldingRegisters(reg.address, words) : client.readInputRegisters(reg.address, words);
      const { response } = await request;
      bytes = response.body.valuesAsBuffer;
    } catch (err) {
      throw fail(this.explain(err));
    }
    if (bytes.length < words * 2) throw fail(`answered ${bytes.length / 2} registers, expected ${words}`);
    const value = decodeRegister(bytes, reg);
    if (!Number.isFinite(value)) throw fail(`the ${reg.type} value is not a number`);
    return value;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.drop();
  }

  /** A library error as a sentence; anything but a Modbus exception closes the connection. */
  private explain(err: unknown): string {
    const e = err as { err?: string; message?: string; response?: { body?: { code?: number; message?: string } } };
    if (e.err === 'ModbusException') {
      const body = e.response?.body;
      return `the device answered exception ${body?.code ?? '?'} (${body?.message ?? 'unknown'})`;
    }
    this.drop();
    if (e.err === 'Timeout') return `no answer within ${this.timeoutMs} ms`;
    if (e.err === 'Offline') return 'the connection closed before the answer';
    return e.message ?? String(err);
  }

  private connect(): Promise<ModbusTCPClient> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= new Promise<ModbusTCPClient>((resolve, reject) => {
      const socket = new net.Socket();
      const client = new ModbusTCPClient(socket, this.device.unitId, this.timeoutMs);
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`cannot connect within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        this.client = client;
        resolve(client);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new Error(`cannot connect (${err.code ?? err.message})`));
      });
      // The device may close an idle connection: forget it, so that the next read opens a new one.
      socket.once('close', () => {
        clearTimeout(timer);
        if (this.socket === socket) {
          this.socket = null;
          this.client = null;
        }
      });
      socket.setNoDelay(true);
      socket.connect(this.port, this.host);
    }).finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
    this.client = null;
  }
}

/** The AI tenants' load and the site total, read from the site meter of the inventory. */
export class ModbusSiteMeters implements SiteMeters {
  private readonly device: ModbusDevice;
  private readonly clock: AgentClock;

  constructor(
    private readonly meters: InventorySite['meters'],
    options: ModbusOptions = {},
  ) {
    this.device = new ModbusDevice('meters', meters, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.clock = options.clock ?? systemClock;
  }

  async read(): Promise<MeterReading> {
    const aiLoadMw = await this.device.read('aiLoad', this.meters.aiLoad);
    const siteTotalMw = await this.device.read('siteTotal', this.meters.siteTotal);
    return { atMs: this.clock.nowMs(), aiLoadMw, siteTotalMw };
  }

  close(): Promise<void> {
    return this.device.close();
  }
}

/** A dispatched site's base point, read from the QSE's RTU. */
export class ModbusBasePointSource implements BasePointSource {
  private readonly device: ModbusDevice;
  private readonly clock: AgentClock;

  constructor(
    private readonly qse: NonNullable<InventorySite['qse']>,
    options: ModbusOptions = {},
  ) {
    this.device = new ModbusDevice('qse', qse, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.clock = options.clock ?? systemClock;
  }

  async read(): Promise<{ atMs: number; basePointMw: number }> {
    const basePointMw = await this.device.read('basePoint', this.qse.basePoint);
    return { atMs: this.clock.nowMs(), basePointMw };
  }

  close(): Promise<void> {
    return this.device.close();
  }
}

/** The site's meter readers from its inventory entry; the base point only where the site has a QSE RTU. */
export function modbusInputs(site: InventorySite, options: ModbusOptions = {}): { meters: SiteMeters; basePoint: BasePointSource | null } {
  return {
    meters: new ModbusSiteMeters(site.meters, options),
    basePoint: site.qse ? new ModbusBasePointSource(site.qse, options) : null,
  };
}
