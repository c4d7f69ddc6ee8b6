import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { InventoryError, parseInventory, resolveCredentials, siteMiners } from '../../../agent/inventory.ts';

const SECRET = 's3cret-pa55word';

const register = (address: number) => ({ address, table: 'holding', type: 'float32', unit: 'MW' });
function inventory(miners: unknown[]): Record<string, unknown> {
  return {
    version: 1,
    sites: [
      {
        siteId: 'rockdale',
        loads: [{ loadId: 'miners-a', miners }],
        meters: { address: '10.0.0.5:502', unitId: 1, aiLoad: register(100), siteTotal: register(102) },
        qse: { address: '10.0.0.9:502', basePoint: register(40) },
      },
    ],
  };
}
const entry = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  address: '10.1.0.1:4028',
  driver: 'luxos',
  ratedW: 3500,
  ...extra,
});

function problems(json: unknown): readonly string[] {
  try {
    parseInventory(json);
  } catch (error) {
    if (error instanceof InventoryError) return error.problems;
    throw error;
  }
  throw new Error('expected the inventory to be refused');
}

describe('inventory validation', () => {
  it('names the miner and field of a bad driver', () => {
    const miners = Array.from({ length: 13 }, (_, i) => entry(`m${i}`, i === 12 ? { driver: 'cgminer' } : {}));
    expect(problems(inventory(miners))).toContain(
      'sites[0].loads[0].miners[12].driver: expected one of luxos, braiins, whatsminer, antminer',
    );
  });

  it('names a bad address, a missing rating and an unknown credential scheme', () => {
    const found = problems(
      inventory([
        { id: 'a', address: '10.1.0.1', driver: 'braiins', ratedW: 3500 },
        { id: 'b', address: '10.1.0.2:80', driver: 'braiins' },
        { id: 'c', address: '10.1.0.3:80', driver: 'braiins', ratedW: 3500, credential: 'vault:secret/x' },
      ]),
    );
    expect(found).toEqual([
      'sites[0].loads[0].miners[0].address: expected host:port',
      'sites[0].loads[0].miners[1].ratedW: expected watts',
      'sites[0].loads[0].miners[2].credential: expected env:NAME or file:/absolute/path.json#key',
    ]);
  });

  it('names the register field of the meter map', () => {
    const json = inventory([entry('a')]);
    (json.sites as Array<Record<string, Record<string, unknown>>>)[0]!.meters!.siteTotal = { ...register(1), table: 'coil' };
    expect(problems(json)).toEqual(['sites[0].meters.siteTotal.table: expected holding or input']);
  });

  it('names a field inside the range form', () => {
    expect(
      problems(inventory([{ range: { first: '10.2.0.300', count: 3, port: 4028 }, idPrefix: 'm', driver: 'luxos', ratedW: 3500 }])),
    ).toEqual(['sites[0].loads[0].miners[0].range.first: expected an IPv4 address']);
  });

  it('refuses two miners with one id, naming both places', () => {
    expect(
      problems(
        inventory([
          entry('m1'),
          { range: { first: '10.2.0.1', count: 3, port: 4028 }, idPrefix: 'm', firstId: 0, driver: 'luxos', ratedW: 3500 },
        ]),
      ),
    ).toEqual(['sites[0].loads[0].miners[1]: miner id m1 is also at loads[0].miners[0]']);
  });

  it('expands an address range into consecutive addresses across an octet boundary', () => {
    const parsed = parseInventory(
      inventory([{ range: { first: '127.1.0.254', count: 4, port: 4028 }, idPrefix: 'r', firstId: 10, driver: 'luxos', ratedW: 3500 }]),
    );
    const { loads } = siteMiners(parsed, 'rockdale', { env: {}, readFile: () => '{}' });
    expect(loads[0]!.miners.map((m) => `${m.id}@${m.host}:${m.port}`)).toEqual([
      'r10@127.1.0.254:4028',
      'r11@127.1.0.255:4028',
      'r12@127.1.1.0:4028',
      'r13@127.1.1.1:4028',
    ]);
  });
});

describe('credentials', () => {
  it('resolves env and file references into usernames and hidden passwords', () => {
    const creds = resolveCredentials(['env:LUXOS_CRED', 'file:/etc/switchyard/miners.json#braiins'], {
      env: { LUXOS_CRED: `root:${SECRET}` },
      readFile: () => JSON.stringify({ braiins: { username: 'admin', password: SECRET } }),
    });
    expect(creds.get('env:LUXOS_CRED')?.username).toBe('root');
    expect(creds.get('env:LUXOS_CRED')?.password.reveal()).toBe(SECRET);
    expect(creds.get('file:/etc/switchyard/miners.json#braiins')?.username).toBe('admin');
  });

  it('never shows the secret in JSON, inspection or string form of a resolved miner', () => {
    const parsed = parseInventory(inventory([entry('a', { credential: 'env:CRED', driver: 'braiins' })]));
    const site = siteMiners(parsed, 'rockdale', { env: { CRED: `root:${SECRET}` }, readFile: () => '{}' });
    const miner = site.loads[0]!.miners[0]!;
    expect(JSON.stringify(site)).not.toContain(SECRET);
    expect(inspect(site, { depth: 10 })).not.toContain(SECRET);
    expect(`${miner.credential?.password}`).toBe('[secret]');
  });

  it('names the reference, never the value, when a credential cannot be used', () => {
    let message = '';
    try {
      resolveCredentials(['env:MISSING', 'env:NO_USER', 'file:/x.json#k'], {
        env: { NO_USER: SECRET },
        readFile: () => JSON.stringify({ other: SECRET }),
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('env:MISSING: the environment variable is not set');
    expect(message).toContain('env:NO_USER: expected "user:password" or {"username", "password"}');
    expect(message).toContain('file:/x.json#k: the file has no key k');
    expect(message).not.toContain(SECRET);
  });
});
