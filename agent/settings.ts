/** The agent's settings, validated once at the edge; every problem names the command-line flag that sets it. */
import * as z from 'zod';

const seconds = (fallback: number) =>
  z.coerce.number({ error: 'expected a number of seconds' }).positive({ error: 'expected seconds > 0' }).default(fallback);
const whole = (fallback: number, min = 1) =>
  z.coerce.number({ error: 'expected a whole number' }).int({ error: 'expected a whole number' }).min(min).default(fallback);

export const AgentSettingsSchema = z.strictObject({
  site: z
    .string({ error: 'is required' })
    .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, { error: 'expected a site id (lower-case letters, digits, - or _)' }),
  inventory: z.string({ error: 'is required' }).min(1, { error: 'is required' }),
  api: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('http://127.0.0.1:3000'),
  tokenFile: z.string().min(1).optional(),
  stateDir: z.string().min(1).optional(),
  /** Plan polling (DESIGN §9: every 5 s). */
  pollS: seconds(5),
  /** Live 5-minute price polling. */
  priceS: seconds(30),
  /** Site meters (and base point) polling: the AI tenants' load is followed at this pace. */
  meterS: seconds(1),
  /** Telemetry samples. */
  telemetryS: seconds(30),
  /** Every miner's state read back (hashrate, unreachable miners found again). */
  refreshS: seconds(60),
  stepMiners: whole(1000),
  stepPauseS: z.coerce.number({ error: 'expected a number of seconds' }).min(0).default(0),
  maxPriceAgeS: seconds(900),
  headroomMw: z.coerce.number({ error: 'expected MW' }).min(0).default(0),
  concurrency: whole(512),
  minerTimeoutS: seconds(3),
  /** How long stopping waits for work in flight (and for the miners' sessions to be given back). */
  stopTimeoutS: seconds(10),
});

export type AgentSettings = z.infer<typeof AgentSettingsSchema>;
export type AgentSettingsInput = z.input<typeof AgentSettingsSchema>;

/** camelCase setting → its flag. */
export function flagOf(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export function parseAgentSettings(input: Record<string, unknown>): AgentSettings {
  const parsed = AgentSettingsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = issue.path[0];
    if (issue.code === 'unrecognized_keys') return `${issue.keys.map(flagOf).join(', ')}: unknown`;
    return `${typeof key === 'string' ? flagOf(key) : '(settings)'}: ${issue.message}`;
  });
  throw new SettingsError(problems.join('; '));
}
