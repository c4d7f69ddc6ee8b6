import { type CallOptions, Deadline, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { parseJson, tcpRequest } from '../transport/tcp.ts';

/**
 * LuxOS (LUXminer) API: TCP 4028, cgminer-style JSON, one request per connection, replies possibly NUL-terminated.
 *
 * Writes need a session: `logon` → `SESSION[0].SessionID`, the id first in the privileged command's parameter. A
 * session stays valid across commands until it has gone unused for the firmware's idle timeout (a minute by default)
 * or the miner reboots, so this driver keeps one per miner, as fleet tools do: a curtail is one connection while the
 * session lives (two, logon and curtail, once it has gone idle past the timeout), and a command refused with "Invalid
 * session id" (expired sooner, rebooted) logs on again and is sent once more. Sessions are logged off by `close()` when the agent stops, so a restart (or another actor) can log on.
 *
 * Only one session may exist; `logon` answers STATUS `E` with Code 402 ("Another session is active") while another
 * actor holds one. Luxor's session docs say to stop and try again a bit later rather than take the other actor's
 * session over, so this driver does not call `session` to borrow the id or `kill`: it reports `session-busy`, which is
 * retryable, and the fleet executor retries it with backoff.
 *
 * A read is one connection too: `config+summary+power` joined, cgminer-style, each reply under its command's name. A
 * miner that refuses the joined form is read with three requests from then on.
 */
export const LUXOS_PORT = 4028;
export const LUXOS_SESSION_BUSY = 402;
const READS = ['config', 'summary', 'power'] as const;

interface LuxStatus {
  readonly STATUS: string;
  readonly Code?: number;
  readonly Msg?: string;
}

type LuxReply = Record<string, unknown> & { STATUS: LuxStatus[] };

export interface LuxosDriverOptions {
  /**
   * The firmware's session idle timeout: a session unused this long is taken as expired and a new one logged on
   * (saving the round trip the miner would refuse). Defaults to LuxOS's minute.
   */
  readonly sessionIdleMs?: number;
  /** Sessions logged off at once by `close()`. */
  readonly closeConcurrency?: number;
  readonly now?: () => number;
}

interface HeldSession {
  readonly id: string;
  usedAtMs: number;
}

export class LuxosDriver implements MinerDriver {
  readonly name = 'luxos' as const;
  /** The live session per miner (host:port), as far as this driver knows. */
  readonly #sessions = new Map<string, HeldSession>();
  /** Miners that answered the joined read with an error: read one command at a time. */
  readonly #noJoin = new Set<string>();
  readonly #closeConcurrency: number;
  readonly #idleMs: number;
  readonly #now: () => number;

  constructor(options: LuxosDriverOptions = {}) {
    this.#closeConcurrency = options.closeConcurrency ?? 256;
    this.#idleMs = options.sessionIdleMs ?? 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many miners this driver holds a session on. */
  get sessions(): number {
    return this.#sessions.size;
  }

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = new Deadline(options.timeoutMs);
    const replies = await this.#reads(miner, deadline);
    if (!replies.ok) return replies;
    const [config, summary, power] = replies.value;
    const curtail = section(config, 'CONFIG')?.CurtailMode;
    const ghs = section(summary, 'SUMMARY')?.['GHS 5s'];
    const watts = section(power, 'POWER')?.Watts;
    if (typeof curtail !== 'string' || typeof ghs !== 'number' || typeof watts !== 'number') {
      return fail('garbage', `${miner.host}:${miner.port} sent config/summary/power without CurtailMode, GHS 5s or Watts`);
    }
    const mode = curtail.toLowerCase() === 'sleep' ? 'asleep' : 'running';
    return ok({ mode, powerTargetW: null, hashrateThs: ghs / 1000, powerW: watts });
  }

  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.#curtail(miner, 'sleep', options);
  }

  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.#curtail(miner, 'wakeup', options);
  }

  async setPowerTarget(miner: Miner): Promise<MinerResult<void>> {
    // LuxOS steers power through frequency profiles (`profileset`), not a watt target on this API.
    return fail('unsupported', `${miner.host}:${miner.port}: LuxOS sets profiles, not a power target`);
  }

  /** Logs off every session held, a bounded number at once, within `timeoutMs` in all. */
  async close(options: CallOptions): Promise<void> {
    const deadline = new Deadline(options.timeoutMs);
    const held = [...this.#sessions];
    this.#sessions.clear();
    let next = 0;
    const worker = async () => {
      while (next < held.length && deadline.remaining() > 0) {
        const [key, session] = held[next++]!;
        const [host, port] = splitKey(key);
        // A failed logoff only leaves a session that expires by itself.
        await this.#command({ host, port }, 'logoff', session.id, deadline);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#closeConcurrency, held.length) }, worker));
  }

  async #curtail(miner: Miner, action: 'sleep' | 'wakeup', options: CallOptions): Promise<MinerResult<void>> {
    const deadline = new Deadline(options.timeoutMs);
    const key = `${miner.host}:${miner.port}`;
    const held = this.#sessions.get(key);
    if (held !== undefined && this.#now() - held.usedAtMs < this.#idleMs) {
      const curtailed = await this.#withSession(miner, key, held, action, deadline);
      if (curtailed.ok || curtailed.error.kind !== 'bad-credentials') return curtailed;
      // Refused: expired sooner than we counted, or dropped by a reboot. A new session, and the command once more.
    }
    const logon = await this.#command(miner, 'logon', undefined, deadline);
    if (!logon.ok) {
      // 402 while we hold a session we counted as expired: it may still be ours (a longer firmware timeout).
      if (logon.error.kind === 'session-busy' && held !== undefined && this.#sessions.get(key) === held) {
        const curtailed = await this.#withSession(miner, key, held, action, deadline);
        if (curtailed.ok || curtailed.error.kind !== 'bad-credentials') return curtailed;
      }
      return logon;
    }
    const sessionId = section(logon.value, 'SESSION')?.SessionID;
    if (typeof sessionId !== 'string' || sessionId === '') return fail('garbage', `${miner.host}:${miner.port}: logon without a SessionID`);
    // A fresh session refused is a miner that will not take our commands: bad-credentials, not tried again.
    return this.#withSession(miner, key, { id: sessionId, usedAtMs: this.#now() }, action, deadline);
  }

  /** The curtail with a session: kept while the miner honours it, forgotten once it says the id is invalid. */
  async #withSession(miner: Miner, key: string, session: HeldSession, action: string, deadline: Deadline): Promise<MinerResult<void>> {
    this.#sessions.set(key, session);
    const curtailed = await this.#command(miner, 'curtail', `${session.id},${action}`, deadline);
    if (curtailed.ok) {
      session.usedAtMs = this.#now();
      return ok(undefined);
    }
    if (curtailed.error.kind === 'bad-credentials' && this.#sessions.get(key) === session) this.#sessions.delete(key);
    return curtailed;
  }

  async #reads(miner: Miner, deadline: Deadline): Promise<MinerResult<[LuxReply, LuxReply, LuxReply]>> {
    const key = `${miner.host}:${miner.port}`;
    if (!this.#noJoin.has(key)) {
      const joined = await this.#request(miner, READS.join('+'), undefined, deadline);
      if (!joined.ok) return joined;
      const reply = joined.value as Record<string, unknown>;
      if (!(typeof reply === 'object' && reply !== null && Array.isArray(reply.STATUS))) {
        const parts = READS.map((name) => (Array.isArray(reply?.[name]) ? (reply[name] as unknown[])[0] : undefined));
        const checked: LuxReply[] = [];
        for (const [i, part] of parts.entries()) {
          const one = interpret(miner, READS[i]!, part);
          if (!one.ok) return one;
          checked.push(one.value);
        }
        return ok(checked as [LuxReply, LuxReply, LuxReply]);
      }
      const refused = interpret(miner, READS.join('+'), reply);
      if (refused.ok) return fail('garbage', `${miner.host}:${miner.port}: the joined read came back without its sections`);
      if (refused.error.kind !== 'vendor-error') return refused;
      this.#noJoin.add(key);
    }
    const replies: LuxReply[] = [];
    for (const name of READS) {
      const reply = await this.#command(miner, name, undefined, deadline);
      if (!reply.ok) return reply;
      replies.push(reply.value);
    }
    return ok(replies as [LuxReply, LuxReply, LuxReply]);
  }

  async #command(
    miner: Pick<Miner, 'host' | 'port'>,
    command: string,
    parameter: string | undefined,
    deadline: Deadline,
  ): Promise<MinerResult<LuxReply>> {
    const json = await this.#request(miner, command, parameter, deadline);
    return json.ok ? interpret(miner, command, json.value) : json;
  }

  async #request(
    miner: Pick<Miner, 'host' | 'port'>,
    command: string,
    parameter: string | undefined,
    deadline: Deadline,
  ): Promise<MinerResult<unknown>> {
    const remaining = deadline.remaining();
    if (remaining === 0) return fail('timeout', `${miner.host}:${miner.port}: out of time before ${command}`);
    const request = JSON.stringify(parameter === undefined ? { command } : { command, parameter });
    const text = await tcpRequest(miner.host, miner.port, request, remaining);
    return text.ok ? parseJson(miner.host, miner.port, text.value) : text;
  }
}

