import { type CallOptions, Deadline, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { parseJson, tcpRequest } from '../transport/tcp.ts';

/**
 * LuxOS (LUXminer) API: TCP 4028, cgminer-style JSON, one request per connection, replies possibly NUL-terminated.
 *
 * Writes need a session: `logon` → `SESSION[0].SessionID`, the id first in the privileged command's parameter, then
 * `logoff`. Only one session may exist; `logon` answers STATUS `E` with Code 402 ("Another session is active") while
 * another actor holds one. Luxor's session docs say to stop and try again a bit later rather than take the other
 * actor's session over (sessions expire after a minute of no use), so this driver does not call `session` to borrow
 * the id or `kill`: it reports `session-busy`, which is retryable, and the fleet executor retries it with backoff.
 */
export const LUXOS_PORT = 4028;
export const LUXOS_SESSION_BUSY = 402;

interface LuxStatus {
  readonly STATUS: string;
  readonly Code?: number;
  readonly Msg?: string;
}

type LuxReply = Record<string, unknown> & { STATUS: LuxStatus[] };

export class LuxosDriver implements MinerDriver {
  readonly name = 'luxos' as const;

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = new Deadline(options.timeoutMs);
    const config = await this.command(miner, 'config', undefined, deadline);
    if (!config.ok) return config;
    const summary = await this.command(miner, 'summary', undefined, deadline);
    if (!summary.ok) return summary;
    const power = await this.command(miner, 'power', undefined, deadline);
    if (!power.ok) return power;
    const curtail = section(config.value, 'CONFIG')?.CurtailMode;
    const ghs = section(summary.value, 'SUMMARY')?.['GHS 5s'];
    const watts = section(power.value, 'POWER')?.Watts;
    if (typeof curtail !== 'string' || typeof ghs !== 'number' || typeof watts !== 'number') {
      return fail('garbage', `${miner.host}:${miner.port} sent config/summary/power without CurtailMode, GHS 5s or Watts`);
    }
    const mode = curtail.toLowerCase() === 'sleep' ? 'asleep' : 'running';
    return ok({ mode, powerTargetW: null, hashrateThs: ghs / 1000, powerW: watts });
  }

  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.curtail(miner, 'sleep', options);
  }

  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.curtail(miner, 'wakeup', options);
  }

  async setPowerTarget(miner: Miner): Promise<MinerResult<void>> {
    // LuxOS steers power through frequency profiles (`profileset`), not a watt target on this API.
    return fail('unsupported', `${miner.host}:${miner.port}: LuxOS sets profiles, not a power target`);
  }

  private async curtail(miner: Miner, action: 'sleep' | 'wakeup', options: CallOptions): Promise<MinerResult<void>> {
    const deadline = new Deadline(options.timeoutMs);
    const logon = await this.command(miner, 'logon', undefined, deadline);
    if (!logon.ok) return logon;
    const sessionId = section(logon.value, 'SESSION')?.SessionID;
    if (typeof sessionId !== 'string' || sessionId === '') return fail('garbage', `${miner.host}:${miner.port}: logon without a SessionID`);
    const curtailed = await this.command(miner, 'curtail', `${sessionId},${action}`, deadline);
    // Log off even when the curtail failed, so the next actor is not locked out for a minute.
    // A failed logoff only leaves a session that expires by itself within a minute.
    await this.command(miner, 'logoff', sessionId, deadline);
    return curtailed.ok ? ok(undefined) : curtailed;
  }

  private async command(miner: Miner, command: string, parameter: string | undefined, deadline: Deadline): Promise<MinerResult<LuxReply>> {
    const remaining = deadline.remaining();
    if (remaining === 0) return fail('timeout', `${miner.host}:${miner.port}: out of time before ${command}`);
    const request = JSON.stringify(parameter === undefined ? { command } : { command, parameter });
    const text = await tcpRequest(miner.host, miner.port, request, remaining);
    if (!text.ok) return text;
    const json = parseJson(miner.host, miner.port, text.value);
    if (!json.ok) return json;
    return interpret(miner, command, json.value);
  }
}

function interpret(miner: Miner, command: string, reply: unknown): MinerResult<LuxReply> {
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
