/**
 * The agent's composition root: settings, inventory and adapters in; the loops that poll the plan, the price, the
 * meters and the miners, feed the controller, and send telemetry. Nothing here decides anything: the rules are the
 * controller's and, below it, the shared execution function's.
 */
import { jsonLogger } from '#adapters/json-logger.ts';
import type { Logger } from '#ports/logger.ts';
import { PlanClient, type QueueEntry, TelemetryClient, type TokenSource } from './cloud.ts';
import { Controller } from './controller.ts';
import { type InventorySite, loadInventoryFile, siteMiners } from './inventory.ts';
import { fileLoadTimerStore } from './load-timers.ts';
import { fileLuxosSessionStore } from './luxos-sessions.ts';
import { createDrivers } from './miners/drivers/index.ts';
import type { DriverRegistry } from './miners/port.ts';
import { REAL_TIME_MARKETS } from './plan.ts';
import type { AgentClock, BasePointSource, FiveMinutePriceFeed, SiteMeters } from './ports.ts';
import type { AgentSettings } from './settings.ts';

/** The live inputs' adapters (Modbus TCP meters and base point, the 5-minute price feeds), built for one site. */
export interface SiteAdapters {
  meters(site: InventorySite): SiteMeters;
  /** Dispatched sites: the QSE RTU; null when the inventory configures none. */
  basePoint(site: InventorySite): BasePointSource | null;
  /** The market's live price feed; null for a market without one (the plan's schedule is followed). */
  prices(market: string): FiveMinutePriceFeed | null;
}

export interface AgentIo {
  readonly adapters: SiteAdapters;
  readonly token: TokenSource;
  readonly clock?: AgentClock;
  readonly drivers?: DriverRegistry;
  readonly log?: Logger;
  readonly fetch?: typeof fetch;
}

export interface RunningAgent {
  readonly controller: Controller;
  readonly telemetry: TelemetryClient;
  readonly plans: PlanClient;
  /**
   * Stops every loop and waits (up to the stop timeout) for the work in flight (commands, the read-back, a poll), gives
   * the miners' sessions back, sends what it can and closes the meters.
   */
  stop(): Promise<void>;
}

