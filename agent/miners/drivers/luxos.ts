import { type CallOptions, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { parseJson, tcpRequest } from '../transport/tcp.ts';

/**
 * LuxOS (LUXminer) API: TCP 4028, cgminer-style JSON, one request per connection, replies possibly NUL-terminated.
 *
 * Writes need a session: `logon` → `SESSION[0].SessionID`, the id first in the privileged command's parameter. A
 * session stays valid across commands until it has gone unused for the firmware's idle timeout (a minute by default)
 * or the miner reboots, so this driver keeps one per miner, as fleet tools do: a curtail is one connection while the
 * session lives (two, logon and curtail, once it has gone idle past the timeout), and a command refused with "Invalid
 * session id" (expired sooner, rebooted) logs on again and is sent once more. Sessions are logged off by `close()`
 * when the agent stops, so a restart (or another actor) can log on; with a session store they are also kept on disk
 * as they are taken, so that an agent restarted after a crash goes on with them instead of meeting a 402 on every
 * miner until they expire.
 *
 * Only one session may exist; `logon` answers STATUS `E` with Code 402 ("Another session is active") while another
 * actor holds one. Luxor's session docs say to stop and try again a bit later rather than take the other actor's
 * session over, so this driver does not call `session` to borrow the id or `kill`: it reports `session-busy`, which is
 * retryable, and the fleet executor retries it with backoff.
 *
 * A read is one connection too: `config+summary+power` joined, cgminer-style, each reply under its command's name. A
 * miner that refuses the joined form is read with three requests from then on. Reads are most of what an agent does
 * (every miner once a minute), so that path builds nothing beyond the parsed reply (JSON.parse of a LUXminer reply
 * costs a few µs, against a hundred or so for the connection it came on).
 */
export const LUXOS_PORT = 4028;
export const LUXOS_SESSION_BUSY = 402;
const READS = ['config', 'summary', 'power'] as const;
const JOINED_READ = JSON.stringify({ command: READS.join('+') });
const SINGLE_READS = READS.map((command) => JSON.stringify({ command }));

interface LuxStatus {
  readonly STATUS: string;
  readonly Code?: number;
  readonly Msg?: string;
}

type LuxReply = Record<string, unknown> & { STATUS: LuxStatus[] };

export interface HeldSession {
  readonly id: string;
  /** When the session was last used (epoch ms). */
  usedAtMs: number;
}

/** Where the sessions held are kept across a restart (agent/luxos-sessions.ts keeps them in the state directory). */
export interface LuxosSessionStore {
  /** The sessions kept, by miner address (`host:port`). */
  load(): Map<string, HeldSession>;
  /** Takes a copy of `sessions` at once and writes it; resolves once written (or the failure logged), never rejects. */
  save(sessions: ReadonlyMap<string, HeldSession>): Promise<void>;
}

export interface LuxosDriverOptions {
  /**
   * The firmware's session idle timeout: a session unused this long is taken as expired and a new one logged on
   * (saving the round trip the miner would refuse). Defaults to LuxOS's minute.
   */
  readonly sessionIdleMs?: number;
  /** Sessions logged off at once by `close()`. */
  readonly closeConcurrency?: number;
  readonly now?: () => number;
  /** Sessions kept across restarts: loaded now, written after each logon, expiry and logoff (at most every `saveDelayMs`). */
  readonly sessionStore?: LuxosSessionStore;
  readonly saveDelayMs?: number;
}

export class LuxosDriver implements MinerDriver {
  readonly name = 'luxos' as const;
  /** The live session per miner (host:port), as far as this driver knows. */
  readonly #sessions: Map<string, HeldSession>;
  /** Miners that answered the joined read with an error: read one command at a time. */
  readonly #noJoin = new Set<string>();
  readonly #closeConcurrency: number;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #store: LuxosSessionStore | undefined;
  readonly #saveDelayMs: number;
  #saveTimer: NodeJS.Timeout | undefined;
  #saving: Promise<void> | undefined;
  #saveAgain = false;

  constructor(options: LuxosDriverOptions = {}) {
    this.#closeConcurrency = options.closeConcurrency ?? 256;
    this.#idleMs = options.sessionIdleMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    this.#store = options.sessionStore;
    this.#saveDelayMs = options.saveDelayMs ?? 250;
    this.#sessions = this.#store?.load() ?? new Map();
  }

  /** How many miners this driver holds a session on. */
  get sessions(): number {
    return this.#sessions.size;
  }

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = Date.now() + options.timeoutMs;
    let config: LuxReply | undefined;
    let summary: LuxReply | undefined;
    let power: LuxReply | undefined;
    const joined = this.#noJoin.size === 0 || !this.#noJoin.has(address(miner));
    if (joined) {
      // tcpRequest straight, not through #request: one async step less on the path taken most.
      const text = await tcpRequest(miner.host, miner.port, JOINED_READ, options.timeoutMs);
      if (!text.ok) return text;
      const reply = parseJson(miner.host, miner.port, text.value);
      if (!reply.ok) return reply;
      const value = reply.value as Record<string, unknown> | null;
      if (typeof value !== 'object' || value === null) return fail('garbage', `${address(miner)}: joined read reply has no STATUS`);
      if (Array.isArray(value.STATUS)) {
        // One STATUS for the whole request: the miner refused the joined form (or answered something else).
        const refused = interpret(miner, 'config+summary+power', value);
        if (refused.ok) return fail('garbage', `${address(miner)}: the joined read came back without its sections`);
        if (refused.error.kind !== 'vendor-error') return refused;
        this.#noJoin.add(address(miner));
      } else {
        // Named property reads: each site sees one shape, where a loop over the names would be a megamorphic lookup.
        const c = interpret(miner, 'config', first(value.config));
        if (!c.ok) return c;
        const s = interpret(miner, 'summary', first(value.summary));
        if (!s.ok) return s;
        const p = interpret(miner, 'power', first(value.power));
        if (!p.ok) return p;
        [config, summary, power] = [c.value, s.value, p.value];
      }
    }
    if (config === undefined) {
      const parts: LuxReply[] = [];
      for (const [i, name] of READS.entries()) {
        const reply = await this.#command(miner, name, SINGLE_READS[i]!, deadline);
        if (!reply.ok) return reply;
        parts.push(reply.value);
      }
      [config, summary, power] = parts;
    }
    const curtail = (first(config!.CONFIG) as { CurtailMode?: unknown } | undefined)?.CurtailMode;
    const ghs = (first(summary!.SUMMARY) as { 'GHS 5s'?: unknown } | undefined)?.['GHS 5s'];
    const watts = (first(power!.POWER) as { Watts?: unknown } | undefined)?.Watts;
    if (typeof curtail !== 'string' || typeof ghs !== 'number' || typeof watts !== 'number') {
      return fail('garbage', `${address(miner)} sent config/summary/power without CurtailMode, GHS 5s or Watts`);
    }
    return ok(stateOf(curtail, ghs, watts));
  }

  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.#curtail(miner, 'sleep', options);
  }

  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.#curtail(miner, 'wakeup', options);
  }

  async setPowerTarget(miner: Miner): Promise<MinerResult<void>> {
    // LuxOS steers power through frequency profiles (`profileset`), not a watt target on this API.
    return fail('unsupported', `${address(miner)}: LuxOS sets profiles, not a power target`);
  }

  /**
   * Logs off every session held, a bounded number at once, within `timeoutMs` in all. A session that could not be
   * logged off (the miner did not answer in time) stays in the store, for the next start to go on with.
   */
  async close(options: CallOptions): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    const held = [...this.#sessions];
    let next = 0;
    const worker = async () => {
      while (next < held.length && Date.now() < deadline) {
        const [key, session] = held[next++]!;
        const [host, port] = splitKey(key);
        const loggedOff = await this.#command(
          { host, port },
          'logoff',
          JSON.stringify({ command: 'logoff', parameter: session.id }),
          deadline,
        );
        // Logged off, or refused as unknown (expired, rebooted): either way the miner holds it no more.
        if (loggedOff.ok || loggedOff.error.kind === 'bad-credentials') {
          if (this.#sessions.get(key) === session) this.#sessions.delete(key);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#closeConcurrency, held.length) }, worker));
    clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    if (this.#store !== undefined) await this.#save();
  }

  async #curtail(miner: Miner, action: 'sleep' | 'wakeup', options: CallOptions): Promise<MinerResult<void>> {
    const deadline = Date.now() + options.timeoutMs;
    const key = address(miner);
    const held = this.#sessions.get(key);
    if (held !== undefined && this.#now() - held.usedAtMs < this.#idleMs) {
      const curtailed = await this.#withSession(miner, key, held, action, deadline);
      if (curtailed.ok || curtailed.error.kind !== 'bad-credentials') return curtailed;
      // Refused: expired sooner than we counted, or dropped by a reboot. A new session, and the command once more.
    }
    const logon = await this.#command(miner, 'logon', LOGON, deadline);
    if (!logon.ok) {
      // 402 while we hold a session we counted as expired: it may still be ours (a longer firmware timeout, or one
      // kept from before a restart).
      if (logon.error.kind === 'session-busy' && held !== undefined && this.#sessions.get(key) === held) {
        const curtailed = await this.#withSession(miner, key, held, action, deadline);
        if (curtailed.ok || curtailed.error.kind !== 'bad-credentials') return curtailed;
      }
      return logon;
    }
    const sessionId = section(logon.value, 'SESSION')?.SessionID;
    if (typeof sessionId !== 'string' || sessionId === '') return fail('garbage', `${key}: logon without a SessionID`);
    // A fresh session refused is a miner that will not take our commands: bad-credentials, not tried again.
    return this.#withSession(miner, key, { id: sessionId, usedAtMs: this.#now() }, action, deadline);
  }

  /** The curtail with a session: kept while the miner honours it, forgotten once it says the id is invalid. */
  async #withSession(miner: Miner, key: string, session: HeldSession, action: string, deadline: number): Promise<MinerResult<void>> {
    if (this.#sessions.get(key) !== session) {
      this.#sessions.set(key, session);
      this.#scheduleSave();
    }
    const request = JSON.stringify({ command: 'curtail', parameter: `${session.id},${action}` });
    const curtailed = await this.#command(miner, 'curtail', request, deadline);
    if (curtailed.ok) {
      session.usedAtMs = this.#now();
      return ok(undefined);
    }
    if (curtailed.error.kind === 'bad-credentials' && this.#sessions.get(key) === session) {
      this.#sessions.delete(key);
      this.#scheduleSave();
    }
    return curtailed;
  }

  async #command(miner: Pick<Miner, 'host' | 'port'>, command: string, request: string, deadline: number): Promise<MinerResult<LuxReply>> {
    const json = await this.#request(miner, command, request, deadline);
    return json.ok ? interpret(miner, command, json.value) : json;
  }

  /** `command` names the request in errors (the request itself may carry a session id). */
  async #request(miner: Pick<Miner, 'host' | 'port'>, command: string, request: string, deadline: number): Promise<MinerResult<unknown>> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) return fail('timeout', `${address(miner)}: out of time before ${command}`);
    const text = await tcpRequest(miner.host, miner.port, request, remaining);
    return text.ok ? parseJson(miner.host, miner.port, text.value) : text;
  }

  /** Writes the sessions a little later, so that a fleet's logons make a few writes rather than one each. */
  #scheduleSave(): void {
    if (this.#store === undefined || this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#save();
    }, this.#saveDelayMs);
    this.#saveTimer.unref();
  }

  /** One write at a time; a save asked for meanwhile writes again once it is done. */
  #save(): Promise<void> {
    if (this.#saving !== undefined) {
      this.#saveAgain = true;
      return this.#saving;
    }
    this.#saving = (async () => {
      do {
        this.#saveAgain = false;
        await this.#store!.save(this.#sessions);
      } while (this.#saveAgain);
    })().finally(() => {
      this.#saving = undefined;
    });
    return this.#saving;
  }
}

