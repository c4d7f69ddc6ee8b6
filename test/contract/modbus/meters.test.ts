/** The Modbus TCP meter and base-point readers against the loopback Modbus server of the fake fleet. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeRegister, ModbusBasePointSource, ModbusSiteMeters, type RegisterMap } from '#agent/adapters/modbus.ts';
import { MeterError } from '#agent/ports.ts';
import { encodeWords, type FakeModbusMeter, startModbusMeter } from '#local/fake-fleet/modbus-meter.ts';

const reg = (over: Partial<RegisterMap> & Pick<RegisterMap, 'address'>): RegisterMap => ({
  table: 'holding',
  type: 'float32',
  scale: 1,
  unit: 'MW',
  wordOrder: 'big',
  ...over,
});

let device: FakeModbusMeter;
const opened: { close(): Promise<void> }[] = [];

beforeEach(async () => {
  device = await startModbusMeter();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.close()));
  await device.close();
});

function meters(aiLoad: RegisterMap, siteTotal: RegisterMap, timeoutMs = 500): ModbusSiteMeters {
  const m = new ModbusSiteMeters({ address: device.address, unitId: 1, aiLoad, siteTotal }, { timeoutMs, clock: { nowMs: () => 42 } });
  opened.push(m);
  return m;
}

async function meterError(promise: Promise<unknown>): Promise<MeterError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MeterError);
  return err as MeterError;
}

describe('ModbusSiteMeters', () => {
  const cases: { what: string; spec: RegisterMap; value: number; mw: number }[] = [
    { what: 'uint16 in kW', spec: reg({ address: 10, type: 'uint16', unit: 'kW' }), value: 41_250, mw: 41.25 },
    { what: 'int16 with a scale of 0.1 MW, negative', spec: reg({ address: 10, type: 'int16', scale: 0.1 }), value: -12.5, mw: -12.5 },
    { what: 'uint32 in W, big word order', spec: reg({ address: 10, type: 'uint32', unit: 'W' }), value: 87_654_321, mw: 87.654321 },
    {
      what: 'uint32 in W, little word order',
      spec: reg({ address: 10, type: 'uint32', unit: 'W', wordOrder: 'little' }),
      value: 87_654_321,
      mw: 87.654321,
    },
    {
      what: 'int32 in kW, little word order, negative',
      spec: reg({ address: 10, type: 'int32', unit: 'kW', wordOrder: 'little' }),
      value: -250_000,
      mw: -250,
    },
    { what: 'float32, big word order', spec: reg({ address: 10, type: 'float32' }), value: 63.5, mw: 63.5 },
    {
      what: 'float32, little word order, input table',
      spec: reg({ address: 10, table: 'input', wordOrder: 'little' }),
      value: 17.25,
      mw: 17.25,
    },
  ];
  for (const c of cases) {
    it(`reads ${c.what}`, async () => {
      device.set(c.spec, c.value);
      device.set(reg({ address: 20 }), 90);
      const reading = await meters(c.spec, reg({ address: 20 })).read();
      expect(reading.aiLoadMw).toBeCloseTo(c.mw, 9);
      expect(reading).toMatchObject({ atMs: 42, siteTotalMw: 90 });
    });
  }

  it('tells the word orders apart: the same words read the other way give another value', async () => {
    const spec = reg({ address: 0, type: 'uint32', unit: 'W' });
    device.setWords('holding', 0, [0x0001, 0x0002]);
    const big = await meters(spec, reg({ address: 4 })).read();
    const little = await meters({ ...spec, wordOrder: 'little' }, reg({ address: 4 })).read();
    expect(big.aiLoadMw).toBeCloseTo(0x0001_0002 / 1e6, 12);
    expect(little.aiLoadMw).toBeCloseTo(0x0002_0001 / 1e6, 12);
  });

  it('keeps one connection across reads', async () => {
    const m = meters(reg({ address: 0 }), reg({ address: 2 }));
    await m.read();
    await m.read();
    expect(device.connections).toBe(1);
    expect(device.requests).toBe(4);
  });

  it('names the device and register when the device does not answer in time', async () => {
    device.failure = 'silent';
    const err = await meterError(meters(reg({ address: 0 }), reg({ address: 2 }), 200).read());
    expect(err.device).toBe(`meters ${device.address} unit 1`);
    expect(err.register).toBe('aiLoad (holding register 0)');
    expect(err.message).toBe(`meters ${device.address} unit 1 aiLoad (holding register 0): no answer within 200 ms`);
  });

  it('opens a new connection after a timeout, so a late answer is not taken for the next read', async () => {
    const m = meters(reg({ address: 0 }), reg({ address: 2 }), 200);
    device.failure = 'silent';
    await meterError(m.read());
    device.failure = 'none';
    device.set(reg({ address: 0 }), 5);
    expect((await m.read()).aiLoadMw).toBe(5);
    expect(device.connections).toBe(2);
  });

  it('reports a dropped connection and reconnects on the next read', async () => {
    const m = meters(reg({ address: 0 }), reg({ address: 2, table: 'input' }));
    device.set(reg({ address: 0 }), 30);
    device.set(reg({ address: 2, table: 'input' }), 80);
    await m.read();
    device.failure = 'drop';
    const err = await meterError(m.read());
    expect(err.message).toBe(`meters ${device.address} unit 1 aiLoad (holding register 0): the connection closed before the answer`);
    device.failure = 'none';
    expect(await m.read()).toEqual({ atMs: 42, aiLoadMw: 30, siteTotalMw: 80 });
    expect(device.connections).toBe(2);
  });

  it('turns an exception response into a MeterError naming the register and the exception', async () => {
    const m = meters(reg({ address: 0 }), reg({ address: 999, table: 'input', type: 'uint32' }));
    const err = await meterError(m.read());
    expect(err.register).toBe('siteTotal (input register 999)');
    expect(err.message).toMatch(/siteTotal \(input register 999\): the device answered exception 2 \(ILLEGAL DATA ADDRESS\)$/);
    // An exception is an answer: the connection stays open for the next read.
    await meterError(m.read());
    expect(device.connections).toBe(1);
  });

  it('names the device when nothing listens at its address', async () => {
    const address = device.address;
    await device.close();
    device = await startModbusMeter();
    const m = new ModbusSiteMeters({ address, unitId: 1, aiLoad: reg({ address: 0 }), siteTotal: reg({ address: 2 }) }, { timeoutMs: 500 });
    opened.push(m);
    const err = await meterError(m.read());
    expect(err.message).toBe(`meters ${address} unit 1 aiLoad (holding register 0): cannot connect (ECONNREFUSED)`);
  });

  it('refuses to read after close', async () => {
    const m = meters(reg({ address: 0 }), reg({ address: 2 }));
    await m.close();
    expect((await meterError(m.read())).message).toMatch(/the reader is closed$/);
  });
});

describe('ModbusBasePointSource', () => {
  it('reads the QSE base point in MW', async () => {
    const basePoint = reg({ address: 40, type: 'int32', unit: 'kW', scale: 0.1 });
    device.set(basePoint, 72_500);
    const source = new ModbusBasePointSource({ address: device.address, unitId: 1, basePoint }, { clock: { nowMs: () => 7 } });
    opened.push(source);
    expect(await source.read()).toEqual({ atMs: 7, basePointMw: 72.5 });
  });

  it('is answered with an exception by a device behind another unit id', async () => {
    const basePoint = reg({ address: 40 });
    const source = new ModbusBasePointSource({ address: device.address, unitId: 9, basePoint }, { timeoutMs: 500 });
    opened.push(source);
    const err = await meterError(source.read());
    expect(err.device).toBe(`qse ${device.address} unit 9`);
    expect(err.message).toMatch(/basePoint \(holding register 40\): the device answered exception 11 /);
  });
});

describe('decodeRegister', () => {
  it('decodes what the fake encodes for every type and word order', () => {
    for (const type of ['uint16', 'int16', 'uint32', 'int32', 'float32'] as const) {
      for (const wordOrder of ['big', 'little'] as const) {
        const spec = reg({ address: 0, type, wordOrder, scale: 0.5, unit: 'kW' });
        const value = type.startsWith('u') ? 1_234 : -1_234;
        const bytes = Buffer.from(encodeWords(spec, value).flatMap((w) => [w >> 8, w & 0xff]));
        expect(decodeRegister(bytes, spec)).toBeCloseTo(value / 1000, 9);
      }
    }
  });
});
