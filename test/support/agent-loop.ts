/**
 * The loop the end-to-end agent tests run in process: the local runtime (embedded DynamoDB, API, start-up run) on demo
 * market data, a 5-minute price that starts the miners, and the demo's fake fleet, Modbus meter and agent for the site.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '#local/config.ts';
import { localJwtSecret } from '#local/context.ts';
import { type DemoAgents, startDemoAgents } from '#local/demo-agents.ts';
import { type Runtime, startRuntime } from '#local/runtime.ts';

/** A small two-fleet site with a tenant; whatever the hour the test runs at, the fail-safe holds while no price has come. */
export const LOOP_SITE = {
  id: 'rockdale',
  name: 'Rockdale, TX',
  market: 'ERCOT',
  settlementPoint: 'HB_HUBAVG',
  timezone: 'America/Chicago',
  interconnectMw: 50,
  baseLoadMw: 1,
  execution: 'price-responsive',
  loads: [
    { id: 's21', kind: 'mining', name: 'S21 hall', powerMw: 20, efficiencyJPerTh: 17.5, poolFeePct: 2 },
    { id: 's19', kind: 'mining', name: 'S19 hall', powerMw: 10, efficiencyJPerTh: 21.5, poolFeePct: 2 },
    { id: 'tenant-a', kind: 'ai', name: 'GPU tenant', contractedMw: 10, priceUsdPerMwh: 180, interruptible: false, backupGenMw: 0 },
  ],
  policy: { failSafe: { peakHoursLocal: [], otherwise: 'HOLD' } },
};

export interface Loop {
  rt: Runtime;
  demo: DemoAgents;
  /** The runtime's JWT secret, for tokens. */
  secret: Uint8Array;
  /** A load's fake miners. */
  miners(loadId: string): DemoAgents['agents'][number]['fleets'][number]['fleet']['miners'];
  /** How many of a load's fake miners are asleep. */
  asleep(loadId: string): number;
  /** Stores a 5-minute price at the site's settlement point, now. */
  storePrice(usd: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the runtime in `home` with `site` only, stores a price below any threshold (the miners run), then the agent. */
export async function startLoop(site: object, home: string, minersPerLoad: number): Promise<Loop> {
  const sitesFile = join(home, 'sites.json');
  writeFileSync(sitesFile, JSON.stringify({ sites: [site] }));
  const rt = await startRuntime(
    readConfig({ SWITCHYARD_HOME: home, PORT: '0', SWITCHYARD_SITES: sitesFile, SWITCHYARD_MARKET_DATA: 'demo' }),
  );
  await rt.firstRun;
  const secret = localJwtSecret(home);
  const storePrice = (usd: number) =>
    rt.ctx.repos.marketData.putPrices([
      { market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT5', intervalStartMs: Date.now(), intervalMinutes: 5, priceUsdPerMwh: usd },
    ]);
  await storePrice(-5);
  const demo = await startDemoAgents({
    sites: rt.ctx.sites(),
    home,
    apiUrl: rt.server.url,
    jwtSecret: secret,
    marketData: rt.ctx.repos.marketData,
    minersPerLoad,
    settings: { pollS: 0.5, priceS: 0.5, meterS: 0.5, telemetryS: 1, refreshS: 5 },
    log: { info() {}, warn() {}, error() {} },
  });
  const miners = (loadId: string) => demo.agents[0]!.fleets.find((f) => f.loadId === loadId)!.fleet.miners;
  return {
    rt,
    demo,
    secret,
    miners,
    asleep: (loadId) => miners(loadId).filter((m) => m.fake.state().mode === 'asleep').length,
    storePrice,
    async stop() {
      await demo.stop();
      await rt.stop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Waits until `check` holds, polling; times out naming `what`. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
