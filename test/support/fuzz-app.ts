/**
 * The in-process API for the fuzzer: the real app and use cases over a fresh table in a dynalite
 * at `endpoint`, a fixed clock, decisions for a few hours of one day, and a token per role (an
 * agent's for its site, a forged one, none). No vitest here: bench/reliability.ts uses it too.
 */

import { randomUUID } from 'node:crypto';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { createApp } from '#adapters/http/app.ts';
import { openApiJson } from '#adapters/http/openapi.ts';
import { apiRoutes } from '#adapters/http/routes/index.ts';
import { mintToken } from '#adapters/jwt.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { apiUseCases } from '#app/api.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { type Site, SiteSchema } from '#domain/sites.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { localAuthenticator } from '../../local/server.ts';
import type { Caller, Fetch, FuzzWorld, OpenApiDocument } from './openapi-fuzz.ts';

const SECRET = new TextEncoder().encode('switchyard-fuzz-secret-0123456789abcdef');
const H = 3_600_000;
const DAY = '2024-07-15';
const DAY_MS = Date.parse(`${DAY}T00:00:00Z`);
/** "Now" for the app: a minute into 20:00 on the day the fuzzer reads. */
const NOW = DAY_MS + 20 * H + 60_000;

export const FUZZ_SITES: Site[] = [
  SiteSchema.parse({
    id: 'rockdale',
    name: 'Rockdale, TX',
    market: 'ERCOT',
    settlementPoint: 'HB_HUBAVG',
    timezone: 'America/Chicago',
    interconnectMw: 200,
    baseLoadMw: 2,
    loads: [
      { id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 },
      { id: 's19', kind: 'mining', powerMw: 60, efficiencyJPerTh: 21.5, poolFeePct: 2 },
      { id: 'tenant-a', kind: 'ai', contractedMw: 15, priceUsdPerMwh: 180 },
    ],
  }),
  SiteSchema.parse({
    id: 'tydal',
    name: 'Tydal, NO',
    market: 'FIXED',
    fixedPriceUsdPerMwh: 38,
    timezone: 'Europe/Oslo',
    interconnectMw: 50,
    loads: [{ id: 's19k', kind: 'mining', powerMw: 49, efficiencyJPerTh: 23 }],
  }),
];

export interface FuzzApp {
  fetch: Fetch;
  doc: OpenApiDocument;
  world: FuzzWorld;
  callers: Caller[];
  trader: string;
  repos: Repositories;
  close(): void;
}

export async function startFuzzApp(endpoint: string): Promise<FuzzApp> {
  const client = dynamoClient(endpoint);
  const tableName = `fuzz-${randomUUID().slice(0, 12)}`;
  await createTable(client, tableName);
  const repos = dynamoRepositories(client, tableName);
  const clock = { nowMs: () => NOW };
  const publisher = new MemoryEventPublisher();

  const prices: PricePoint[] = [];
  for (let t = DAY_MS - H; t < DAY_MS + 24 * H; t += 15 * 60_000) {
    prices.push({
      market: 'ERCOT',
      node: 'HB_HUBAVG',
      kind: 'RT',
      intervalStartMs: t,
      intervalMinutes: 15,
      priceUsdPerMwh: 20 + ((t / H) % 24) * 4,
    });
  }
  for (let t = DAY_MS; t < DAY_MS + 48 * H; t += H)
    prices.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'DA', intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh: 35 });
  await repos.marketData.putPrices(prices);
  await repos.marketData.putHashprices(['2024-07-13', '2024-07-14', DAY].map((date) => ({ date, usdPerPhDay: 50, source: 'test' })));
  const deps = runDeps({ sites: FUZZ_SITES, repos, publisher, clock, log: silentLogger });
  for (let h = DAY_MS + 16 * H; h <= DAY_MS + 20 * H; h += H) await runInterval(deps, { atMs: h, trigger: 'test' });

  const routes = apiRoutes({ useCases: apiUseCases({ sites: FUZZ_SITES, ...repos, publisher, clock, log: silentLogger }), clock });
  const app = createApp({
    routes,
    openApiDocument: () => openApiJson(routes),
    authenticate: localAuthenticator(SECRET),
    log: silentLogger,
  });
  const doc = (await (await app.request('/openapi.json')).json()) as OpenApiDocument;
  const now = Date.now();
  const callers: Caller[] = [
    ...(await Promise.all(
      (['trader', 'finance', 'admin', 'operator'] as const).map(async (role) => ({
        role,
        token: await mintToken(SECRET, `${role}-1`, [role], 3600, now),
      })),
    )),
    { role: 'agent', token: await mintToken(SECRET, 'agent-rockdale', ['agent'], 3600, now, ['rockdale']) },
    { role: 'trader+finance', token: await mintToken(SECRET, 'desk-2', ['trader', 'finance'], 3600, now) },
    { role: 'none', token: null },
    {
      role: 'forged',
      token: await mintToken(new TextEncoder().encode('not-the-secret-0123456789abcdefghij'), 'mallory', ['admin'], 3600, now),
    },
  ];
  return {
    fetch: (req) => app.fetch(req),
    doc,
    world: {
      siteIds: FUZZ_SITES.map((s) => s.id),
      loadIds: Object.fromEntries(FUZZ_SITES.map((s) => [s.id, s.loads.map((l) => l.id)])),
      day: DAY,
      nowMs: NOW,
    },
    callers,
    trader: callers[0]!.token!,
    repos,
    close: () => client.destroy(),
  };
}
