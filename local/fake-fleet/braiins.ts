import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type { FakeMiner } from './fake-miner.ts';
import { type HttpAnswer, serveHttpJson } from './http-fake.ts';

/**
 * The Braiins OS public REST API routes the driver uses: login (token + timeout_s), pause/resume, power target, and
 * the reads (miner details, stats, tuner state). Tokens expire after `tokenTimeoutS`; an expired one gets 401.
 */
export interface BraiinsFakeOptions {
  readonly tokenTimeoutS?: number;
}

export function serveBraiins(miner: FakeMiner, options: BraiinsFakeOptions = {}): http.Server {
  const timeoutS = options.tokenTimeoutS ?? 3600;
  const tokens = new Map<string, { expires: number; epoch: number }>();
  const unauthenticated: HttpAnswer = { status: 401, body: { code: 16, message: 'Unauthenticated', details: [] } };
  return serveHttpJson(miner, (request, body): HttpAnswer => {
    const route = `${request.method} ${request.url}`;
    if (route === 'POST /api/v1/auth/login') {
      let login: { username?: unknown; password?: unknown } = {};
      try {
        login = JSON.parse(body) as typeof login;
      } catch {
        return { status: 400, body: { code: 3, message: 'invalid JSON body', details: [] } };
      }
      if (typeof login.username !== 'string' || typeof login.password !== 'string' || !miner.accepts(login.username, login.password)) {
        return unauthenticated;
      }
      const token = randomBytes(12).toString('base64url');
      tokens.set(token, { expires: Date.now() + timeoutS * 1000, epoch: miner.sessionEpoch });
      return { status: 200, body: { token, timeout_s: timeoutS } };
    }
    const token = request.headers.authorization;
    const held = typeof token === 'string' ? tokens.get(token) : undefined;
    if (held === undefined || held.expires < Date.now() || held.epoch !== miner.sessionEpoch) return unauthenticated;
    held.expires = Date.now() + timeoutS * 1000; // sliding expiry, as on the miner
    if (miner.failure === 'vendor-error') return { status: 500, body: { code: 13, message: 'Internal error', details: [] } };
    const state = miner.state();
    switch (route) {
      case 'PUT /api/v1/actions/pause':
        miner.sleep();
        return { status: 200, body: true };
      case 'PUT /api/v1/actions/resume':
        miner.wake();
        return { status: 200, body: true };
      case 'PUT /api/v1/performance/power-target': {
        let watt: unknown;
        try {
          watt = (JSON.parse(body) as { watt?: unknown }).watt;
        } catch {
          watt = undefined;
        }
        if (typeof watt !== 'number' || watt <= 0) {
          return { status: 400, body: { code: 3, message: 'watt: expected a positive number', details: [] } };
        }
        miner.setPowerTarget(watt);
        return { status: 200, body: { watt } };
      }
      case 'GET /api/v1/miner/details':
        return {
          status: 200,
          body: {
            uid: 'fake',
            status: state.mode === 'asleep' ? 'MINER_STATUS_PAUSED' : 'MINER_STATUS_NORMAL',
            bos_version: { current: '24.09' },
          },
        };
      case 'GET /api/v1/miner/stats':
        return {
          status: 200,
          body: {
            miner_stats: { real_hashrate: { last_5s: { gigahash_per_second: state.hashrateThs * 1000 } } },
            power_stats: { approximated_consumption: { watt: state.powerW } },
          },
        };
      case 'GET /api/v1/performance/tuner-state':
        return {
          status: 200,
          body: { overall_tuner_state: 'TUNER_STATE_STABLE', power_target_mode_state: { current_target: { watt: state.targetW } } },
        };
      default:
        return { status: 404, body: { code: 5, message: 'Not found', details: [] } };
    }
  });
}
