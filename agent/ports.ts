/**
 * What the site agent's control loop needs from the world, as interfaces: the site's meters (and,
 * for dispatched sites, the QSE's base point), the live 5-minute price, and the clock. The adapters
 * (Modbus TCP, ERCOT / PJM public APIs) implement them; the loop and its tests see only these.
 * The miners have their own port (agent/miners/port.ts); the engine's plan and the telemetry go
 * through the HTTP API (agent/cloud.ts).
 */

/** One reading of the site's meters. */
export interface MeterReading {
  /** When the reading was taken (the agent's clock). */
  atMs: number;
  /** The AI tenants' metered load. */
  aiLoadMw: number;
  /** The whole site's draw at the point of interconnection. */
  siteTotalMw: number;
}

export interface SiteMeters {
  /** Reads every configured register; rejects with a MeterError naming the device and register. */
  read(): Promise<MeterReading>;
  close(): Promise<void>;
}

/** Dispatched sites: the QSE's RTU carries the base point SCED set for the site's Controllable Load Resource. */
export interface BasePointSource {
  /** The base point in MW (the load the site must draw), with when it was read. */
  read(): Promise<{ atMs: number; basePointMw: number }>;
  close(): Promise<void>;
}

export class MeterError extends Error {
  override readonly name = 'MeterError';
  constructor(
    /** e.g. `meters 127.0.0.1:5020 unit 1` */
    readonly device: string,
    /** e.g. `aiLoad (holding 40001)` */
    readonly register: string,
    message: string,
  ) {
    super(`${device} ${register}: ${message}`);
  }
}

/** One settlement point's LMP from one SCED run. */
export interface FiveMinutePrice {
  market: string;
  node: string;
  /** The SCED run's timestamp, UTC. */
  scedTimestampMs: number;
  lmpUsdPerMwh: number;
}

export interface FiveMinutePriceFeed {
  /** The newest published SCED LMP for the node, or null when the feed has none (yet). */
  latest(node: string): Promise<FiveMinutePrice | null>;
}

export interface AgentClock {
  nowMs(): number;
}
