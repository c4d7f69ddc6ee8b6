/** Local configuration, read from the environment once, at the edge (the variables: ./settings.ts). */

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '#domain/errors.ts';
import { ERCOT_CREDENTIALS, type MARKET_DATA_MODES, readLocalEnv } from './settings.ts';

export type MarketDataMode = (typeof MARKET_DATA_MODES)[number];

export interface LocalConfig {
  /** Where the embedded DynamoDB, the JWT secret and the event log live. */
  home: string;
  port: number;
  /** The sites file in use. */
  sitesFile: string;
  /** True when no sites file was configured and the demo sites are used. */
  demoSites: boolean;
  /** `demo`: generate demo market data around now; `stored`: use only what was ingested; `live`: pull from the real feeds before each run. */
  marketData: MarketDataMode;
  tableName: string;
  /** How many missed hours a scheduled run catches up. */
  maxCatchUpHours: number;
  /** Origin of a dashboard the API allows by CORS (SWITCHYARD_CORS_ORIGIN). */
  corsOrigin?: string;
}

export const DEMO_SITES_FILE = fileURLToPath(new URL('./demo/sites.json', import.meta.url));

export function readConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const e = readLocalEnv(env);
  const liveCredentials = ERCOT_CREDENTIALS.every((k) => e[k]);
  const mode = e.SWITCHYARD_MARKET_DATA ?? (liveCredentials ? 'live' : e.SWITCHYARD_SITES ? 'stored' : 'demo');
  if (mode === 'live' && !liveCredentials) {
    const message = 'live needs ERCOT_USERNAME, ERCOT_PASSWORD and ERCOT_SUBSCRIPTION_KEY';
    throw new ValidationError('environment', [{ path: 'SWITCHYARD_MARKET_DATA', message }]);
  }
  return {
    home: resolve(e.SWITCHYARD_HOME ?? '.switchyard'),
    port: e.PORT,
    sitesFile: e.SWITCHYARD_SITES ? resolve(e.SWITCHYARD_SITES) : DEMO_SITES_FILE,
    demoSites: !e.SWITCHYARD_SITES,
    marketData: mode,
    tableName: e.SWITCHYARD_TABLE ?? 'switchyard',
    maxCatchUpHours: e.SWITCHYARD_MAX_CATCH_UP_HOURS,
    ...(e.SWITCHYARD_CORS_ORIGIN ? { corsOrigin: e.SWITCHYARD_CORS_ORIGIN } : {}),
  };
}
