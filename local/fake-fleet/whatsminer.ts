import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import { decryptEnvelope, deriveToken, encryptEnvelope } from '../../agent/miners/whatsminer-crypto.ts';
import type { FakeMiner } from './fake-miner.ts';
import { serveTcpJson, type TcpReply } from './tcp-fake.ts';

/**
 * A Whatsminer API v2 on TCP: `get_token` hands out {time, salt, newsalt} (the salt is the device's, fixed; newsalt
 * is fresh each time); writes arrive as {"enc":1,"data"} AES-256-ECB with key sha256(host_passwd_md5) and carry the
 * token (host_sign), valid 30 minutes; answers to writes go back encrypted.
 */
const TOKEN_LIFETIME_MS = 30 * 60_000;
const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function salt(): string {
  return [...randomBytes(8)].map((b) => ITOA64[b & 0x3f]).join('');
}

export function serveWhatsminer(miner: FakeMiner): net.Server {
  const deviceSalt = salt();
  const signs = new Map<string, { expires: number; epoch: number }>();
  let keyFor: { password: string; hostPasswdMd5: string } | undefined;
  const hostPasswdMd5 = () => {
    // The key depends on the password and the fixed salt only: derive it once per password.
    if (keyFor?.password !== miner.password) {
      keyFor = { password: miner.password, hostPasswdMd5: deriveToken(miner.password, '0', deviceSalt, 'x').hostPasswdMd5 };
    }
    return keyFor.hostPasswdMd5;
  };
  return serveTcpJson(miner, (request): TcpReply => {
    const when = Math.floor(Date.now() / 1000);
    const plain = (body: unknown): TcpReply => ({ text: JSON.stringify(body), nulTerminated: false });
    const status = (s: string, code: number, msg: unknown) => ({ STATUS: s, When: when, Code: code, Msg: msg, Description: '' });
    if (typeof request !== 'object' || request === null) return plain(status('E', 23, 'invalid json message'));
    const body = request as Record<string, unknown>;
    if (body.enc === 1 && typeof body.data === 'string') {
      const key = hostPasswdMd5();
      const text = miner.failure === 'bad-credentials' ? undefined : decryptEnvelope(key, body.data);
      let command: Record<string, unknown> | undefined;
      try {
        command = text === undefined ? undefined : (JSON.parse(text) as Record<string, unknown>);
      } catch {
        command = undefined;
      }
      if (command === undefined) return plain(status('E', 23, 'invalid json message'));
      const sign = typeof command.token === 'string' ? command.token : '';
      const held = signs.get(sign);
      if (held === undefined || held.expires < Date.now() || held.epoch !== miner.sessionEpoch) {
        return plain(status('E', 135, 'check token err'));
      }
      const sealed = (answer: unknown): TcpReply => plain({ enc: encryptEnvelope(key, JSON.stringify(answer)) });
      if (miner.failure === 'vendor-error') return sealed(status('E', 132, 'API command ERROR'));
      switch (command.cmd) {
        case 'power_off':
          miner.sleep();
          return sealed(status('S', 131, 'API command OK'));
        case 'power_on':
          miner.wake();
          return sealed(status('S', 131, 'API command OK'));
        case 'adjust_power_limit': {
          const watts = Number(command.power_limit);
          if (!Number.isFinite(watts) || watts <= 0) return sealed(status('E', 14, 'invalid API command or data'));
          miner.setPowerTarget(watts);
          return sealed(status('S', 131, 'API command OK'));
        }
        default:
          return sealed(status('E', 14, 'invalid API command or data'));
      }
    }
    const state = miner.state();
    switch (body.cmd) {
      case 'get_token': {
        const time = String(when % 10_000).padStart(4, '0');
        const newsalt = salt();
        const token = deriveToken(miner.password, time, deviceSalt, newsalt);
        signs.set(token.hostSign, { expires: Date.now() + TOKEN_LIFETIME_MS, epoch: miner.sessionEpoch });
        miner.tokensIssued += 1;
        return plain(status('S', 134, { time, salt: deviceSalt, newsalt }));
      }
      case 'status':
        return plain(
          status('S', 131, {
            mineroff: 'false',
            btmineroff: state.mode === 'asleep' ? 'true' : 'false',
            'Firmware Version': "'20230911.12.Rel'",
          }),
        );
      case 'summary':
        return plain({
          STATUS: [{ STATUS: 'S', When: when, Code: 11, Msg: 'Summary', Description: 'btminer' }],
          SUMMARY: [
            {
              Elapsed: 3600,
              'MHS av': state.hashrateThs * 1e6,
              'MHS 5s': state.hashrateThs * 1e6,
              Power: state.powerW,
              'Power Limit': state.targetW,
              'Power Mode': 'Normal',
            },
          ],
          id: 1,
        });
      default:
        return plain(status('E', 14, 'invalid API command or data'));
    }
  });
}
