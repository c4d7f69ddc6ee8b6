/**
 * Settings read from the environment, as zod schemas: each function's `contract.ts` composes them
 * into its `Env`, the stack (infra/functions.ts) sets variables by those names, and the local
 * runtime (local/settings.ts) reads the feed settings it shares with the Lambdas from the same
 * definitions. A bad value stops the reader with a message naming the variable; nothing turns it
 * into NaN. This module imports zod and the domain only (infra loads it at synth time).
 */
import type { ZodObject } from 'zod';
import * as z from 'zod';
import { fromZodIssues } from '#domain/errors.ts';

type Text = string | undefined;

/** A whole number from `min` to `max`; unset or empty means undefined (the caller's default applies). */
export function optionalWholeNumber(min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((text: Text, ctx): number | undefined => {
      if (text === undefined || text.trim() === '') return undefined;
      const n = Number(text);
      if (!/^\s*\d+\s*$/.test(text) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max} (got "${text}")` });
      }
      return n;
    });
}

/** A whole number from `min` to `max`, `fallback` when unset or empty. */
export function wholeNumber(min: number, max: number, fallback: number) {
  return optionalWholeNumber(min, max).transform((n) => n ?? fallback);
}

/** A setting that must be present and non-empty. */
export const required = z.string({ error: 'is required' }).min(1, 'is required');

/** An optional setting: unset or empty means undefined. */
export const optionalText = z
  .string()
  .optional()
  .transform((text: Text) => (text === undefined || text.trim() === '' ? undefined : text));

/**
 * Parses `env` with `schema`; throws a ValidationError naming every bad variable, e.g.
 * `ingest-prices environment: PRICE_LOOKBACK_HOURS: must be a whole number from 1 to 168 (got "six")`.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Readonly<Record<string, string | undefined>>, what: string): z.output<S> {
  const r = schema.safeParse(env);
  if (!r.success) throw fromZodIssues(`${what} environment`, r.error.issues);
  return r.data;
}

/** Parses an invocation event; the message names the field as `event.<path>`, e.g. `event.fromDay must be a day YYYY-MM-DD`. */
export function parseEvent<S extends z.ZodType>(schema: S, event: unknown): z.output<S> {
  const r = schema.safeParse(event ?? {});
  if (r.success) return r.data;
  const issues = fromZodIssues('event', r.error.issues).issues;
  throw new Error(issues.map((i) => `event${i.path ? `.${i.path}` : ''} ${i.message}`).join('; '));
}

/** The names a schema reads: what the stack may set. */
export type EnvName<S extends ZodObject> = keyof S['shape'] & string;

/** Variables as the stack sets them: every value a string, names checked against the function's `Env`. */
export type EnvVars<S extends ZodObject> = Partial<Record<EnvName<S>, string>>;

/* ---- Groups shared by several functions (and by the local runtime) ---- */

/** Powertools' own options, set by the stack; the code's defaults apply when a variable is unset (tests, local runs). */
export const METRICS_NAMESPACE = 'Switchyard';
export const PowertoolsEnv = z.object({
  POWERTOOLS_SERVICE_NAME: optionalText,
  POWERTOOLS_METRICS_NAMESPACE: optionalText,
  POWERTOOLS_LOG_LEVEL: optionalText,
});

/** What every function needs: the table, the bus, the bundled sites file; endpoints only for local peers. */
export const BaseEnv = z.object({
  ...PowertoolsEnv.shape,
  TABLE_NAME: required,
  EVENT_BUS_NAME: required,
  SITES_FILE: required,
  DYNAMODB_ENDPOINT: optionalText,
  EVENTBRIDGE_ENDPOINT: optionalText,
  NODE_OPTIONS: optionalText,
});

/**
 * Timeouts and retries of feed HTTP calls: FEED_HTTP_TIMEOUT_MS (per attempt, adapter default 15 s),
 * FEED_HTTP_MAX_ATTEMPTS (default 4), FEED_HTTP_BASE_DELAY_MS (first backoff, default 500 ms).
 * Keep attempts × timeout well inside the function's own timeout.
 */
export const FeedHttpEnv = z.object({
  FEED_HTTP_TIMEOUT_MS: optionalWholeNumber(1, 600_000),
  FEED_HTTP_MAX_ATTEMPTS: optionalWholeNumber(1, 20),
  FEED_HTTP_BASE_DELAY_MS: optionalWholeNumber(0, 60_000),
});

/** A credential given as the value, or as `<NAME>_PARAM` (an SSM parameter) or `<NAME>_SECRET` (`<secret ARN>#<field>`). */
function credential<N extends string>(name: N) {
  const shape = { [name]: optionalText, [`${name}_PARAM`]: optionalText, [`${name}_SECRET`]: optionalText };
  return shape as Record<N | `${N}_PARAM` | `${N}_SECRET`, typeof optionalText>;
}

/** Where SSM and Secrets Manager are, when not AWS's own endpoints (tests). */
export const SecretStoreEnv = z.object({ SSM_ENDPOINT: optionalText, SECRETS_MANAGER_ENDPOINT: optionalText });

export const ERCOT_CREDENTIALS = ['ERCOT_USERNAME', 'ERCOT_PASSWORD', 'ERCOT_SUBSCRIPTION_KEY'] as const;

/** The ERCOT public API: credentials and optional endpoint overrides. */
export const ErcotEnv = z.object({
  ...credential('ERCOT_USERNAME'),
  ...credential('ERCOT_PASSWORD'),
  ...credential('ERCOT_SUBSCRIPTION_KEY'),
  ERCOT_API_BASE_URL: optionalText,
  ERCOT_TOKEN_URL: optionalText,
  ERCOT_CLIENT_ID: optionalText,
});

export const HASHPRICE_SOURCE_NAMES = ['hashrateindex', 'mempool'] as const;
export type HashpriceSourceName = (typeof HASHPRICE_SOURCE_NAMES)[number];

/** A priority order of hashprice sources, e.g. "hashrateindex,mempool"; unset: decided by whether an API key is configured. */
const sourceOrder = z
  .string()
  .optional()
  .transform((text: Text, ctx): HashpriceSourceName[] | undefined => {
    if (text === undefined || text.trim() === '') return undefined;
    const names = text
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    const unknown = names.filter((n) => !(HASHPRICE_SOURCE_NAMES as readonly string[]).includes(n));
    if (unknown.length || names.length === 0) {
      ctx.addIssue({ code: 'custom', message: `unknown source "${unknown.join('", "')}" (known: ${HASHPRICE_SOURCE_NAMES.join(', ')})` });
    }
    return names as HashpriceSourceName[];
  });

/** Hashprice sources: their order, the Hashrate Index key, optional endpoint overrides. */
export const HashpriceEnv = z.object({
  HASHPRICE_SOURCES: sourceOrder,
  ...credential('HASHRATE_INDEX_API_KEY'),
  HASHRATE_INDEX_BASE_URL: optionalText,
  MEMPOOL_BASE_URL: optionalText,
});

/** The default order: Hashrate Index first when its key is configured, then mempool.space. */
export function hashpriceOrder(
  configured: readonly HashpriceSourceName[] | undefined,
  hasIndexKey: boolean,
): readonly HashpriceSourceName[] {
  return configured ?? (hasIndexKey ? ['hashrateindex', 'mempool'] : ['mempool']);
}

/** How far back the scheduled pulls reach: RT prices (hours before now), hashprice (days before today). */
export const PriceLookbackEnv = z.object({ PRICE_LOOKBACK_HOURS: wholeNumber(1, 7 * 24, 6) });
export const HashpriceLookbackEnv = z.object({ HASHPRICE_LOOKBACK_DAYS: wholeNumber(0, 366, 2) });
