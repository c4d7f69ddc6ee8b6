/** Local configuration, read from the environment once, at the edge. */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { ValidationError } from '#domain/errors.ts';

export type MarketDataMode = 'demo' | 'stored' | 'live';

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
}

export const DEMO_SITES_FILE = fileURLToPath(new URL('./demo/sites.json', import.meta.url));

export function readConfig(env: NodeJS.ProcessEnv = process.env): LocalConfig {
  const issues: { path: string; message: string }[] = [];
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) issues.push({ path: 'PORT', message: `must be a port number (got "${env.PORT}")` });
  const liveCredentials = env.ERCOT_USERNAME && env.ERCOT_PASSWORD && env.ERCOT_SUBSCRIPTION_KEY;
  const mode = env.SWITCHYARD_MARKET_DATA ?? (liveCredentials ? 'live' : env.SWITCHYARD_SITES ? 'stored' : 'demo');
  if (mode !== 'demo' && mode !== 'stored' && mode !== 'live') issues.push({ path: 'SWITCHYARD_MARKET_DATA', message: `must be demo, stored or live (got "${mode}")` });
  if (mode === 'live' && !liveCredentials) {
    issues.push({ path: 'SWITCHYARD_MARKET_DATA', message: 'live needs ERCOT_USERNAME, ERCOT_PASSWORD and ERCOT_SUBSCRIPTION_KEY' });
  }
  const catchUp = Number(env.SWITCHYARD_MAX_CATCH_UP_HOURS ?? 24);
  if (!Number.isInteger(catchUp) || catchUp < 1 || catchUp > 24 * 31) {
    issues.push({ path: 'SWITCHYARD_MAX_CATCH_UP_HOURS', message: `must be a whole number of hours from 1 to 744 (got "${env.SWITCHYARD_MAX_CATCH_UP_HOURS}")` });
  }
  if (issues.length) throw new ValidationError('environment', issues);
  return {
    home: resolve(env.SWITCHYARD_HOME ?? '.switchyard'),
    port,
    sitesFile: env.SWITCHYARD_SITES ? resolve(env.SWITCHYARD_SITES) : DEMO_SITES_FILE,
    demoSites: !env.SWITCHYARD_SITES,
    marketData: mode as MarketDataMode,
    tableName: env.SWITCHYARD_TABLE ?? 'switchyard',
    maxCatchUpHours: catchUp,
  };
}
