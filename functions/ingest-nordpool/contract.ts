/**
 * ingest-nordpool: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts, infra/schedules.ts), so that a variable the stack sets is one the handler
 * reads and an input a schedule sends is one the handler accepts.
 */
import * as z from 'zod';
import { BaseEnv, FeedHttpEnv, optionalText, SecretStoreEnv } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  ...SecretStoreEnv.shape,
  ...FeedHttpEnv.shape,
  /** The ENTSO-E Transparency Platform security token: the value, or `_PARAM` (SSM) / `_SECRET` (`<ARN>#<field>`). */
  ENTSOE_SECURITY_TOKEN: optionalText,
  ENTSOE_SECURITY_TOKEN_PARAM: optionalText,
  ENTSOE_SECURITY_TOKEN_SECRET: optionalText,
  /** Endpoint overrides (tests); the providers' public endpoints otherwise. */
  NORDPOOL_BASE_URL: optionalText,
  ENTSOE_BASE_URL: optionalText,
  ECB_DAILY_URL: optionalText,
});
export type Env = z.output<typeof Env>;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { error: (issue) => `must be a day YYYY-MM-DD (got "${String(issue.input)}")` })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)), { error: 'is not a calendar day' });

/**
 * A scheduled slot (`{}`, or `{ "lastAttempt": true }` on the day's last slot: a day still not
 * published is then an error), or one delivery day to fetch again: `{ "deliveryDay": "2025-10-26" }`.
 */
export const Event = z.strictObject({ deliveryDay: day.optional(), lastAttempt: z.boolean().optional() });
export type Event = z.input<typeof Event>;
