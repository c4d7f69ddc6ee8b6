import { describe, expect, it } from 'vitest';
import { BraiinsDriver } from '../../../agent/miners/drivers/braiins.ts';
import { driverContract, SPARE_INDEX, VENDOR_ERROR_INDEX } from './contract.ts';
import { minerFor, quick } from './support.ts';

const { fleet } = driverContract('braiins', '127.3.0.1', () => new BraiinsDriver());

describe('Braiins OS specifics', () => {
  it('sets a power target and reads it back with the power it implies', async () => {
    const fake = fleet().miners[SPARE_INDEX]!;
    const driver = new BraiinsDriver();
    const miner = minerFor(fake, 'braiins');
    expect(await driver.setPowerTarget(miner, 2800, quick)).toEqual({ ok: true, value: undefined });
    expect(await driver.readState(miner, quick)).toMatchObject({ ok: true, value: { mode: 'running', powerTargetW: 2800, powerW: 2800 } });
    expect(fake.fake.commands).toEqual(['power-target:2800']);
  });

  it('logs in again when the miner has dropped the token (401), and the command goes through once', async () => {
    const fake = fleet().miners[SPARE_INDEX + 1]!;
    const driver = new BraiinsDriver();
    const miner = minerFor(fake, 'braiins');
    expect((await driver.readState(miner, quick)).ok).toBe(true);
    fake.fake.dropSessions();
    expect(await driver.sleep(miner, quick)).toEqual({ ok: true, value: undefined });
    expect(fake.fake.commands).toEqual(['sleep']);
  });

  it('maps an HTTP 500 with the API error body to a vendor error', async () => {
    const result = await new BraiinsDriver().sleep(minerFor(fleet().miners[VENDOR_ERROR_INDEX]!, 'braiins'), quick);
    expect(result).toMatchObject({ ok: false, error: { kind: 'vendor-error', code: 500 } });
  });
});
