/**
 * ingest-grid-events: its environment and its event, shared by the handler and the stack
 * (infra/functions.ts), so that a variable the stack sets is one the handler reads.
 */
import * as z from 'zod';
import { BaseEnv } from '../shared/settings.ts';

export const Env = BaseEnv;
export type Env = z.output<typeof Env>;

/**
 * The grid-events JSON document, `{ "events": [ … ] }` (or the bare array). Each event is then
 * validated by the grid-events parser (shared/adapters/feeds/grid-events.ts), which names the
 * event and field of the first bad one.
 */
export const Event = z.union([z.object({ events: z.array(z.unknown()) }), z.array(z.unknown())], {
  error: 'must be { "events": [ … ] } or an array of events',
});
export type Event = z.input<typeof Event>;
