import { describe, expect, it } from 'vitest';
import { WhatsminerDriver } from '../../../agent/miners/drivers/whatsminer.ts';
import { driverContract, SPARE_INDEX, VENDOR_ERROR_INDEX } from './contract.ts';
import { minerFor, quick } from './support.ts';

const { fleet } = driverContract('whatsminer', '127.4.0.1', () => new WhatsminerDriver());

describe('Whatsminer specifics', () => {
  it('adjusts the power limit through the encrypted envelope and reads it back', async () => {
    const fake = fleet().miners[SPARE_INDEX]!;
    const driver = new WhatsminerDriver();
    const miner = minerFor(fake, 'whatsminer');
    expect(await driver.setPowerTarget(miner, 3000, quick)).toEqual({ ok: true, value: undefined });
    expect(await driver.readState(miner, quick)).toMatchObject({ ok: true, value: { powerTargetW: 3000, powerW: 3000 } });
  });

  it('keeps one token for its 30 minutes instead of asking before every write', async () => {
    const fake = fleet().miners[SPARE_INDEX + 1]!;
    let now = 1_000_000;
    const driver = new WhatsminerDriver(() => now);
    const miner = minerFor(fake, 'whatsminer');
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect((await driver.wake(miner, quick)).ok).toBe(true);
    expect(fake.fake.tokensIssued).toBe(1);
    now += 30 * 60_000;
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect(fake.fake.tokensIssued).toBe(2);
  });

  it('fetches a new token once when the miner says "check token err" (135)', async () => {
    const fake = fleet().miners[SPARE_INDEX + 2]!;
    const driver = new WhatsminerDriver();
    const miner = minerFor(fake, 'whatsminer');
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    fake.fake.dropSessions();
    expect(await driver.wake(miner, quick)).toEqual({ ok: true, value: undefined });
    expect(fake.fake.tokensIssued).toBe(2);
    expect(fake.fake.commands).toEqual(['sleep', 'wake']);
  });

  it('reports a wrong password as bad credentials after one fresh token', async () => {
    const fake = fleet().miners[SPARE_INDEX + 3]!;
    const result = await new WhatsminerDriver().sleep(minerFor(fake, 'whatsminer', 'not the password'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'bad-credentials' } });
    expect(fake.fake.commands).toEqual([]);
  });

  it('decrypts a vendor error and keeps its code', async () => {
    const result = await new WhatsminerDriver().sleep(minerFor(fleet().miners[VENDOR_ERROR_INDEX]!, 'whatsminer'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'vendor-error', code: 132 } });
  });
});
