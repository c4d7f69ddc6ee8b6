/**
 * run-interval: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts), so that a variable the stack sets is one the handler reads.
 */
import * as z from 'zod';
import { parseInstant } from '#domain/time.ts';
import { BaseEnv, wholeNumber } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  /** Missed hours a scheduled run catches up at most. */
  MAX_CATCH_UP_HOURS: wholeNumber(1, 24 * 31, 24),
});
export type Env = z.output<typeof Env>;

/** The schedule's event (`{ "trigger": "schedule" }`), or one hour to run: `{ "at": "2024-07-15T20:00:00Z" }`. */
export const Event = z.object({
  at: z
    .string()
    .transform((text, ctx) => {
      const ms = parseInstant(text);
      if (!Number.isFinite(ms)) ctx.addIssue({ code: 'custom', message: `must be an ISO instant with an offset (got "${text}")` });
      return ms;
    })
    .optional(),
  trigger: z.string().min(1).default('schedule'),
});
export type Event = z.input<typeof Event>;
