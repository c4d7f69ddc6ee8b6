import { existsSync } from 'node:fs';
import { siteAdapters } from '#agent/adapters/index.ts';
import { tokenSource } from '#agent/cloud.ts';
import { loadInventoryFile, siteMiners } from '#agent/inventory.ts';
import { startAgent } from '#agent/main.ts';
import { parseAgentSettings, SettingsError } from '#agent/settings.ts';
import { parseFlags } from '../args.ts';
import { type Command, UsageError } from './types.ts';

const FLAGS = {
  site: { type: 'string' },
  inventory: { type: 'string' },
  api: { type: 'string' },
  'token-file': { type: 'string' },
  'state-dir': { type: 'string' },
  'poll-s': { type: 'string' },
  'price-s': { type: 'string' },
  'meter-s': { type: 'string' },
  'telemetry-s': { type: 'string' },
  'refresh-s': { type: 'string' },
  'step-miners': { type: 'string' },
  'step-pause-s': { type: 'string' },
  'max-price-age-s': { type: 'string' },
  'headroom-mw': { type: 'string' },
  concurrency: { type: 'string' },
  'miner-timeout-s': { type: 'string' },
  'stop-timeout-s': { type: 'string' },
} as const;

export const agent: Command = {
  name: 'agent',
  summary: 'run the site agent: carry out the dispatch plan on the miners and report telemetry',
  usage:
    'switchyard agent --site <id> --inventory <file> [--api <url>] [--token-file <f>] [--state-dir <d>] [--poll-s 5] [--price-s 30] ' +
    '[--meter-s 1] [--telemetry-s 30] [--refresh-s 60] [--step-miners 1000] [--step-pause-s 0] [--max-price-age-s 900] ' +
    '[--headroom-mw 0] [--concurrency 512] [--miner-timeout-s 3] [--stop-timeout-s 10]  (token: --token-file or $SWITCHYARD_AGENT_TOKEN)',
  async run(argv) {
    const flags = parseFlags(argv, FLAGS);
    const input = Object.fromEntries(
      Object.entries(flags)
        .filter(([, value]) => value !== undefined)
        .map(([flag, value]) => [flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), value]),
    );
    let settings: ReturnType<typeof parseAgentSettings>;
    try {
      settings = parseAgentSettings(input);
    } catch (error) {
      if (error instanceof SettingsError) throw new UsageError(error.message);
      throw error;
    }
    const envToken = process.env.SWITCHYARD_AGENT_TOKEN;
    if (settings.tokenFile === undefined && !envToken) throw new UsageError('--token-file is required (or set SWITCHYARD_AGENT_TOKEN)');
    if (settings.tokenFile !== undefined && !existsSync(settings.tokenFile))
      throw new UsageError(`--token-file: ${settings.tokenFile} does not exist`);
    const token = tokenSource(settings.tokenFile === undefined ? { value: envToken ?? '' } : { file: settings.tokenFile });
    // A bad inventory (or a credential it names that is not set) stops the agent before anything else is built.
    siteMiners(loadInventoryFile(settings.inventory), settings.site);
    const running = await startAgent(settings, { adapters: siteAdapters(), token });
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await running.stop();
    return 0;
  },
};
