/**
 * The demo's site agents: for each site with mining loads, a fake fleet on loopback (a few hundred miners per load,
 * one vendor's wire format per site), a loopback Modbus meter serving the AI tenants' load and the site total, and an
 * in-process agent (the real one, `startAgent`) with a locally minted agent token. A newcomer running `npm start` thus
 * sees the whole loop: the engine's decision → the agent's plan → miners asleep or running → telemetry → P&L actuals.
 *
 * Each fake miner stands for a rack: its rated W is the load's MW over the miners and its rated TH/s that power at
 * the load's efficiency (W ÷ J/TH), so the telemetry's actual MW and hashrate — and the P&L's actual revenue, which
 * is priced from the reported hashrate — are on the scale of the plan's. The inventory and the miners' credentials are generated into $SWITCHYARD_HOME/demo-agents/
 * (never committed). The agents read the live price from the store (RT5 points, ingested or stored by hand), so
 * storing a price above a load's threshold shows a price-responsive site curtail within seconds.
 *
 * SWITCHYARD_DEMO_AGENTS=0 turns them off; =1 starts them for a sites file of one's own too.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jsonLogger } from '#adapters/json-logger.ts';
import { mintToken } from '#adapters/jwt.ts';
import type { Site } from '#domain/sites.ts';
import type { Logger } from '#ports/logger.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { siteAdapters } from '../agent/adapters/index.ts';
import { type RunningAgent, startAgent } from '../agent/main.ts';
import type { DriverName } from '../agent/miners/port.ts';
import type { FiveMinutePriceFeed } from '../agent/ports.ts';
import { type AgentSettingsInput, parseAgentSettings } from '../agent/settings.ts';
import { type FakeFleet, startFakeFleet, VENDOR_PORTS } from './fake-fleet/fleet.ts';
import { type FakeModbusMeter, type RegisterSpec, startModbusMeter } from './fake-fleet/modbus-meter.ts';

/** One vendor per site, in the order of the sites file: the demo shows more than one wire format. */
const DRIVERS: readonly DriverName[] = ['luxos', 'braiins', 'whatsminer'];
const MINERS_PER_LOAD = 150;
const TOKEN_TTL_S = 12 * 3600;
const AI_LOAD: RegisterSpec & { unit: 'kW' } = { address: 0, table: 'input', type: 'uint32', unit: 'kW' };
const SITE_TOTAL: RegisterSpec & { unit: 'kW' } = { address: 2, table: 'input', type: 'uint32', unit: 'kW' };

export interface DemoAgentsOptions {
  readonly sites: readonly Site[];
  readonly home: string;
  readonly apiUrl: string;
  readonly jwtSecret: Uint8Array;
  readonly marketData: MarketDataRepository;
  /** The agents start once this resolves (the start-up run: before it, the API has no plan to give). */
  readonly planReady?: Promise<unknown>;
  readonly minersPerLoad?: number;
  /** Agent settings over the demo's (faster polling in tests). */
  readonly settings?: Partial<AgentSettingsInput>;
  readonly log?: Logger;
  /** One human line per agent once it runs. */
  readonly announce?: (line: string) => void;
}

export interface DemoAgent {
  readonly siteId: string;
  readonly driver: DriverName;
  readonly miners: number;
  /** Where the fleet listens, per load. */
  readonly listens: ReadonlyArray<{ loadId: string; first: string; last: string; port: number | 'per miner' }>;
  readonly fleets: ReadonlyArray<{ loadId: string; fleet: FakeFleet }>;
  readonly meter: FakeModbusMeter;
  readonly agent: RunningAgent;
  /** The AI tenants' metered load; the demo serves their contracted MW until a test sets another. */
  setAiLoadMw(mw: number): void;
}

export interface DemoAgents {
  readonly agents: readonly DemoAgent[];
  stop(): Promise<void>;
}

export function demoAgentsEnabled(demoSites: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  const flag = env.SWITCHYARD_DEMO_AGENTS;
  if (flag === '0' || flag === 'false') return false;
  if (flag === '1' || flag === 'true') return true;
  return demoSites;
}

