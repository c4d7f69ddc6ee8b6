/**
 * ingest-hashprice: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts), so that a variable the stack sets is one the handler reads.
 */
import * as z from 'zod';
import { BaseEnv, FeedHttpEnv, HashpriceEnv, HashpriceLookbackEnv, SecretStoreEnv } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  ...SecretStoreEnv.shape,
  ...FeedHttpEnv.shape,
  ...HashpriceEnv.shape,
  ...HashpriceLookbackEnv.shape,
});
export type Env = z.output<typeof Env>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: (issue) => `must be a day YYYY-MM-DD (got "${String(issue.input)}")` });

/** The scheduled pull (`{}`), or days to backfill: `{ "fromDay": "2024-06-01", "toDay": "2024-06-30" }` (either defaults). */
export const Event = z.object({ fromDay: day.optional(), toDay: day.optional() });
export type Event = z.input<typeof Event>;
