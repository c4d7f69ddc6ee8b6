import type { Server } from 'node:net';
import type { DriverName } from '../../agent/miners/port.ts';
import { serveAntminer } from './antminer.ts';
import { serveBraiins } from './braiins.ts';
import { type FailureMode, FakeMiner } from './fake-miner.ts';
import { serveLuxos } from './luxos.ts';
import { serveWhatsminer } from './whatsminer.ts';

/**
 * Thousands of fake miners on loopback, one listener per miner on its own 127.a.b.c address (consecutive from
 * `firstAddress`), all speaking one vendor's format. A process is limited to 20,000 descriptors here, so a fleet
 * larger than that is split over processes by `firstIndex` and `count`.
 */
export const VENDOR_PORTS: Readonly<Record<DriverName, number>> = { luxos: 4028, whatsminer: 4028, braiins: 80, antminer: 80 };

export interface FakeFleetOptions {
  readonly driver: DriverName;
  readonly count: number;
  /** The fleet-wide index of the first miner this process serves; its address is firstAddress + firstIndex. */
  readonly firstIndex?: number;
  readonly firstAddress?: string;
  /** Defaults to the vendor's port; 0 gives each miner a free port. */
  readonly port?: number;
  readonly ratedW?: number;
  readonly ratedThs?: number;
  readonly username?: string;
  readonly password?: string;
  readonly effectDelayMs?: number;
  /** Failure per fleet-wide index; absent means healthy. */
  readonly failures?: Readonly<Record<number, FailureMode>>;
  readonly asleep?: boolean;
  /** Listeners opened at once while starting. */
  readonly startConcurrency?: number;
}

export interface FakeFleetMiner {
  readonly index: number;
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly fake: FakeMiner;
}

export interface FakeFleet {
  readonly driver: DriverName;
  readonly miners: readonly FakeFleetMiner[];
  /** The miners as an inventory fragment (the compact range form when the ports are all alike). */
  inventoryFragment(credential: string): unknown;
  close(): Promise<void>;
}

export function addressAt(first: string, offset: number): string {
  const value = first.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0) + offset;
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
}

export async function startFakeFleet(options: FakeFleetOptions): Promise<FakeFleet> {
  const firstIndex = options.firstIndex ?? 0;
  const firstAddress = options.firstAddress ?? '127.1.0.1';
  const port = options.port ?? VENDOR_PORTS[options.driver];
  const ratedW = options.ratedW ?? 3500;
  const servers: Server[] = [];
  const miners: FakeFleetMiner[] = [];
  const start = async (offset: number) => {
    const index = firstIndex + offset;
    const fake = new FakeMiner({
      ratedW,
      ratedThs: options.ratedThs ?? 100,
      username: options.username ?? 'root',
      password: options.password ?? 'root',
      effectDelayMs: options.effectDelayMs ?? 0,
      failure: options.failures?.[index] ?? 'none',
      asleep: options.asleep ?? false,
    });
    const server = serve(options.driver, fake);
    const host = addressAt(firstAddress, index);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, backlog: 64 }, () => resolve());
    });
    const bound = server.address();
    servers.push(server);
    miners[offset] = { index, id: `m${index}`, host, port: typeof bound === 'object' && bound !== null ? bound.port : port, fake };
  };
  const width = options.startConcurrency ?? 256;
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(width, options.count) }, async () => {
        while (next < options.count) await start(next++);
      }),
    );
  } catch (error) {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    throw error;
  }
  return {
    driver: options.driver,
    miners,
    inventoryFragment(credential: string) {
      const samePort = miners.every((miner) => miner.port === port);
      if (samePort && port !== 0) {
        return {
          range: { first: addressAt(firstAddress, firstIndex), count: miners.length, port },
          idPrefix: 'm',
          firstId: firstIndex,
          driver: options.driver,
          credential,
          ratedW,
        };
      }
      return miners.map((miner) => ({ id: miner.id, address: `${miner.host}:${miner.port}`, driver: options.driver, credential, ratedW }));
    },
    close: () => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined),
  };
}

function serve(driver: DriverName, fake: FakeMiner): Server {
  switch (driver) {
    case 'luxos':
      return serveLuxos(fake);
    case 'whatsminer':
      return serveWhatsminer(fake);
    case 'braiins':
      return serveBraiins(fake);
    case 'antminer':
      return serveAntminer(fake);
  }
}
