/**
 * The local runtime's settings, read from the environment at the edge: its own variables
 * (PORT, SWITCHYARD_*) and the live-feed settings it shares with the ingest Lambdas — the same
 * names, schemas and defaults (functions/shared/settings.ts), so that a lookback or a retry policy
 * means the same thing in both. A bad value is refused with a message naming the variable.
 */
import * as z from 'zod';
import { ValidationError } from '#domain/errors.ts';
import {
  ERCOT_CREDENTIALS,
  ErcotEnv,
  FeedHttpEnv,
  HashpriceEnv,
  HashpriceLookbackEnv,
  optionalText,
  PriceLookbackEnv,
  parseEnv,
  wholeNumber,
} from '#functions/shared/settings.ts';

export { ERCOT_CREDENTIALS };

export const MARKET_DATA_MODES = ['demo', 'stored', 'live'] as const;

/** Variables of the local runtime itself (and the ERCOT credentials, which choose the default market-data mode). */
export const LocalEnv = z.object({
  PORT: wholeNumber(0, 65_535, 3000),
  SWITCHYARD_HOME: optionalText,
  SWITCHYARD_SITES: optionalText,
  SWITCHYARD_TABLE: optionalText,
  /** Unset: live when ERCOT credentials are set, stored with a sites file, demo otherwise. */
  SWITCHYARD_MARKET_DATA: z.enum(MARKET_DATA_MODES, { error: (i) => `must be demo, stored or live (got "${String(i.input)}")` }).optional(),
  SWITCHYARD_MAX_CATCH_UP_HOURS: wholeNumber(1, 24 * 31, 24),
  SWITCHYARD_CORS_ORIGIN: optionalText,
  ERCOT_USERNAME: optionalText,
  ERCOT_PASSWORD: optionalText,
  ERCOT_SUBSCRIPTION_KEY: optionalText,
});
export type LocalEnv = z.output<typeof LocalEnv>;

/** Live feeds: the ingest Lambdas' feed settings; credentials are given as values locally. */
export const LiveEnv = z.object({
  ...ErcotEnv.shape,
  ...HashpriceEnv.shape,
  ...FeedHttpEnv.shape,
  ...PriceLookbackEnv.shape,
  ...HashpriceLookbackEnv.shape,
});
export type LiveSettings = z.output<typeof LiveEnv> & Record<(typeof ERCOT_CREDENTIALS)[number], string>;

export function readLocalEnv(env: NodeJS.ProcessEnv = process.env): LocalEnv {
  return parseEnv(LocalEnv, env, 'local');
}

export function readLiveSettings(env: NodeJS.ProcessEnv = process.env): LiveSettings {
  const s = parseEnv(LiveEnv, env, 'live feeds');
  const missing = ERCOT_CREDENTIALS.filter((k) => !s[k]);
  if (missing.length) {
    throw new ValidationError(
      'live feeds environment',
      missing.map((path) => ({ path, message: 'is required for live market data' })),
    );
  }
  return s as LiveSettings;
}
