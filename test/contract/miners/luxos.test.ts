import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { LuxosDriver } from '../../../agent/miners/drivers/luxos.ts';
import { driverContract, SPARE_INDEX, VENDOR_ERROR_INDEX } from './contract.ts';
import { minerFor, quick } from './support.ts';

const { fleet } = driverContract('luxos', '127.2.0.1', () => new LuxosDriver());

describe('LuxOS specifics', () => {
  it('reports Code 402 "Another session is active" as a retryable busy session and sends no curtail', async () => {
    const fake = fleet().miners[SPARE_INDEX]!;
    fake.fake.failure = 'session-conflict';
    const result = await new LuxosDriver().sleep(minerFor(fake, 'luxos'), quick);
    fake.fake.failure = 'none';
    expect(result).toMatchObject({ ok: false, error: { kind: 'session-busy', code: 402, retryable: true } });
    expect(fake.fake.commands).toEqual([]);
  });

  it('keeps one session across commands: sleep then wake is one logon', async () => {
    const fake = fleet().miners[SPARE_INDEX + 1]!;
    const miner = minerFor(fake, 'luxos');
    const driver = new LuxosDriver();
    const issued = fake.fake.sessionsIssued;
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect((await driver.wake(miner, quick)).ok).toBe(true);
    expect(fake.fake.commands).toEqual(['sleep', 'wake']);
    expect(fake.fake.sessionsIssued - issued).toBe(1);
    await driver.close(quick);
  });

  it('logs on again when the session expired on the miner, and the command still goes', async () => {
    const fake = fleet().miners[SPARE_INDEX + 3]!;
    const miner = minerFor(fake, 'luxos');
    const driver = new LuxosDriver();
    fake.fake.sessionTimeoutMs = 50;
    try {
      expect((await driver.sleep(miner, quick)).ok).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 120));
      const issued = fake.fake.sessionsIssued;
      expect(await driver.wake(miner, quick)).toEqual({ ok: true, value: undefined });
      expect(fake.fake.sessionsIssued - issued).toBe(1);
      expect(fake.fake.state().mode).toBe('running');
    } finally {
      fake.fake.sessionTimeoutMs = 60_000;
      await driver.close(quick);
    }
  });

  it('takes a session idle past its timeout as gone and logs on; a 402 then means it was still ours, and it is used', async () => {
    const fake = fleet().miners[SPARE_INDEX + 3]!;
    const miner = minerFor(fake, 'luxos');
    const driver = new LuxosDriver({ sessionIdleMs: 50 });
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    const issued = fake.fake.sessionsIssued;
    expect(await driver.wake(miner, quick)).toEqual({ ok: true, value: undefined });
    expect(fake.fake.sessionsIssued - issued).toBe(0);
    expect(fake.fake.commands.slice(-2)).toEqual(['sleep', 'wake']);
    await driver.close(quick);
  });

  it('logs on again when the miner rebooted and no longer knows the session id', async () => {
    const fake = fleet().miners[SPARE_INDEX + 2]!;
    const miner = minerFor(fake, 'luxos');
    const driver = new LuxosDriver();
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    fake.fake.dropSessions();
    const raw = await rawRequest(fake.host, fake.port, '{"command":"curtail","parameter":"stale123,wakeup"}');
    expect(JSON.parse(raw.toString('utf8').replace(/\0$/, ''))).toMatchObject({
      STATUS: [{ STATUS: 'E', Code: 401, Msg: 'Invalid session id' }],
    });
    expect(await driver.wake(miner, quick)).toEqual({ ok: true, value: undefined });
    expect(fake.fake.commands.slice(-2)).toEqual(['sleep', 'wake']);
    await driver.close(quick);
  });

  it('holds the session until closed: another actor gets 402 meanwhile, and can log on after close()', async () => {
    const fake = fleet().miners[SPARE_INDEX]!;
    const miner = minerFor(fake, 'luxos');
    const driver = new LuxosDriver();
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect(await new LuxosDriver().wake(miner, quick)).toMatchObject({ ok: false, error: { kind: 'session-busy', code: 402 } });
    expect(driver.sessions).toBe(1);
    await driver.close(quick);
    expect(driver.sessions).toBe(0);
    const other = new LuxosDriver();
    expect(await other.wake(miner, quick)).toEqual({ ok: true, value: undefined });
    await other.close(quick);
  });

  it('reads config, summary and power in one joined request, each reply under its command', async () => {
    const fake = fleet().miners[SPARE_INDEX + 2]!;
    const raw = JSON.parse(
      (await rawRequest(fake.host, fake.port, '{"command":"config+summary+power"}')).toString('utf8').replace(/\0$/, ''),
    );
    expect(Object.keys(raw).sort()).toEqual(['config', 'id', 'power', 'summary']);
    expect(raw.power[0]).toMatchObject({ STATUS: [{ STATUS: 'S' }], POWER: [{ Watts: expect.any(Number) }] });
    const joinedPrivileged = '{"command":"config+logoff"}';
    expect(JSON.parse((await rawRequest(fake.host, fake.port, joinedPrivileged)).toString('utf8').replace(/\0$/, ''))).toMatchObject({
      STATUS: [{ STATUS: 'E' }],
    });
  });

  it('maps a STATUS E from curtail to a vendor error with its code', async () => {
    const fake = fleet().miners[VENDOR_ERROR_INDEX]!;
    fake.fake.dropSessions(); // the contract's own drivers left their sessions on this miner
    const result = await new LuxosDriver().sleep(minerFor(fake, 'luxos'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'vendor-error', code: 14 } });
  });

  it('reads a reply that ends in a NUL byte', async () => {
    const fake = fleet().miners[SPARE_INDEX + 2]!;
    const raw = await rawRequest(fake.host, fake.port, '{"command":"summary"}');
    expect(raw.at(-1)).toBe(0);
    expect(await new LuxosDriver().readState(minerFor(fake, 'luxos'), quick)).toMatchObject({ ok: true, value: { powerW: 3500 } });
  });

  it('has no power target over this API', async () => {
    const result = await new LuxosDriver().setPowerTarget(minerFor(fleet().miners[SPARE_INDEX]!, 'luxos'));
    expect(result).toMatchObject({ ok: false, error: { kind: 'unsupported' } });
  });
});

function rawRequest(host: string, port: number, request: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(port, host, () => socket.end(request));
    socket.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    socket.on('error', reject);
  });
}
