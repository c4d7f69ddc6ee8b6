/**
 * ingest-prices: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts), so that a variable the stack sets is one the handler reads.
 */
import * as z from 'zod';
import { parseInstant } from '#domain/time.ts';
import { BaseEnv, ErcotEnv, FeedHttpEnv, PriceLookbackEnv, SecretStoreEnv, wholeNumber } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  ...SecretStoreEnv.shape,
  ...FeedHttpEnv.shape,
  ...ErcotEnv.shape,
  ...PriceLookbackEnv.shape,
  /**
   * Minutes of ERCOT SCED LMPs (NP6-788-CD, stored as RT5) pulled behind now on every run, with the same ERCOT
   * credentials; 0 (the default) leaves the 5-minute pull off.
   */
  RT5_LOOKBACK_MINUTES: wholeNumber(0, 24 * 60, 0),
});
export type Env = z.output<typeof Env>;

const instant = z.string().transform((text, ctx) => {
  const ms = parseInstant(text);
  if (!Number.isFinite(ms)) ctx.addIssue({ code: 'custom', message: `must be an ISO instant with an offset (got "${text}")` });
  return ms;
});

/** A scheduled pull (`{}`), or a window to backfill: `{ "from": "2024-07-01T05:00:00Z", "to": "…" }` (both or neither). */
export const Event = z
  .object({ from: instant.optional(), to: instant.optional() })
  .refine((e) => (e.from === undefined) === (e.to === undefined), { message: 'needs both from and to, or neither', path: ['from'] })
  .transform((e) => (e.from !== undefined && e.to !== undefined ? { window: { fromMs: e.from, toMs: e.to } } : {}));
export type Event = z.input<typeof Event>;
