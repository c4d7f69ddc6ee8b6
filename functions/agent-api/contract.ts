/** agent-api: its environment, shared with the stack (infra/functions.ts). Its events are API Gateway's (HTTP API, payload 2.0). */
import * as z from 'zod';
import { BaseEnv } from '../shared/settings.ts';

/**
 * `<clientId>=<siteId>,…`: the Cognito app client of each site's agent and the site it acts for
 * (set by the stack, infra/api.ts). Unset or empty: no agent clients.
 */
export const AgentClients = z
  .string()
  .optional()
  .transform((text, ctx) => {
    const out: Record<string, string> = {};
    for (const entry of (text ?? '').split(',').map((s) => s.trim())) {
      if (entry === '') continue;
      const [client, site, ...rest] = entry.split('=').map((s) => s.trim());
      if (!client || !site || rest.length > 0) {
        ctx.addIssue({ code: 'custom', message: `expected <clientId>=<siteId>, comma-separated (got "${entry}")` });
        return z.NEVER;
      }
      out[client] = site;
    }
    return out;
  });

export const Env = z.object({
  ...BaseEnv.shape,
  AGENT_CLIENTS: AgentClients,
});
export type Env = z.output<typeof Env>;
