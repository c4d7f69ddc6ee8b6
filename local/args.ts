/** Flag parsing for the CLI: node:util parseArgs, with errors that name the flag. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { parseInstant } from '#domain/time.ts';
import { UsageError } from './commands/types.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

/** An ISO instant (`2024-07-01T15:00:00Z`) or a UTC day (`2024-07-01`). */
export function instantFlag(value: string | undefined, flag: string): number {
  const text = requireFlag(value, flag);
  const ms = parseInstant(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (!Number.isFinite(ms))
    throw new UsageError(`--${flag} must be an ISO instant such as 2024-07-01T15:00:00Z or a day such as 2024-07-01 (got "${text}")`);
  return ms;
}

export function choiceFlag<T extends string>(value: string | undefined, flag: string, choices: readonly T[]): T {
  const text = requireFlag(value, flag);
  if (!(choices as readonly string[]).includes(text))
    throw new UsageError(`--${flag} must be one of ${choices.join(', ')} (got "${text}")`);
  return text as T;
}

/** `--from` and `--to` as a UTC window `[from, to)`; `--to` must be after `--from`. */
export function windowFlags(flags: { from?: string | undefined; to?: string | undefined }): { fromMs: number; toMs: number } {
  const fromMs = instantFlag(flags.from, 'from');
  const toMs = instantFlag(flags.to, 'to');
  if (toMs <= fromMs) throw new UsageError('--to must be after --from');
  return { fromMs, toMs };
}

/** `--format csv|json`, csv by default. */
export function formatFlag(value: string | undefined): 'csv' | 'json' {
  return value === undefined ? 'csv' : choiceFlag(value, 'format', ['csv', 'json'] as const);
}

/** `2024-01-01T06:00:00Z`: whole seconds where the instant has no milliseconds, as stored intervals do. */
export function utcText(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, 19)}Z` : s;
}
