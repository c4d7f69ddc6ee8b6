import { type CallOptions, Deadline, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { parseJson, tcpRequest } from '../transport/tcp.ts';
import { decryptEnvelope, deriveToken, encryptEnvelope, type WhatsminerToken } from '../whatsminer-crypto.ts';

/**
 * Whatsminer API v2 (TCP 4028, one JSON request per connection). Reads (`summary`, `status`) are plain; writes
 * (`power_off`, `power_on`, `adjust_power_limit`) carry the token and travel encrypted (see whatsminer-crypto.ts).
 * A token is valid 30 minutes: it is cached per miner for a little less. Code 135 ("check token err") means the
 * miner no longer takes it: fetch a new one once; refused again, the password is wrong.
 */
export const WHATSMINER_PORT = 4028;
const TOKEN_LIFETIME_MS = 29 * 60_000;
const CODE_TOKEN_ERROR = 135;
const CODE_INVALID_JSON = 23;
const CODE_PERMISSION_DENIED = 45;
const CODE_TOKEN_OVER_MAX = 136;
const OK_MESSAGE = 'API command OK';

interface CachedToken extends WhatsminerToken {
  readonly expiresAt: number;
}

interface WmStatus {
  readonly STATUS?: unknown;
  readonly Code?: unknown;
  readonly Msg?: unknown;
}

export class WhatsminerDriver implements MinerDriver {
  readonly name = 'whatsminer' as const;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = new Deadline(options.timeoutMs);
    const status = await this.plain(miner, { cmd: 'status' }, deadline);
    if (!status.ok) return status;
    const summary = await this.plain(miner, { cmd: 'summary' }, deadline);
    if (!summary.ok) return summary;
    const off = field(status.value, 'Msg', 'btmineroff');
    const rows = (summary.value as Record<string, unknown>).SUMMARY;
    const row = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
    const mhs = row?.['MHS 5s'];
    const power = row?.Power;
    const limit = row?.['Power Limit'];
    if (typeof off !== 'string' || typeof mhs !== 'number' || typeof power !== 'number') {
      return fail('garbage', `${miner.host}:${miner.port}: status/summary without btmineroff, MHS 5s or Power`);
    }
    return ok({
      mode: off === 'true' ? 'asleep' : 'running',
      powerTargetW: typeof limit === 'number' ? limit : null,
      hashrateThs: mhs / 1e6,
      powerW: power,
    });
  }

  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.write(miner, { cmd: 'power_off', respbefore: 'true' }, options);
  }

  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.write(miner, { cmd: 'power_on' }, options);
  }

  setPowerTarget(miner: Miner, watts: number, options: CallOptions): Promise<MinerResult<void>> {
    return this.write(miner, { cmd: 'adjust_power_limit', power_limit: String(Math.round(watts)) }, options);
  }

  private async write(miner: Miner, command: Record<string, string>, options: CallOptions): Promise<MinerResult<void>> {
    const deadline = new Deadline(options.timeoutMs);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await this.token(miner, deadline);
      if (!token.ok) return token;
      const sealed = encryptEnvelope(token.value.hostPasswdMd5, JSON.stringify({ ...command, token: token.value.hostSign }));
      const envelope = { enc: 1, data: sealed };
      const reply = await this.send(miner, JSON.stringify(envelope), deadline);
      if (!reply.ok) return reply;
      const decoded = this.open(miner, token.value, reply.value);
      if (!decoded.ok) return decoded;
      const { Code: code, Msg: msg, STATUS: status } = decoded.value;
      if (status === 'S' && msg === OK_MESSAGE) return ok(undefined);
      const message = `${miner.host}:${miner.port}: ${command.cmd} answered ${String(status)} ${String(code)} ${String(msg)}`;
      if (code === CODE_TOKEN_ERROR || code === CODE_INVALID_JSON) {
        this.#tokens.delete(miner.id);
        if (attempt === 0) continue;
        return fail('bad-credentials', message, code);
      }
      if (code === CODE_PERMISSION_DENIED) return fail('bad-credentials', message, code);
      if (code === CODE_TOKEN_OVER_MAX) return fail('session-busy', message, code);
      return fail('vendor-error', message, typeof code === 'number' ? code : undefined);
    }
    return fail('bad-credentials', `${miner.host}:${miner.port}: token refused`);
  }

  /** Writes are answered as {"enc": base64}; errors about the token itself come back in clear. */
  private open(miner: Miner, token: WhatsminerToken, reply: unknown): MinerResult<WmStatus> {
    if (typeof reply !== 'object' || reply === null) return fail('garbage', `${miner.host}:${miner.port}: write reply is not an object`);
    const enc = (reply as Record<string, unknown>).enc;
    if (typeof enc !== 'string') return ok(reply as WmStatus);
    const text = decryptEnvelope(token.hostPasswdMd5, enc);
    const json = text === undefined ? undefined : parseJson(miner.host, miner.port, text);
    if (json === undefined || !json.ok || typeof json.value !== 'object' || json.value === null) {
      return fail('garbage', `${miner.host}:${miner.port}: encrypted reply does not decrypt to JSON`);
    }
    return ok(json.value as WmStatus);
  }

  private async token(miner: Miner, deadline: Deadline): Promise<MinerResult<WhatsminerToken>> {
    const cached = this.#tokens.get(miner.id);
    if (cached !== undefined && cached.expiresAt > this.#now()) return ok(cached);
    if (miner.credential === undefined) return fail('bad-credentials', `${miner.id}: Whatsminer writes need a credential`);
    const reply = await this.plain(miner, { cmd: 'get_token' }, deadline);
    if (!reply.ok) return reply;
    const time = field(reply.value, 'Msg', 'time');
    const salt = field(reply.value, 'Msg', 'salt');
    const newsalt = field(reply.value, 'Msg', 'newsalt');
    if (typeof time !== 'string' || typeof salt !== 'string' || typeof newsalt !== 'string') {
      return fail('garbage', `${miner.host}:${miner.port}: get_token without time, salt and newsalt`);
    }
    const token = { ...deriveToken(miner.credential.password.reveal(), time, salt, newsalt), expiresAt: this.#now() + TOKEN_LIFETIME_MS };
    this.#tokens.set(miner.id, token);
    return ok(token);
  }

  /** A plain command; Whatsminer answers STATUS either as a string (its own commands) or as a cgminer array. */
  private async plain(miner: Miner, command: Record<string, string>, deadline: Deadline): Promise<MinerResult<unknown>> {
    const reply = await this.send(miner, JSON.stringify(command), deadline);
    if (!reply.ok) return reply;
    const value = reply.value as Record<string, unknown> | null;
    const where = `${miner.host}:${miner.port}`;
    if (typeof value !== 'object' || value === null) return fail('garbage', `${where}: ${command.cmd} reply is not an object`);
    const head = Array.isArray(value.STATUS) ? (value.STATUS[0] as WmStatus | undefined) : (value as WmStatus);
    const status = head?.STATUS;
    if (status === 'S' || status === 'I') return ok(value);
    if (status === undefined) return fail('garbage', `${miner.host}:${miner.port}: ${command.cmd} reply has no STATUS`);
    const code = head?.Code;
    return fail(
      'vendor-error',
      `${where}: ${command.cmd} answered ${String(status)} ${String(code)} ${String(head?.Msg)}`,
      typeof code === 'number' ? code : undefined,
    );
  }

  private async send(miner: Miner, request: string, deadline: Deadline): Promise<MinerResult<unknown>> {
    const remaining = deadline.remaining();
    if (remaining === 0) return fail('timeout', `${miner.host}:${miner.port}: out of time`);
    const text = await tcpRequest(miner.host, miner.port, request, remaining);
    return text.ok ? parseJson(miner.host, miner.port, text.value) : text;
  }
}

function field(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
