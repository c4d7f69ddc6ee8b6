/** A `switchyard` sub-command. `run` returns the process exit code; bad flags throw a UsageError. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

/** Bad command-line input: printed as one clear line with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
