/**
 * One port for miner drivers. Every call takes a per-call timeout and resolves to a typed result: a driver never
 * throws and never rejects. Error messages are built from what the miner said, never from the credential, so a
 * result can be logged as it is.
 */

export const DRIVER_NAMES = ['luxos', 'braiins', 'whatsminer', 'antminer'] as const;
export type DriverName = (typeof DRIVER_NAMES)[number];

/** A secret resolved from the inventory's credential reference. Kept out of JSON and inspection output. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toJSON(): string {
    return '[secret]';
  }
  toString(): string {
    return '[secret]';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[secret]';
  }
}

export interface MinerCredential {
  readonly username: string;
  readonly password: Secret;
}

export interface Miner {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly driver: DriverName;
  /** LuxOS needs none (its API uses sessions, not passwords). */
  readonly credential?: MinerCredential;
  readonly ratedW: number;
}

export type MinerMode = 'running' | 'asleep';

export interface MinerState {
  readonly mode: MinerMode;
  /** The power target the miner is set to, when the vendor has one. */
  readonly powerTargetW: number | null;
  readonly hashrateThs: number;
  readonly powerW: number;
}

export type MinerErrorKind =
  | 'bad-credentials'
  | 'timeout'
  | 'refused'
  | 'unreachable'
  | 'garbage'
  | 'vendor-error'
  | 'session-busy'
  | 'unsupported';

/** Kinds worth another attempt after a pause: the miner may be rebooting, busy or briefly off the network. */
const RETRYABLE: ReadonlySet<MinerErrorKind> = new Set(['timeout', 'refused', 'unreachable', 'session-busy', 'garbage']);

export interface MinerError {
  readonly kind: MinerErrorKind;
  readonly message: string;
  /** The vendor's own status code, when it sent one. */
  readonly code?: number | string;
  readonly retryable: boolean;
}

export type MinerResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: MinerError };

export function ok<T>(value: T): MinerResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(kind: MinerErrorKind, message: string, code?: number | string): MinerResult<T> {
  const error: MinerError =
    code === undefined ? { kind, message, retryable: RETRYABLE.has(kind) } : { kind, message, code, retryable: RETRYABLE.has(kind) };
  return { ok: false, error };
}

export interface CallOptions {
  /** The whole call, all its round trips included. */
  readonly timeoutMs: number;
}

export interface MinerDriver {
  readonly name: DriverName;
  readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>>;
  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>>;
  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>>;
  /** `unsupported` where the vendor has no power target over this API. */
  setPowerTarget(miner: Miner, watts: number, options: CallOptions): Promise<MinerResult<void>>;
  /** Gives back what the driver holds on the miners (LuxOS sessions), within the timeout; never rejects. */
  close?(options: CallOptions): Promise<void>;
}

export type DriverRegistry = Readonly<Record<DriverName, MinerDriver>>;

/** A deadline shared by every round trip of one call. */
export class Deadline {
  readonly at: number;
  constructor(timeoutMs: number, now: number = Date.now()) {
    this.at = now + timeoutMs;
  }
  remaining(): number {
    return Math.max(0, this.at - Date.now());
  }
}
