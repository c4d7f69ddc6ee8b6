/**
 * ingest-intensity: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts), so that a variable the stack sets is one the handler reads.
 */
import * as z from 'zod';
import { IntensityEnv } from '../shared/intensity.ts';
import { BaseEnv, FeedHttpEnv } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  ...FeedHttpEnv.shape,
  ...IntensityEnv.shape,
});
export type Env = z.output<typeof Env>;

/** A scheduled pull takes no input: the dashboard has the current operating day only, nothing to backfill. */
export const Event = z.strictObject({});
export type Event = z.input<typeof Event>;
