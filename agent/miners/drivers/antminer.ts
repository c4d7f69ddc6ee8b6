import { type DigestChallenge, digestAuthorization, parseDigestChallenge } from '../digest-auth.ts';
import { type CallOptions, Deadline, fail, type Miner, type MinerDriver, type MinerResult, type MinerState, ok } from '../port.ts';
import { type HttpReply, httpRequest } from '../transport/http.ts';

/**
 * Stock Antminer web API (the CGI scripts behind the web UI), HTTP digest auth (realm "antMiner Configuration").
 * Sleep is `"miner-mode": 1` and normal `0`, posted to `/cgi-bin/set_miner_conf.cgi`; the script rewrites the whole
 * configuration, so the driver reads `/cgi-bin/get_miner_conf.cgi` first and posts it back with the mode changed
 * (pools and fan settings kept). get_miner_conf reports the mode as `"bitmain-work-mode"`. Stock firmware reports
 * no power draw: the driver estimates it from the rated watts and the hashrate against `rate_ideal`.
 */
export const ANTMINER_PORT = 80;
const MODE_NORMAL = 0;
const MODE_SLEEP = 1;

interface Nonce {
  readonly challenge: DigestChallenge;
  count: number;
}

export class AntminerDriver implements MinerDriver {
  readonly name = 'antminer' as const;
  readonly #nonces = new Map<string, Nonce>();

  async readState(miner: Miner, options: CallOptions): Promise<MinerResult<MinerState>> {
    const deadline = new Deadline(options.timeoutMs);
    const conf = await this.json(miner, 'GET', '/cgi-bin/get_miner_conf.cgi', undefined, deadline);
    if (!conf.ok) return conf;
    const summary = await this.json(miner, 'GET', '/cgi-bin/summary.cgi', undefined, deadline);
    if (!summary.ok) return summary;
    const mode = Number((conf.value as Record<string, unknown>)['bitmain-work-mode']);
    const rows = (summary.value as Record<string, unknown>).SUMMARY;
    const row = Array.isArray(rows) ? (rows[0] as Record<string, unknown> | undefined) : undefined;
    const rate = Number(row?.rate_5s);
    const ideal = Number(row?.rate_ideal);
    if (!Number.isFinite(mode) || !Number.isFinite(rate)) {
      return fail('garbage', `${miner.host}:${miner.port}: conf/summary without bitmain-work-mode or rate_5s`);
    }
    const unit = String(row?.rate_unit ?? 'GH/s');
    const ths = unit === 'TH/s' ? rate : rate / 1000;
    const powerW = ideal > 0 ? Math.round((miner.ratedW * rate) / ideal) : 0;
    return ok({ mode: mode === MODE_SLEEP ? 'asleep' : 'running', powerTargetW: null, hashrateThs: ths, powerW });
  }

  sleep(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.setMode(miner, MODE_SLEEP, options);
  }

  wake(miner: Miner, options: CallOptions): Promise<MinerResult<void>> {
    return this.setMode(miner, MODE_NORMAL, options);
  }

  async setPowerTarget(miner: Miner): Promise<MinerResult<void>> {
    return fail('unsupported', `${miner.host}:${miner.port}: stock Antminer firmware has no power target`);
  }

  private async setMode(miner: Miner, mode: number, options: CallOptions): Promise<MinerResult<void>> {
    const deadline = new Deadline(options.timeoutMs);
    const conf = await this.json(miner, 'GET', '/cgi-bin/get_miner_conf.cgi', undefined, deadline);
    if (!conf.ok) return conf;
    const { 'bitmain-work-mode': _mode, ...kept } = conf.value as Record<string, unknown>;
    const body = JSON.stringify({ ...kept, 'miner-mode': mode });
    const reply = await this.json(miner, 'POST', '/cgi-bin/set_miner_conf.cgi', body, deadline);
    if (!reply.ok) return reply;
    const { stats, code, msg } = reply.value as Record<string, unknown>;
    if (stats === 'success') return ok(undefined);
    return fail(
      'vendor-error',
      `${miner.host}:${miner.port}: set_miner_conf answered ${String(stats)} ${String(code)} ${String(msg)}`,
      typeof code === 'string' ? code : undefined,
    );
  }

  private async json(
    miner: Miner,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    deadline: Deadline,
  ): Promise<MinerResult<unknown>> {
    const reply = await this.authorised(miner, method, path, body, deadline);
    if (!reply.ok) return reply;
    const where = `${miner.host}:${miner.port}`;
    if (reply.value.status === 401) return fail('bad-credentials', `${where}: ${path} refused the digest credentials`, 401);
    const status = reply.value.status;
    if (status < 200 || status >= 300) return fail('vendor-error', `${where}: ${path} answered ${status}`, status);
    try {
      const json = JSON.parse(reply.value.body) as unknown;
      if (typeof json === 'object' && json !== null) return ok(json);
    } catch {
      // fall through
    }
    return fail('garbage', `${where}: ${path} answered with a body that is not a JSON object`);
  }

  /** Sends with the cached nonce when there is one; on a 401 takes the fresh challenge and tries once more. */
  private async authorised(
    miner: Miner,
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    deadline: Deadline,
  ): Promise<MinerResult<HttpReply>> {
    if (miner.credential === undefined) return fail('bad-credentials', `${miner.id}: the Antminer web API needs a credential`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const headers: Record<string, string> = {};
      const nonce = this.#nonces.get(miner.id);
      if (nonce !== undefined) {
        nonce.count += 1;
        headers.authorization = digestAuthorization(nonce.challenge, {
          username: miner.credential.username,
          password: miner.credential.password.reveal(),
          method,
          uri: path,
          nonceCount: nonce.count,
        });
      }
      const timeoutMs = deadline.remaining();
      if (timeoutMs === 0) return fail('timeout', `${miner.host}:${miner.port}: out of time before ${path}`);
      const reply = await httpRequest({
        host: miner.host,
        port: miner.port,
        method,
        path,
        headers,
        timeoutMs,
        ...(body === undefined ? {} : { body }),
      });
      if (!reply.ok || reply.value.status !== 401) return reply;
      const challenge = parseDigestChallenge(headerText(reply.value.headers['www-authenticate']));
      if (challenge === undefined) return fail('garbage', `${miner.host}:${miner.port}: 401 without a digest challenge`);
      // A cached nonce may have gone stale: answer the fresh challenge once. Refused again, the credentials are wrong.
      this.#nonces.set(miner.id, { challenge, count: 0 });
    }
    return fail('bad-credentials', `${miner.host}:${miner.port}: ${path} refused the digest credentials`, 401);
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.find((v) => /^digest/i.test(v)) : value;
}
