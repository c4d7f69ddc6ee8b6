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

/** The trigger of a re-decision on a new price (the PricesStored rule, infra/price-updates.ts). */
export const PRICE_TRIGGER = 'price';

/**
 * The schedule's event (`{ "trigger": "schedule" }`), one hour to run (`{ "at": "2024-07-15T20:00:00Z" }`),
 * or a new price for a node (`{ "trigger": "price", "market": "ERCOT", "node": "HB_HUBAVG" }`): the
 * decisions of that node's sites still to be acted on are made again (shared/app/jobs/price-redecide.ts).
 */
export const Event = z
  .object({
    at: z
      .string()
      .transform((text, ctx) => {
        const ms = parseInstant(text);
        if (!Number.isFinite(ms)) ctx.addIssue({ code: 'custom', message: `must be an ISO instant with an offset (got "${text}")` });
        return ms;
      })
      .optional(),
    trigger: z.string().min(1).default('schedule'),
    market: z.string().min(1).optional(),
    node: z.string().min(1).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.trigger === PRICE_TRIGGER) {
      for (const field of ['market', 'node'] as const) {
        if (e[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `is required with trigger "${PRICE_TRIGGER}"` });
      }
      if (e.at !== undefined) ctx.addIssue({ code: 'custom', path: ['at'], message: `does not go with trigger "${PRICE_TRIGGER}"` });
    } else {
      for (const field of ['market', 'node'] as const) {
        if (e[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `goes only with trigger "${PRICE_TRIGGER}"` });
      }
    }
  });
export type Event = z.input<typeof Event>;
