import { instantFlag, parseFlags } from '../args.ts';
import { openLocalContext } from '../context.ts';
import { runLocal } from '../engine.ts';
import type { Command } from './types.ts';

export const run: Command = {
  name: 'run',
  summary: 'decide and record one hour for every site (without --at: the current hour, catching up missed hours as the schedule does)',
  usage: 'switchyard run [--at <ISO instant>]',
  async run(argv) {
    const flags = parseFlags(argv, { at: { type: 'string' } });
    const atMs = flags.at === undefined ? undefined : instantFlag(flags.at, 'at');
    const ctx = await openLocalContext({ requireSites: true });
    try {
      const summary = await runLocal(ctx, atMs === undefined ? { trigger: 'schedule' } : { atMs, trigger: 'cli' });
      process.stdout.write(
        `${JSON.stringify({ ...summary, runs: summary.runs.map(({ errors, ...r }) => ({ ...r, ...(errors.length ? { errors } : {}) })) }, null, 2)}\n`,
      );
      return summary.runs.every((r) => r.status === 'SUCCEEDED') ? 0 : 1;
    } finally {
      await ctx.close();
    }
  },
};
