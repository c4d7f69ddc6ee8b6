/**
 * The console over a realistic store, for the benchmark and the screenshots: the demo sites on an
 * embedded dynalite, demo market data over the last days, every hour decided by the real run use case,
 * and the local server with the console built as `npm start` builds it.
 */

import { seedDemoMarketData } from '#adapters/demo-market.ts';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import type { Role } from '#adapters/jwt.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { readSitesFile } from '#adapters/sites-file.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { Site } from '#domain/sites.ts';
import { startDynalite } from '#local/dynalite.ts';
import { localAuthenticator, startServer } from '#local/server.ts';
import { signInCodes } from '#local/signin-codes.ts';
import { silentLogger } from '#ports/logger.ts';
import { buildConsole } from '../console/build.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';

export const H = 3_600_000;
export const DAY = 24 * H;

export interface ConsoleFixture {
  url: string;
  sites: Site[];
  repos: Repositories;
  /** Hours decided, and how long deciding them took. */
  decidedHours: number;
  signInLink(roles: readonly Role[], user?: string): string;
  close(): Promise<void>;
}

/** `days` of decided hours up to the current one for the sites named in `decide` (default every demo site). */
export async function startConsoleFixture(days: number, decide?: readonly string[]): Promise<ConsoleFixture> {
  const db = await startDynalite({});
  const client = dynamoClient(db.endpoint);
  await createTable(client, 'console');
  const repos = dynamoRepositories(client, 'console');
  const sites = readSitesFile(`${PROJECT_ROOT}/local/demo/sites.json`).sites;
  const current = Math.floor(Date.now() / H) * H;
  const first = current - days * DAY;
  await seedDemoMarketData(repos.marketData, sites, first - 26 * H, current + 2 * H);

  // The runs as the scheduler made them, each a minute into its hour; then the clock is the real one.
  let fixed: number | null = first;
  const clock = { nowMs: () => fixed ?? Date.now() };
  const publisher = new MemoryEventPublisher();
  const deciding = decide ? sites.filter((s) => decide.includes(s.id)) : sites;
  const deps = runDeps({ sites: deciding, repos, publisher, clock, log: silentLogger, demo: true });
  for (let h = first; h <= current; h += H) {
    fixed = h + 60_000;
    await runInterval(deps, { atMs: h, trigger: 'schedule' });
  }
  fixed = null;

  const secret = new TextEncoder().encode('switchyard-console-fixture-secret-0123456789');
  const codes = signInCodes(secret);
  const server = await startServer(
    {
      sites,
      ...repos,
      publisher,
      clock,
      authenticate: localAuthenticator(secret),
      log: silentLogger,
      demo: true,
      exchangeSignInCode: codes.exchange,
      staticFiles: await buildConsole(),
    },
    0,
  );
  return {
    url: server.url,
    sites,
    repos,
    decidedHours: (current - first) / H + 1,
    signInLink: (roles, user = 'desk-1') => `${server.url}/#/signin?code=${codes.issue(user, roles)}`,
    async close() {
      await server.close();
      client.destroy();
      await db.close();
    },
  };
}
