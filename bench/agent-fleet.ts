/**
 * Time to sleep (and wake) a fleet of fake LuxOS miners through the fleet executor, the fakes served by separate
 * fake-fleet processes (as at a site, the miners are not in the agent's process).
 *
 *   tsx bench/agent-fleet.ts [--sizes 2000,10000] [--concurrency 256,512] [--processes 2]
 *
 * "asleep" is the moment the last miner acknowledged `curtail sleep`; "confirmed" adds a read-back of every miner's
 * state (config/summary/power), the way the agent checks the fleet after a step.
 */
import { parseArgs } from 'node:util';
import { createDrivers } from '../agent/miners/drivers/index.ts';
import { executeFleet, type FleetTask } from '../agent/miners/fleet.ts';
import { spawnLuxosFleet } from './agent.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2000,10000' },
    concurrency: { type: 'string', default: '256,512' },
    processes: { type: 'string', default: '2' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const concurrencies = values.concurrency.split(',').map(Number);
const processes = Number(values.processes);

const startFleet = (size: number) => spawnLuxosFleet(size, processes, '127.20.0.1');

const rows: string[] = [];
for (const size of sizes) {
  const fleet = await startFleet(size);
  for (const concurrency of concurrencies) {
    const drivers = createDrivers();
    const settings = { concurrency, timeoutMs: 5_000, retries: 3 };
    const run = async (kind: 'sleep' | 'wake') => {
      const tasks: FleetTask[] = fleet.miners.map((miner) => ({ miner, command: { kind } }));
      const commanded = await executeFleet(tasks, { drivers, settings });
      const reads = await executeFleet(
        fleet.miners.map((miner) => ({ miner, command: { kind: 'read-state' } })),
        { drivers, settings },
      );
      const want = kind === 'sleep' ? 'asleep' : 'running';
      const confirmed = reads.outcomes.filter((o) => o.state?.mode === want).length;
      return { commanded, reads, confirmed };
    };
    const sleep = await run('sleep');
    const wake = await run('wake');
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const asleepMs = sleep.commanded.elapsedMs;
    const cells = [
      size.toLocaleString('en'),
      concurrency,
      s(asleepMs),
      s(asleepMs + sleep.reads.elapsedMs),
      `${sleep.confirmed}/${size}`,
      s(wake.commanded.elapsedMs),
      `${wake.confirmed}/${size}`,
    ];
    rows.push(`| ${cells.join(' | ')} |`);
    process.stderr.write(`${rows.at(-1)}\n`);
  }
  await fleet.stop();
}
const header = '| miners | concurrency | asleep (acknowledged) | asleep + read back | confirmed asleep | woken | confirmed running |';
process.stdout.write(`${[header, '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n')}\n`);