/** The agents' live price: the newest RT5 point the runtime stores for the node. */
export function storedPriceFeed(marketData: MarketDataRepository, market: string): FiveMinutePriceFeed {
  return {
    async latest(node) {
      const point = await marketData.latestPrice(market, node, 'RT5', Date.now() + 1);
      return point === null ? null : { market, node, scedTimestampMs: point.intervalStartMs, lmpUsdPerMwh: point.priceUsdPerMwh };
    },
  };
}

/** A fleet on the vendor's port where it is free (as a real miner listens), else on a free port per miner. */
async function fleetFor(
  driver: DriverName,
  count: number,
  firstAddress: string,
  rated: { w: number; ths: number },
  password: string,
): Promise<FakeFleet> {
  const options = { driver, count, firstAddress, ratedW: rated.w, ratedThs: rated.ths, username: 'root', password, startConcurrency: 64 };
  try {
    return await startFakeFleet({ ...options, port: VENDOR_PORTS[driver] });
  } catch {
    return startFakeFleet({ ...options, port: 0 });
  }
}

interface Prepared {
  site: Site;
  driver: DriverName;
  fleets: { loadId: string; fleet: FakeFleet }[];
  meter: FakeModbusMeter;
  aiMw: number;
}

export async function startDemoAgents(options: DemoAgentsOptions): Promise<DemoAgents> {
  const dir = join(options.home, 'demo-agents');
  mkdirSync(dir, { recursive: true });
  const minersPerLoad = options.minersPerLoad ?? MINERS_PER_LOAD;
  // The fakes' password, new each start, handed to the agent by a credentials file only its owner reads.
  const password = randomBytes(12).toString('base64url');
  const credentialsFile = join(dir, 'credentials.json');
  writeFileSync(credentialsFile, JSON.stringify({ miners: { username: 'root', password } }), { mode: 0o600 });
  chmodSync(credentialsFile, 0o600);
  const credential = `file:${credentialsFile}#miners`;

  const mining = options.sites.filter((s) => s.loads.some((l) => l.kind === 'mining'));
  const prepared: Prepared[] = [];
  const closeAll = async () => {
    for (const p of prepared) {
      await Promise.all(p.fleets.map((f) => f.fleet.close()));
      await p.meter.close();
    }
  };
  try {
    for (const [si, site] of mining.entries()) {
      const driver = DRIVERS[si % DRIVERS.length]!;
      const meter = await startModbusMeter({ host: '127.0.0.1', port: 0 });
      const p: Prepared = { site, driver, fleets: [], meter, aiMw: 0 };
      prepared.push(p);
      for (const [li, load] of site.loads.entries()) {
        if (load.kind !== 'mining') continue;
        // Rounded down: the miners together never draw more than the load is rated for (the agent would sleep one to fit).
        const ratedW = Math.floor((load.powerMw * 1e6) / minersPerLoad);
        const rated = { w: ratedW, ths: demoRatedThs(ratedW, load.efficiencyJPerTh) };
        const firstAddress = `127.77.${si * 16 + li + 1}.1`;
        p.fleets.push({ loadId: load.id, fleet: await fleetFor(driver, minersPerLoad, firstAddress, rated, password) });
      }
      p.aiMw = site.loads.reduce((mw, l) => mw + (l.kind === 'ai' ? l.contractedMw : 0), 0);
    }
  } catch (error) {
    await closeAll();
    throw error;
  }

  // The meter follows the fakes: the site total is base load + tenants + what the miners draw now.
  const meterTimer = setInterval(() => {
    for (const p of prepared) {
      const minersKw = p.fleets.reduce((kw, f) => kw + f.fleet.miners.reduce((w, m) => w + m.fake.state().powerW, 0) / 1000, 0);
      p.meter.set(AI_LOAD, p.aiMw * 1000);
      p.meter.set(SITE_TOTAL, (p.site.baseLoadMw + p.aiMw) * 1000 + minersKw);
    }
  }, 1000);
  meterTimer.unref();

  const inventoryFile = join(dir, 'inventory.json');
  const inventory = {
    version: 1,
    sites: prepared.map((p) => ({
      siteId: p.site.id,
      loads: p.fleets.map(({ loadId, fleet }) => ({ loadId, miners: minerEntries(fleet, loadId, p.driver, credential) })),
      meters: { address: p.meter.address, unitId: 1, aiLoad: AI_LOAD, siteTotal: SITE_TOTAL },
    })),
  };
  writeFileSync(inventoryFile, JSON.stringify(inventory, null, 1));

  const tokens = new Map<string, string>();
  const mint = async () => {
    for (const p of prepared) {
      tokens.set(p.site.id, await mintToken(options.jwtSecret, `agent-${p.site.id}`, ['agent'], TOKEN_TTL_S, Date.now(), [p.site.id]));
    }
  };
  await mint();
  // Re-minted well before they expire, for a runtime left running for days.
  const tokenTimer = setInterval(() => void mint().catch(() => undefined), (TOKEN_TTL_S / 2) * 1000);
  tokenTimer.unref();

  const agents: DemoAgent[] = [];
  const stopAll = async () => {
    clearInterval(meterTimer);
    clearInterval(tokenTimer);
    for (const a of agents) await a.agent.stop();
    await closeAll();
  };
  try {
    await options.planReady;
    const real = siteAdapters({}); // Modbus meters from the inventory; no feed credentials: prices come from the store
    // In parallel: each agent reads its miners' states first, which takes a moment on a loaded machine.
    await Promise.all(
      prepared.map(async (p) => {
        const settings = parseAgentSettings({
          site: p.site.id,
          inventory: inventoryFile,
          api: options.apiUrl,
          stateDir: join(dir, p.site.id),
          pollS: 5,
          priceS: 5,
          telemetryS: 10,
          refreshS: 30,
          concurrency: 64,
          ...options.settings,
        });
        const agent = await startAgent(settings, {
          adapters: { meters: real.meters, basePoint: real.basePoint, prices: (market) => storedPriceFeed(options.marketData, market) },
          token: () => tokens.get(p.site.id) ?? '',
          log: options.log ?? jsonLogger({ component: 'agent', siteId: p.site.id }),
        });
        const listens = p.fleets.map(({ loadId, fleet }) => {
          const port = fleet.miners.every((m) => m.port === fleet.miners[0]!.port) ? fleet.miners[0]!.port : ('per miner' as const);
          return { loadId, first: fleet.miners[0]!.host, last: fleet.miners.at(-1)!.host, port };
        });
        const miners = p.fleets.reduce((n, f) => n + f.fleet.miners.length, 0);
        agents.push({
          siteId: p.site.id,
          driver: p.driver,
          miners,
          listens,
          fleets: p.fleets,
          meter: p.meter,
          agent,
          setAiLoadMw: (mw) => {
            p.aiMw = mw;
            p.meter.set(AI_LOAD, mw * 1000);
          },
        });
        const where = listens
          .map((l) => `${l.loadId} ${l.first}–${l.last}:${l.port === 'per miner' ? '(a port each)' : l.port}`)
          .join(', ');
        options.announce?.(`  agent      ${p.site.id}: ${miners} ${p.driver} miners (${where}), meter ${p.meter.address}`);
      }),
    );
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { agents, stop: stopAll };
}

/** What a rack of `ratedW` hashes at the load's efficiency: W ÷ (J/TH) = TH/s. */
export function demoRatedThs(ratedW: number, efficiencyJPerTh: number): number {
  return ratedW / efficiencyJPerTh;
}

function minerEntries(fleet: FakeFleet, loadId: string, driver: DriverName, credential: string): unknown[] {
  // LuxOS asks for no password; the other vendors' APIs log in.
  const cred = driver === 'luxos' ? {} : { credential };
  const ratedW = fleet.miners[0]!.fake.ratedW;
  const port = fleet.miners[0]!.port;
  if (fleet.miners.every((m) => m.port === port)) {
    return [
      {
        range: { first: fleet.miners[0]!.host, count: fleet.miners.length, port },
        idPrefix: `${loadId}-`,
        firstId: 0,
        driver,
        ...cred,
        ratedW,
      },
    ];
  }
  return fleet.miners.map((m, i) => ({ id: `${loadId}-${i}`, address: `${m.host}:${m.port}`, driver, ...cred, ratedW }));
}
