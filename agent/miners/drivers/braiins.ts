import { type CallOptions, Deadline, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { type HttpReply, httpRequest } from '../transport/http.ts';

/**
 * Braiins OS public REST API. `POST /api/v1/auth/login {username,password}` → `{token, timeout_s}`; the token goes in
 * the `authorization` header as it is. It is kept per miner until `timeout_s` runs out; a 401 on a command means it
 * expired early (a reboot, a password change), so the driver logs in once more and repeats the command.
 */
export const BRAIINS_PORT = 80;

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

type Method = 'GET' | 'PUT' | 'POST';

export class BraiinsDriver implements MinerDriver {
  readonly name = 'braiins' as const;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = new Deadline(options.timeoutMs);
    const details = await this.call(miner, 'GET', '/api/v1/miner/details', undefined, deadline);
    if (!details.ok) return details;
    const stats = await this.call(miner, 'GET', '/api/v1/miner/stats', undefined, deadline);
    if (!stats.ok) return stats;
    const tuner = await this.call(miner, 'GET', '/api/v1/performance/tuner-state', undefined, deadline);
    if (!tuner.ok) return tuner;
    const status = path(details.value, 'status');
    const ghs = path(stats.value, 'miner_stats', 'real_hashrate', 'last_5s', 'gigahash_per_second');
    const watts = path(stats.value, 'power_stats', 'approximated_consumption', 'watt');
    const target = path(tuner.value, 'power_target_mode_state', 'current_target', 'watt');
    if (typeof status !== 'string' || typeof ghs !== 'number' || typeof watts !== 'number') {
      return fail('garbage', `${miner.host}:${miner.port}: miner details/stats without status, hashrate or power`);
    }
    const asleep = status === 'MINER_STATUS_PAUSED' || status === 'MINER_STATUS_SUSPENDED';
    const powerTargetW = typeof target === 'number' ? target : null;
    return ok({ mode: asleep ? 'asleep' : 'running', powerTargetW, hashrateThs: ghs / 1000, powerW: watts });
  }

  async sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.action(miner, '/api/v1/actions/pause', undefined, options);
  }

  async wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.action(miner, '/api/v1/actions/resume', undefined, options);
  }

  async setPowerTarget(miner: Miner, watts: number, options: CallOptions): Promise<MinerResult<void>> {
    return this.action(miner, '/api/v1/performance/power-target', JSON.stringify({ watt: Math.round(watts) }), options);
  }

  private async action(miner: Miner, path: string, body: string | undefined, options: CallOptions): Promise<MinerResult<void>> {
    const result = await this.call(miner, 'PUT', path, body, new Deadline(options.timeoutMs));
    return result.ok ? ok(undefined) : result;
  }

  private async call(
    miner: Miner,
    method: Method,
    path: string,
    body: string | undefined,
    deadline: Deadline,
  ): Promise<MinerResult<unknown>> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const token = await this.token(miner, deadline);
      if (!token.ok) return token;
      const reply = await this.send(miner, method, path, body, deadline, { authorization: token.value });
      if (!reply.ok) return reply;
      if (reply.value.status === 401 && attempt === 0) {
        this.#tokens.delete(miner.id);
        continue;
      }
      return decode(miner, path, reply.value);
    }
    return fail('bad-credentials', `${miner.host}:${miner.port}: token refused right after login`, 401);
  }

  private async token(miner: Miner, deadline: Deadline): Promise<MinerResult<string>> {
    const cached = this.#tokens.get(miner.id);
    if (cached !== undefined && cached.expiresAt > this.#now()) return ok(cached.token);
    if (miner.credential === undefined) return fail('bad-credentials', `${miner.id}: Braiins OS needs a credential`);
    const body = JSON.stringify({ username: miner.credential.username, password: miner.credential.password.reveal() });
    const reply = await this.send(miner, 'POST', '/api/v1/auth/login', body, deadline, {});
    if (!reply.ok) return reply;
    if (reply.value.status === 401 || reply.value.status === 403) {
      return fail('bad-credentials', `${miner.host}:${miner.port}: login refused`, reply.value.status);
    }
    const decoded = decode(miner, '/api/v1/auth/login', reply.value);
    if (!decoded.ok) return decoded;
    const token = path(decoded.value, 'token');
    const timeout = path(decoded.value, 'timeout_s');
    if (typeof token !== 'string' || token === '') return fail('garbage', `${miner.host}:${miner.port}: login reply without a token`);
    // A little early, so a token is never sent in its last second; timeout_s 0 means "no expiry" in the API.
    const seconds = typeof timeout === 'number' && timeout > 0 ? timeout : 3600;
    this.#tokens.set(miner.id, { token, expiresAt: this.#now() + Math.max(0, seconds - 5) * 1000 });
    return ok(token);
  }

  private send(
    miner: Miner,
    method: Method,
    path: string,
    body: string | undefined,
    deadline: Deadline,
    headers: Record<string, string>,
  ): Promise<MinerResult<HttpReply>> {
    const timeoutMs = deadline.remaining();
    if (timeoutMs === 0) return Promise.resolve(fail('timeout', `${miner.host}:${miner.port}: out of time before ${path}`));
    return httpRequest({ host: miner.host, port: miner.port, method, path, headers, ...(body === undefined ? {} : { body }), timeoutMs });
  }
}

function decode(miner: Miner, route: string, reply: HttpReply): MinerResult<unknown> {
  const where = `${miner.host}:${miner.port}`;
  let json: unknown;
  try {
    json = reply.body === '' ? null : JSON.parse(reply.body);
  } catch {
    return fail('garbage', `${where}: ${route} answered ${reply.status} with a body that is not JSON`);
  }
  if (reply.status >= 200 && reply.status < 300) return ok(json);
  if (reply.status === 401 || reply.status === 403) return fail('bad-credentials', `${where}: ${route} refused the token`, reply.status);
  const message = path(json, 'message');
  const detail = typeof message === 'string' ? ` ${message}` : '';
  return fail('vendor-error', `${where}: ${route} answered ${reply.status}${detail}`, reply.status);
}

function path(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
