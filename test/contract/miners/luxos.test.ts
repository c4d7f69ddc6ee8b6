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

  it('logs off after curtailing, so the next actor can log on', async () => {
    const fake = fleet().miners[SPARE_INDEX + 1]!;
    const miner = minerFor(fake, 'luxos');
    expect((await new LuxosDriver().sleep(miner, quick)).ok).toBe(true);
    expect((await new LuxosDriver().wake(miner, quick)).ok).toBe(true);
    expect(fake.fake.commands).toEqual(['sleep', 'wake']);
  });

  it('maps a STATUS E from curtail to a vendor error with its code', async () => {
    const result = await new LuxosDriver().sleep(minerFor(fleet().miners[VENDOR_ERROR_INDEX]!, 'luxos'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'vendor-error', code: 14 } });
  });

  it('reads a reply that ends in a NUL byte', async () => {
    const fake = fleet().miners[SPARE_INDEX + 2]!;
    const raw = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      const socket = net.connect(fake.port, fake.host, () => socket.end('{"command":"summary"}'));
      socket.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks)));
    });
    expect(raw.at(-1)).toBe(0);
    expect(await new LuxosDriver().readState(minerFor(fake, 'luxos'), quick)).toMatchObject({ ok: true, value: { powerW: 3500 } });
  });

  it('has no power target over this API', async () => {
    const result = await new LuxosDriver().setPowerTarget(minerFor(fleet().miners[SPARE_INDEX]!, 'luxos'));
    expect(result).toMatchObject({ ok: false, error: { kind: 'unsupported' } });
  });
});