const LOGON = JSON.stringify({ command: 'logon' });

function address(miner: Pick<Miner, 'host' | 'port'>): string {
  return `${miner.host}:${miner.port}`;
}

function interpret(miner: Pick<Miner, 'host' | 'port'>, command: string, reply: unknown): MinerResult<LuxReply> {
  if (typeof reply !== 'object' || reply === null || !Array.isArray((reply as LuxReply).STATUS)) {
    return fail('garbage', `${address(miner)}: ${command} reply has no STATUS`);
  }
  const status = (reply as LuxReply).STATUS[0];
  if (status === undefined || typeof status.STATUS !== 'string')
    return fail('garbage', `${address(miner)}: ${command} reply has an empty STATUS`);
  if (status.STATUS === 'S' || status.STATUS === 'I') return ok(reply as LuxReply);
  const message = `${address(miner)}: ${command} answered ${status.STATUS} ${status.Code ?? ''} ${status.Msg ?? ''}`.trimEnd();
  if (status.Code === LUXOS_SESSION_BUSY) return fail('session-busy', message, status.Code);
  if (/session/i.test(status.Msg ?? '')) return fail('bad-credentials', message, status.Code);
  return fail('vendor-error', message, status.Code);
}

function stateOf(curtailMode: string, ghs5s: number, watts: number): MinerState {
  const mode = curtailMode === 'None' ? 'running' : curtailMode.toLowerCase() === 'sleep' ? 'asleep' : 'running';
  return { mode, powerTargetW: null, hashrateThs: ghs5s / 1000, powerW: watts };
}

/** The first element of a cgminer section (an array of one object), or undefined. */
function first(value: unknown): unknown {
  return Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null ? value[0] : undefined;
}

function section(reply: LuxReply, name: string): Record<string, unknown> | undefined {
  const value = reply[name];
  return Array.isArray(value) && typeof value[0] === 'object' && value[0] !== null ? (value[0] as Record<string, unknown>) : undefined;
}

function splitKey(key: string): [string, number] {
  const colon = key.lastIndexOf(':');
  return [key.slice(0, colon), Number(key.slice(colon + 1))];
}