export async function startAgent(settings: AgentSettings, io: AgentIo): Promise<RunningAgent> {
  const log = io.log ?? jsonLogger({ siteId: settings.site, component: 'agent' });
  const clock = io.clock ?? { nowMs: () => Date.now() };
  // A bad inventory stops the agent here, before anything is touched.
  const inventory = loadInventoryFile(settings.inventory);
  const miners = siteMiners(inventory, settings.site);
  const site = inventory.sites.find((s) => s.siteId === settings.site)!;
  const stateDir = settings.stateDir ?? `.switchyard/agent/${settings.site}`;
  const cloud = { apiUrl: settings.api, siteId: settings.site, token: io.token, log, ...(io.fetch ? { fetch: io.fetch } : {}) };
  const plans = new PlanClient(cloud, stateDir);
  const telemetry = new TelemetryClient(cloud, stateDir);
  const meters = io.adapters.meters(site);
  const basePoint = io.adapters.basePoint(site);
  // LuxOS sessions are kept beside the telemetry spool, so a restart after a crash goes on with them.
  const drivers = io.drivers ?? createDrivers({ luxos: { sessionStore: fileLuxosSessionStore(stateDir, log) } });

  const controller = new Controller({
    miners,
    drivers,
    clock,
    log,
    timers: fileLoadTimerStore(stateDir, log),
    settings: {
      stepMiners: settings.stepMiners,
      stepPauseMs: settings.stepPauseS * 1000,
      maxPriceAgeMs: settings.maxPriceAgeS * 1000,
      maxMeterAgeMs: Math.max(10_000, settings.meterS * 3000),
      headroomMw: settings.headroomMw,
      fleet: { concurrency: settings.concurrency, timeoutMs: settings.minerTimeoutS * 1000 },
    },
    onStateChange: (stateChange) => {
      log.info('load state change', { ...stateChange });
      telemetry.enqueue([{ stateChange }]);
      void telemetry.flush();
    },
  });

  const cached = plans.loadCached();
  if (cached !== null) controller.setPlan(cached);
  await controller.start();
  log.info('agent started', { miners: miners.loads.reduce((n, l) => n + l.miners.length, 0), stateDir, queued: telemetry.queued });

  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  /** Runs `work` now and then every `ms` after it finished (never two at once); a failure is logged once per streak. */
  const every = (name: string, ms: number, work: () => Promise<void> | void, immediately = true) => {
    let failing = false;
    const run = async () => {
      if (stopped) return;
      try {
        const running = Promise.resolve(work()).finally(() => inFlight.delete(running));
        inFlight.add(running);
        await running;
        if (failing) log.info(`${name}: back`);
        failing = false;
      } catch (error) {
        if (!failing) log.warn(`${name}: failed`, { error: (error as Error).message });
        failing = true;
      }
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        void run();
      }, ms);
      timers.add(timer);
    };
    if (immediately) void run();
    else timers.add(setTimeout(() => void run(), ms));
  };

  let feed: FiveMinutePriceFeed | null = null;
  every('plan', settings.pollS * 1000, async () => {
    const polled = await plans.poll();
    if (polled.changed) {
      controller.setPlan(polled.plan);
      feed = REAL_TIME_MARKETS.has(polled.plan.market) ? io.adapters.prices(polled.plan.market) : null;
    }
  });
  every('price', settings.priceS * 1000, async () => {
    const node = controller.plan?.settlementPoint;
    feed ??= controller.plan && REAL_TIME_MARKETS.has(controller.plan.market) ? io.adapters.prices(controller.plan.market) : null;
    if (feed === null || node === null || node === undefined) return;
    controller.setPrice(await feed.latest(node));
  });
  every('meters', settings.meterS * 1000, async () => {
    controller.setMeters(await meters.read());
    if (basePoint !== null && controller.plan?.execution === 'dispatched') controller.setBasePoint(await basePoint.read());
  });
  // Plans run out and prices age without anything arriving: look again every second.
  every('evaluate', 1000, () => controller.evaluate());
  // The rolling read-back: a slice a second, sized so the whole fleet is read once every refreshS (start() has just
  // read them all). The slice follows the time actually passed, so a slow slice does not stretch the period.
  const fleetSize = miners.loads.reduce((n, l) => n + l.miners.length, 0);
  const sliceMs = Math.min(1000, settings.refreshS * 1000);
  let readUpTo = performance.now();
  let owed = 0;
  every(
    'refresh',
    sliceMs,
    async () => {
      const now = performance.now();
      owed += (fleetSize * (now - readUpTo)) / (settings.refreshS * 1000);
      readUpTo = now;
      const count = Math.min(fleetSize, Math.floor(owed));
      owed -= count;
      await controller.refreshNext(count);
    },
    false,
  );
  every('telemetry', settings.telemetryS * 1000, async () => {
    const at = new Date(clock.nowMs()).toISOString();
    const samples: QueueEntry[] = controller.status().map((s) => ({
      sample: {
        loadId: s.loadId,
        at,
        actualMw: Math.round(s.actualMw * 1e6) / 1e6,
        hashrateThs: Math.round(s.hashrateThs * 1000) / 1000,
        miners: { running: s.running, asleep: s.asleep, unreachable: s.unreachable },
      },
    }));
    telemetry.enqueue(samples);
    await telemetry.flush();
  });

  return {
    controller,
    telemetry,
    plans,
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const boundMs = settings.stopTimeoutS * 1000;
      const started = performance.now();
      await controller.stop(boundMs);
      let timer: NodeJS.Timeout | undefined;
      const left = Math.max(0, boundMs - (performance.now() - started));
      await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
      if (inFlight.size > 0) log.warn('stopped with work still in flight', { loops: inFlight.size, waitedMs: boundMs });
      await Promise.all(Object.values(drivers).map((driver) => driver.close?.({ timeoutMs: boundMs })));
      await telemetry.flush().catch(() => undefined);
      await meters.close();
      await basePoint?.close();
    },
  };
}
