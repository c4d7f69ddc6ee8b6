import { parseFlags } from '../args.ts';
import { startRuntime } from '../runtime.ts';
import type { Command } from './types.ts';

export const start: Command = {
  name: 'start',
  summary: 'run the local runtime: embedded DynamoDB, HTTP API and the hourly scheduler',
  usage: 'switchyard start   (configure with PORT, SWITCHYARD_HOME, SWITCHYARD_SITES, SWITCHYARD_MARKET_DATA)',
  async run(argv) {
    parseFlags(argv, {});
    const rt = await startRuntime();
    process.stdout.write(
      `Switchyard is running.\n  console    ${rt.consoleLink()}  (signs you in once, within 10 minutes)\n` +
        `  API        ${rt.server.url}  (try ${rt.server.url}/health; docs ${rt.server.url}/docs)\n` +
        `  DynamoDB   ${rt.ctx.store.endpoint}\n  home       ${rt.ctx.config.home}\n  sites      ${rt.ctx.config.sitesFile}${rt.ctx.config.demoSites ? ' (demo)' : ''}\n  token      npm run switchyard -- token --role finance --user you\n`,
    );
    await new Promise<void>((resolve) => {
      const shutdown = () => resolve();
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    });
    process.stdout.write('stopping…\n');
    await rt.stop();
    return 0;
  },
};
