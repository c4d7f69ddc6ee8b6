import { describe, expect, it } from 'vitest';
import { AntminerDriver } from '../../../agent/miners/drivers/antminer.ts';
import { driverContract, SPARE_INDEX, VENDOR_ERROR_INDEX } from './contract.ts';
import { minerFor, quick } from './support.ts';

const { fleet } = driverContract('antminer', '127.5.0.1', () => new AntminerDriver());

describe('stock Antminer specifics', () => {
  it('sleeps, reads and wakes with the digest nonce cached across calls', async () => {
    const fake = fleet().miners[SPARE_INDEX]!;
    const driver = new AntminerDriver();
    const miner = minerFor(fake, 'antminer');
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect(await driver.readState(miner, quick)).toMatchObject({ ok: true, value: { mode: 'asleep', powerW: 0 } });
    expect((await driver.wake(miner, quick)).ok).toBe(true);
    expect(fake.fake.commands).toEqual(['sleep', 'wake']);
  });

  it('posts the configuration back with only the mode changed', async () => {
    const fake = fleet().miners[SPARE_INDEX + 1]!;
    const driver = new AntminerDriver();
    const miner = minerFor(fake, 'antminer');
    expect((await driver.sleep(miner, quick)).ok).toBe(true);
    expect(fake.fake.lastConfig).toMatchObject({ 'miner-mode': 1, 'bitmain-fan-pwm': '100', pools: [{ user: 'site.worker' }] });
    expect(fake.fake.lastConfig).not.toHaveProperty('bitmain-work-mode');
  });

  it('maps {"stats":"error"} to a vendor error with its code', async () => {
    const result = await new AntminerDriver().sleep(minerFor(fleet().miners[VENDOR_ERROR_INDEX]!, 'antminer'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'vendor-error', code: 'M001' } });
  });

  it('has no power target on stock firmware', async () => {
    expect(await new AntminerDriver().setPowerTarget(minerFor(fleet().miners[SPARE_INDEX]!, 'antminer'))).toMatchObject({
      ok: false,
      error: { kind: 'unsupported' },
    });
  });
});
