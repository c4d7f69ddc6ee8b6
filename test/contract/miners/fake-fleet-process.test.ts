import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { parseInventory, siteMiners } from '../../../agent/inventory.ts';
import { LuxosDriver } from '../../../agent/miners/drivers/luxos.ts';

describe('fake-fleet process', () => {
  it('serves its range, prints it as an inventory fragment the agent accepts, and exits 0 on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'local/fake-fleet/main.ts',
        '--driver',
        'luxos',
        '--first-index',
        '300',
        '--count',
        '40',
        '--first-address',
        '127.7.0.1',
        '--credential',
        'env:NOT_NEEDED',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const line = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    const fragment = JSON.parse(line) as { miners: unknown[] };
    const inventory = parseInventory({
      version: 1,
      sites: [
        {
          siteId: 's',
          loads: [{ loadId: 'l', miners: fragment.miners }],
          meters: {
            address: '127.0.0.1:502',
            aiLoad: { address: 0, table: 'input', type: 'uint32', unit: 'kW' },
            siteTotal: { address: 2, table: 'input', type: 'uint32', unit: 'kW' },
          },
        },
      ],
    });
    const miners = siteMiners(inventory, 's', { env: { NOT_NEEDED: 'root:x' }, readFile: () => '{}' }).loads[0]!.miners;

    expect(miners).toHaveLength(40);
    expect(miners[0]).toMatchObject({ id: 'm300', host: '127.7.1.45', port: 4028 });
    expect(await new LuxosDriver().readState(miners[39]!, { timeoutMs: 2_000 })).toMatchObject({ ok: true, value: { mode: 'running' } });

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
