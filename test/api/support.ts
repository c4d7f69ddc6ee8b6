/**
 * The API under test: the local server (real HTTP on 127.0.0.1, port 0) over a fresh table in the
 * test run's dynalite, an in-memory event publisher, a clock the test moves, and tokens minted
 * with the local HS256 secret. Decisions are seeded by the real run use case on stored market data.
 */
import { randomUUID } from 'node:crypto';
import { expect, inject } from 'vitest';
import type * as z from 'zod';
import { dynamoRepositories, type Repositories } from '#adapters/dynamo/index.ts';
import { createTable, dynamoClient } from '#adapters/dynamo/table.ts';
import { mintToken, type Role } from '#adapters/jwt.ts';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import { type Site, type SiteInput, SiteSchema } from '#domain/sites.ts';
import type { Clock } from '#ports/clock.ts';
import { silentLogger } from '#ports/logger.ts';
import type { PricePoint } from '#ports/market-data.ts';
import { localAuthenticator, type RunningServer, type ServerParts, startServer } from '../../local/server.ts';

export const MIN = 60_000;
export const Q = 15 * MIN;
export const H = 60 * MIN;
export const DAY = 24 * H;
/** The day the fixtures decide: 2024-07-15 (UTC). */
export const DAY0 = Date.parse('2024-07-15T00:00:00Z');
export const iso = (ms: number) => new Date(ms).toISOString();

export const SECRET = new TextEncoder().encode('switchyard-api-tests-secret-0123456789');

/** A clock the test sets. */
export class TestClock implements Clock {
  constructor(public now: number) {}
  nowMs(): number {
    return this.now;
  }
}

export function testSite(extra: Partial<SiteInput> = {}): Site {
  return SiteSchema.parse({
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
    policy: { hysteresisUsdPerMwh: 0 },
    ...extra,
  });
}

export const fixedSite = (): Site =>
  SiteSchema.parse({
    id: 'tydal',
    name: 'Tydal, NO',
    market: 'FIXED',
    fixedPriceUsdPerMwh: 38,
    timezone: 'Europe/Oslo',
    interconnectMw: 50,
    loads: [{ id: 's19k', kind: 'mining', powerMw: 49, efficiencyJPerTh: 23 }],
  });

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface CallOptions {
  token?: string | null;
  body?: unknown;
  /** Sent as is (no JSON encoding). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface Api {
  url: string;
  server: RunningServer;
  repos: Repositories;
  tableName: string;
  publisher: MemoryEventPublisher;
  clock: TestClock;
  sites: Site[];
  token(roles: Role | Role[], user?: string): Promise<string>;
  call<T = any>(method: string, path: string, opts?: CallOptions): Promise<Reply<T>>;
  /** Runs the real run use case for each hour in [fromMs, toMs), the clock a minute into the hour. */
  decideHours(fromMs: number, toMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface ApiOptions {
  sites?: Site[];
  clockMs?: number;
  /** Replaces dependencies; a function receives the real repositories (e.g. to wrap one). */
  deps?: Partial<ServerParts> | ((repos: Repositories) => Partial<ServerParts>);
}

export async function startApi(opts: ApiOptions = {}): Promise<Api> {
  const client = dynamoClient(inject('dynamoEndpoint'));
  const tableName = `api-${randomUUID().slice(0, 12)}`;
  await createTable(client, tableName);
  const repos = dynamoRepositories(client, tableName);
  const publisher = new MemoryEventPublisher();
  const clock = new TestClock(opts.clockMs ?? DAY0);
  const sites = opts.sites ?? [testSite(), fixedSite()];
  const server = await startServer(
    {
      sites,
      ...repos,
      publisher,
      clock,
      authenticate: localAuthenticator(SECRET),
      log: silentLogger,
      ...(typeof opts.deps === 'function' ? opts.deps(repos) : opts.deps),
    },
    0,
  );
  const tokens = new Map<string, string>();
  const api: Api = {
    url: server.url,
    server,
    repos,
    tableName,
    publisher,
    clock,
    sites,
    async token(roles, user = 'desk-1') {
      const list = Array.isArray(roles) ? roles : [roles];
      const k = `${list.join(',')}|${user}`;
      let t = tokens.get(k);
      if (!t) tokens.set(k, (t = await mintToken(SECRET, user, list)));
      return t;
    },
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.rawBody;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
      return { status: res.status, headers: res.headers, body: parsed as never, text };
    },
    async decideHours(fromMs, toMs) {
      const saved = clock.now;
      const deps = runDeps({ sites, repos, publisher, clock, log: silentLogger });
      for (let h = fromMs; h < toMs; h += H) {
        clock.now = h + MIN;
        await runInterval(deps, { atMs: h, trigger: 'test' });
      }
      clock.now = saved;
    },
    close: () => server.close(),
  };
  return api;
}

/**
 * Market data for [fromMs, toMs): RT every 15 minutes from `rt`, DA every hour from `da`, and a
 * hashprice for every day from two days before.
 */
export async function seedMarket(
  repos: Repositories,
  fromMs: number,
  toMs: number,
  rt: (ms: number) => number | null,
  da: (ms: number) => number = () => 30,
  node = 'HB_HUBAVG',
  hashprice = 50,
): Promise<void> {
  const points: PricePoint[] = [];
  for (let t = fromMs; t < toMs; t += Q) {
    const p = rt(t);
    if (p !== null) points.push({ market: 'ERCOT', node, kind: 'RT', intervalStartMs: t, intervalMinutes: 15, priceUsdPerMwh: p });
  }
  for (let t = fromMs; t < toMs; t += H)
    points.push({ market: 'ERCOT', node, kind: 'DA', intervalStartMs: t, intervalMinutes: 60, priceUsdPerMwh: da(t) });
  await repos.marketData.putPrices(points);
  const days = [];
  for (let d = Math.floor(fromMs / DAY) * DAY - 2 * DAY; d < toMs; d += DAY)
    days.push({ date: iso(d).slice(0, 10), usdPerPhDay: hashprice, source: 'test' });
  await repos.marketData.putHashprices(days);
}

/** Parses a response body with the schema the OpenAPI document was generated from; throws naming the failing fields. */
export function conforms<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new Error(`response does not match its schema: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  // Object schemas drop keys they do not know: a field the schema (and so the document) lacks shows up here.
  expect(r.data).toEqual(body);
  return r.data;
}

export const PROBLEM_TYPE = 'application/problem+json';