function interpret(miner: Pick<Miner, 'host' | 'port'>, command: string, reply: unknown): MinerResult<LuxReply> {
  const where = `${miner.host}:${miner.port}`;
  if (typeof reply !== 'object' || reply === null || !Array.isArray((reply as LuxReply).STATUS)) {
    return fail('garbage', `${where}: ${command} reply has no STATUS`);
  }
  const status = (reply as LuxReply).STATUS[0];
  if (status === undefined || typeof status.STATUS !== 'string') return fail('garbage', `${where}: ${command} reply has an empty STATUS`);
  if (status.STATUS === 'S' || status.STATUS === 'I') return ok(reply as LuxReply);
  const message = `${where}: ${command} answered ${status.STATUS} ${status.Code ?? ''} ${status.Msg ?? ''}`.trimEnd();
  if (status.Code === LUXOS_SESSION_BUSY) return fail('session-busy', message, status.Code);
  if (/session/i.test(status.Msg ?? '')) return fail('bad-credentials', message, status.Code);
  return fail('vendor-error', message, status.Code);
}

function section(reply: LuxReply, name: string): Record<string, unknown> | undefined {
  const value = reply[name];
  return Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null ? (value[0] as Record<string, unknown>) : undefined;
}

function splitKey(key: string): [string, number] {
  const colon = key.lastIndexOf(':');
  return [key.slice(0, colon), Number(key.slice(colon + 1))];
}
