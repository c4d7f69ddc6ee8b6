import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { FakeMiner } from './fake-miner.ts';
import { serveTcpJson, type TcpReply } from './tcp-fake.ts';

/**
 * A LuxOS (LUXminer) API on TCP: `logon`/`logoff`/`session`, `curtail <sid>,sleep|wakeup`, and the reads the driver
 * uses (`config`, `summary`, `power`). One session at a time, as on the real firmware; `session-conflict` makes
 * another actor hold it, so `logon` answers Code 402. `bad-credentials` makes the miner refuse the session id.
 */
const DESCRIPTION = 'LUXminer 2024.5.1.155210-f5cc1a8f';

export function serveLuxos(miner: FakeMiner): net.Server {
  let session: string | undefined;
  return serveTcpJson(miner, (request): TcpReply => {
    const when = Math.floor(Date.now() / 1000);
    const status = (s: string, code: number, msg: string) => [{ Code: code, Description: DESCRIPTION, Msg: msg, STATUS: s, When: when }];
    const reply = (body: Record<string, unknown>): TcpReply => ({ text: JSON.stringify({ ...body, id: 1 }), nulTerminated: true });
    const error = (code: number, msg: string) => reply({ STATUS: status('E', code, msg) });
    if (typeof request !== 'object' || request === null) return error(14, 'Invalid command');
    const { command, parameter } = request as { command?: unknown; parameter?: unknown };
    const params = typeof parameter === 'string' ? parameter.split(',') : [];
    const requireSession = (): TcpReply | undefined => {
      if (miner.failure === 'bad-credentials' || params[0] === undefined || params[0] !== session) return error(401, 'Invalid session id');
      return undefined;
    };
    const state = miner.state();
    switch (command) {
      case 'logon':
        if (miner.failure === 'session-conflict' || session !== undefined) return error(402, 'Another session is active');
        session = randomBytes(6).toString('base64url').slice(0, 8);
        return reply({ SESSION: [{ SessionID: session }], STATUS: status('S', 316, 'Session created') });
      case 'session':
        return reply({
          SESSION: [{ SessionID: miner.failure === 'session-conflict' ? 'Xo3kPq2z' : (session ?? '') }],
          STATUS: status('S', 319, 'Session information'),
        });
      case 'logoff': {
        const refused = requireSession();
        if (refused) return refused;
        session = undefined;
        return reply({ STATUS: status('S', 317, 'Session deleted') });
      }
      case 'curtail': {
        const refused = requireSession();
        if (refused) return refused;
        if (miner.failure === 'vendor-error') return error(14, 'Invalid command');
        if (params[1] === 'sleep') miner.sleep();
        else if (params[1] === 'wakeup') miner.wake();
        else return error(14, 'Invalid command');
        const action = params[1] === 'sleep' ? 'sleep mode' : 'wake up';
        return reply({ CURTAIL: [{ Action: action }], STATUS: status('S', 335, 'Curtailment command sent') });
      }
      case 'config':
        return reply({
          CONFIG: [{ CurtailMode: state.mode === 'asleep' ? 'Sleep' : 'None', Profile: 'default', IsAtmEnabled: false }],
          STATUS: status('S', 33, 'LUXminer config'),
        });
      case 'summary':
        return reply({
          SUMMARY: [{ 'GHS 5s': state.hashrateThs * 1000, 'GHS av': state.hashrateThs * 1000, Elapsed: 3600 }],
          STATUS: status('S', 11, 'Summary'),
        });
      case 'power':
        return reply({ POWER: [{ PSU: true, Watts: state.powerW }], STATUS: status('S', 336, 'Power') });
      default:
        return error(14, 'Invalid command');
    }
  });
}
