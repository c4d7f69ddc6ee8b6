import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { FakeMiner } from './fake-miner.ts';
import { serveTcpJson, type TcpReply } from './tcp-fake.ts';

/**
 * A LuxOS (LUXminer) API on TCP: `logon`/`logoff`/`session`, `curtail <sid>,sleep|wakeup`, and the reads the driver
 * uses (`config`, `summary`, `power`), alone or joined cgminer-style (`config+summary+power`, each reply under the
 * command's name). One session at a time, as on the real firmware: it stays valid across commands and expires after
 * `miner.sessionTimeoutMs` without use, or at once when the miner reboots (`dropSessions()`); a command with a session
 * id that is not the live one answers STATUS E "Invalid session id". `session-conflict` makes another actor hold the
 * session, so `logon` answers Code 402; `bad-credentials` makes the miner refuse every session id.
 */
const DESCRIPTION = 'LUXminer 2024.5.1.155210-f5cc1a8f';
export const LUXOS_INVALID_SESSION = 401;
const REPORTS = new Set(['config', 'summary', 'power']);

interface Session {
  readonly id: string;
  readonly epoch: number;
  usedAt: number;
}

export function serveLuxos(miner: FakeMiner): net.Server {
  let session: Session | undefined;
  /** The session still alive now, if any (expired or dropped by a reboot: gone). */
  const live = (now: number): Session | undefined => {
    if (session !== undefined && (session.epoch !== miner.sessionEpoch || now - session.usedAt > miner.sessionTimeoutMs)) {
      session = undefined;
    }
    return session;
  };
  return serveTcpJson(miner, (request): TcpReply => {
    const now = Date.now();
    const when = Math.floor(now / 1000);
    const status = (s: string, code: number, msg: string) => [{ Code: code, Description: DESCRIPTION, Msg: msg, STATUS: s, When: when }];
    const body = (json: Record<string, unknown>): TcpReply => ({ text: JSON.stringify(json), nulTerminated: true });
    const error = (code: number, msg: string) => ({ STATUS: status('E', code, msg), id: 1 });
    if (typeof request !== 'object' || request === null) return body(error(14, 'Invalid command'));
    const { command, parameter } = request as { command?: unknown; parameter?: unknown };
    const params = typeof parameter === 'string' ? parameter.split(',') : [];
    if (typeof command === 'string' && command.includes('+')) {
      // Joined commands: reports only, each answered under its own name, as cgminer does.
      const names = command.split('+');
      if (!names.every((name) => REPORTS.has(name))) return body(error(45, 'Access denied to joined command'));
      return body({ ...Object.fromEntries(names.map((name) => [name, [report(name)]])), id: 1 });
    }
    return body(answer(command));

    function answer(name: unknown): Record<string, unknown> {
      const requireSession = (): Record<string, unknown> | undefined => {
        const current = live(now);
        if (miner.failure === 'bad-credentials' || current === undefined || params[0] !== current.id) {
          return error(LUXOS_INVALID_SESSION, 'Invalid session id');
        }
        current.usedAt = now;
        return undefined;
      };
      switch (name) {
        case 'logon': {
          if (miner.failure === 'session-conflict' || live(now) !== undefined) {
            miner.sessionsRefused += 1;
            return error(402, 'Another session is active');
          }
          session = { id: randomBytes(6).toString('base64url').slice(0, 8), epoch: miner.sessionEpoch, usedAt: now };
          miner.sessionsIssued += 1;
          return { SESSION: [{ SessionID: session.id }], STATUS: status('S', 316, 'Session created'), id: 1 };
        }
        case 'session':
          return {
            SESSION: [{ SessionID: miner.failure === 'session-conflict' ? 'Xo3kPq2z' : (live(now)?.id ?? '') }],
            STATUS: status('S', 319, 'Session information'),
            id: 1,
          };
        case 'logoff': {
          const refused = requireSession();
          if (refused) return refused;
          session = undefined;
          return { STATUS: status('S', 317, 'Session deleted'), id: 1 };
        }
        case 'curtail': {
          const refused = requireSession();
          if (refused) return refused;
          if (miner.failure === 'vendor-error') return error(14, 'Invalid command');
          if (params[1] === 'sleep') miner.sleep();
          else if (params[1] === 'wakeup') miner.wake();
          else return error(14, 'Invalid command');
          const action = params[1] === 'sleep' ? 'sleep mode' : 'wake up';
          return { CURTAIL: [{ Action: action }], STATUS: status('S', 335, 'Curtailment command sent'), id: 1 };
        }
        default:
          return typeof name === 'string' && REPORTS.has(name) ? report(name) : error(14, 'Invalid command');
      }
    }

    function report(name: string): Record<string, unknown> {
      const state = miner.state(now);
      switch (name) {
        case 'config':
          return {
            CONFIG: [{ CurtailMode: state.mode === 'asleep' ? 'Sleep' : 'None', Profile: 'default', IsAtmEnabled: false }],
            STATUS: status('S', 33, 'LUXminer config'),
            id: 1,
          };
        case 'summary':
          return {
            SUMMARY: [{ 'GHS 5s': state.hashrateThs * 1000, 'GHS av': state.hashrateThs * 1000, Elapsed: 3600 }],
            STATUS: status('S', 11, 'Summary'),
            id: 1,
          };
        default:
          return { POWER: [{ PSU: true, Watts: state.powerW }], STATUS: status('S', 336, 'Power'), id: 1 };
      }
    }
  });
}
