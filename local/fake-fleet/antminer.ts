import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { digestResponse, parseDigestAuthorization } from '../../agent/miners/digest-auth.ts';
import type { FakeMiner } from './fake-miner.ts';
import { type HttpAnswer, serveHttpJson } from './http-fake.ts';

/**
 * The stock Antminer web CGI scripts behind HTTP digest auth (realm "antMiner Configuration", qop=auth, MD5):
 * get_miner_conf.cgi, set_miner_conf.cgi (`miner-mode` 0 normal, 1 sleep) and summary.cgi.
 */
const REALM = 'antMiner Configuration';

export function serveAntminer(miner: FakeMiner): http.Server {
  let nonce = randomBytes(16).toString('hex');
  let conf: Record<string, unknown> = {
    pools: [{ url: 'stratum+tcp://pool.example:3333', user: 'site.worker', pass: 'x' }],
    'api-listen': true,
    'api-network': true,
    'api-allow': 'A:0/0,W:*',
    'bitmain-fan-ctrl': false,
    'bitmain-fan-pwm': '100',
    'bitmain-freq-level': '100',
  };
  const challenge = (): HttpAnswer => ({
    status: 401,
    body: { error: 'Unauthorized' },
    headers: { 'www-authenticate': `Digest realm="${REALM}", qop="auth", nonce="${nonce}"` },
  });
  return serveHttpJson(miner, (request, body): HttpAnswer => {
    const params = parseDigestAuthorization(request.headers.authorization);
    if (params === undefined || params.get('nonce') !== nonce) return challenge();
    const expected = digestResponse(
      { realm: REALM, nonce, qop: 'auth', algorithm: 'MD5', stale: false },
      {
        username: params.get('username') ?? '',
        password: miner.password,
        method: request.method ?? 'GET',
        uri: params.get('uri') ?? '',
        nonceCount: Number.parseInt(params.get('nc') ?? '0', 16),
        cnonce: params.get('cnonce') ?? '',
      },
    );
    const valid =
      params.get('uri') === request.url &&
      params.get('response') === expected.response &&
      miner.accepts(params.get('username') ?? '', miner.password);
    if (!valid) {
      nonce = randomBytes(16).toString('hex');
      return challenge();
    }
    const state = miner.state();
    switch (`${request.method} ${request.url}`) {
      case 'GET /cgi-bin/get_miner_conf.cgi':
        return { status: 200, body: { ...conf, 'bitmain-work-mode': state.mode === 'asleep' ? '1' : '0' } };
      case 'POST /cgi-bin/set_miner_conf.cgi': {
        let posted: Record<string, unknown>;
        try {
          posted = JSON.parse(body) as Record<string, unknown>;
        } catch {
          return { status: 200, body: { stats: 'error', code: 'M001', msg: 'Illegal arguments' } };
        }
        const mode = Number(posted['miner-mode']);
        if (miner.failure === 'vendor-error' || (mode !== 0 && mode !== 1)) {
          return { status: 200, body: { stats: 'error', code: 'M001', msg: 'Illegal arguments' } };
        }
        const { 'miner-mode': _mode, ...rest } = posted;
        conf = rest;
        miner.lastConfig = posted;
        if (mode === 1) miner.sleep();
        else miner.wake();
        return { status: 200, body: { stats: 'success', code: 'M000', msg: 'OK!' } };
      }
      case 'GET /cgi-bin/summary.cgi': {
        const when = Math.floor(Date.now() / 1000);
        const ghs = state.hashrateThs * 1000;
        return {
          status: 200,
          body: {
            STATUS: { STATUS: 'S', when, Msg: 'summary', api_version: '1.0.0' },
            INFO: { miner_version: '49.0.1.3', CompileTime: 'Fri Sep 15 14:39:20 CST 2023', type: 'Antminer S19j Pro' },
            SUMMARY: [
              {
                elapsed: 3600,
                rate_5s: ghs,
                rate_30m: ghs,
                rate_avg: ghs,
                rate_ideal: miner.ratedThs * 1000,
                rate_unit: 'GH/s',
                hw_all: 0,
                bestshare: 0,
              },
            ],
          },
        };
      }
      default:
        return { status: 404, body: { error: 'Not found' } };
    }
  });
}
