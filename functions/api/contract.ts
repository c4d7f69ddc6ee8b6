/** api: its environment, shared with the stack (infra/functions.ts). Its events are API Gateway's (HTTP API, payload 2.0). */
import * as z from 'zod';
import { BaseEnv, optionalText } from '../shared/settings.ts';

export const Env = z.object({
  ...BaseEnv.shape,
  /** Origin of the dashboard allowed by CORS; unset: no browser access. */
  CORS_ORIGIN: optionalText,
});
export type Env = z.output<typeof Env>;
