#!/usr/bin/env node
/** `switchyard <command>`: the local runtime and tools. */
import { pathToFileURL } from 'node:url';
import { ValidationError } from '#domain/errors.ts';
import { type Command, UsageError } from './commands/types.ts';

const COMMANDS: Record<string, () => Promise<Command>> = {
  start: async () => (await import('./commands/start.ts')).start,
  run: async () => (await import('./commands/run.ts')).run,
  token: async () => (await import('./commands/token.ts')).token,
  ingest: async () => (await import('./commands/ingest.ts')).ingest,
  prices: async () => (await import('./commands/prices.ts')).prices,
  intensity: async () => (await import('./commands/intensity.ts')).intensity,
  backtest: async () => (await import('./commands/backtest.ts')).backtest,
  bids: async () => (await import('./commands/bids.ts')).bids,
  agent: async () => (await import('./commands/agent.ts')).agent,
  compliance: async () => (await import('./commands/compliance.ts')).compliance,
};

function help(): string {
  return `usage: switchyard <command> [flags]\n\ncommands:\n${Object.keys(COMMANDS)
    .map((c) => `  ${c}`)
    .join('\n')}\n\nrun "switchyard <command> --help" for a command's flags\n`;
}

export async function main(argv: string[]): Promise<number> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`switchyard: unknown command "${name}"\n${help()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.summary}\nusage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`switchyard ${name}: ${err.message}\nusage: ${command.usage}\n`);
      return 2;
    }
    if (err instanceof ValidationError) {
      process.stderr.write(`switchyard ${name}: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`switchyard ${name}: ${(err as Error).message}\n`);
    if (process.env.SWITCHYARD_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`switchyard: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
