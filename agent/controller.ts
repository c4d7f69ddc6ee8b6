/**
 * The site agent's control loop. Whenever a price, a meter reading, a base point or a plan arrives (and on a tick, as
 * plans run out and prices age), it asks the shared execution function (shared/domain/execution.ts) for each mining
 * load's MW and power option, then turns those MW into miner commands:
 *
 * - inputs per load, in precedence: the plan's forced state (override, grid obligation, emergency) > the site's
 *   fail-safe (plan run out, price or base point stale) > the QSE base point (dispatched sites) > the plan's schedule
 *   (scheduled sites, markets without a real-time price) > the threshold against the live 5-minute price;
 * - AI tenants first: the mining capacity is the interconnect less base load, a safety margin and the tenants'
 *   metered load (their contracted MW while no fresh reading exists), so miners give way as tenants rise and take the
 *   headroom back as they fall;
 * - miners already running stay running and asleep ones stay asleep wherever the target allows (no flapping); a
 *   miner that cannot be reached counts at what it last drew, because it keeps drawing it;
 * - commands go in steps of at most `stepMiners`, every power decrease before any increase, so the site never swings
 *   at once and never passes its limit on the way.
 */
import {
  compileExecution,
  type ExecutionPlan,
  type ExecutionState,
  type ExecutionStep,
  executeLiveStep,
  newExecutionStep,
} from '#domain/execution.ts';
import { localParts } from '#domain/time.ts';
import type { Logger } from '#ports/logger.ts';
import type { SiteMiners } from './inventory.ts';
import type { LoadTimer, LoadTimerStore } from './load-timers.ts';
import { executeFleet, type FleetSettings, type FleetTask, type MinerOutcome } from './miners/fleet.ts';
import type { DriverRegistry, Miner } from './miners/port.ts';
import { type DispatchPlan, intervalAt, type PlanInterval, planSite, REAL_TIME_MARKETS, type StateChange, type Trigger } from './plan.ts';
import type { AgentClock, FiveMinutePrice, MeterReading } from './ports.ts';

/** The SCED interval: the step the execution function counts minimum run/off and ramps in. */
export const STEP_MINUTES = 5;
const EPS_MW = 1e-6;
/** A miner whose power target would be below this share of its rating is put to sleep instead. */
const MIN_POWER_SHARE = 0.5;
const READ_STATE = { kind: 'read-state' } as const;

export interface ControllerSettings {
  /** At most this many miners commanded per step. */
  readonly stepMiners: number;
  /** Pause between two steps of a ramp. */
  readonly stepPauseMs: number;
  /** A live price older than this (from its SCED timestamp) is stale: fail-safe. */
  readonly maxPriceAgeMs: number;
  /** A meter or base-point reading older than this is not used (contracted AI MW instead; fail-safe for a base point). */
  readonly maxMeterAgeMs: number;
  /** Kept free below the interconnect. */
  readonly headroomMw: number;
  readonly fleet?: Partial<FleetSettings>;
}

export const DEFAULT_CONTROLLER_SETTINGS: ControllerSettings = {
  stepMiners: 1000,
  stepPauseMs: 0,
  maxPriceAgeMs: 15 * 60_000,
  maxMeterAgeMs: 10_000,
  headroomMw: 0,
};

export interface ControllerDeps {
  readonly miners: SiteMiners;
  readonly drivers: DriverRegistry;
  readonly clock: AgentClock;
  readonly settings?: Partial<ControllerSettings>;
  /** Each state change, once its fleet has finished (or a newer change superseded it). */
  readonly onStateChange?: (change: StateChange) => void;
  /** Where each load's last start/stop instant is kept, so min run/off hold across a restart. */
  readonly timers?: LoadTimerStore;
  readonly log?: Logger;
}

type Mode = 'running' | 'asleep' | 'unknown';

interface Slot {
  readonly miner: Miner;
  readonly load: FleetLoad;
  /** Does the driver take a power target? (LuxOS and stock Antminer do not; learnt from `unsupported` otherwise.) */
  canTarget: boolean;
  mode: Mode;
  powerTargetW: number | null;
  powerW: number;
  hashrateThs: number;
  /** Last hashrate seen running at full power, for estimates until the next read. */
  ratedThs: number;
  reachable: boolean;
  wantMode: Mode;
  /** Null: whatever the miner runs at by default (its rating). */
  wantTargetW: number | null;
  /** The controller's write count when this slot's state was last written (a read brought it, a command answered). */
  writtenAt: number;
}

interface PendingChange {
  readonly atMs: number;
  readonly change: StateChange['change'];
  readonly fromMw: number;
  readonly toMw: number;
  readonly trigger: Trigger;
  commanded: number;
  confirmed: number;
  failed: number;
}

interface FleetLoad {
  readonly loadId: string;
  readonly slots: Slot[];
  /** Index in the execution plan's loads, or −1 when the plan does not know this load. */
  index: number;
  /** What the load was last set to run (at the start: what its miners were found drawing). */
  targetMw: number;
  readonly halfMinerW: number;
  pending: PendingChange | null;
  lastChangeAtMs: number;
}

type LoadInput =
  | { readonly kind: 'threshold'; readonly thresholdUsdPerMwh: number }
  | { readonly kind: 'base-point' }
  | { readonly kind: 'forced'; readonly mw: number; readonly trigger: Trigger }
  | { readonly kind: 'hold'; readonly trigger: Trigger };

export interface LoadStatus {
  readonly loadId: string;
  readonly targetMw: number;
  readonly actualMw: number;
  readonly hashrateThs: number;
  readonly running: number;
  readonly asleep: number;
  readonly unreachable: number;
}

export class Controller {
  readonly #deps: ControllerDeps;
  readonly #settings: ControllerSettings;
  readonly #loads: FleetLoad[];
  readonly #slots: Slot[];
  #plan: DispatchPlan | null = null;
  #planKey = '';
  #exec: ExecutionPlan | null = null;
  #state: ExecutionState | null = null;
  #step: ExecutionStep | null = null;
  #since = new Float64Array(0);
  #lastMs = Number.NaN;
  #price: FiveMinutePrice | null = null;
  #meters: MeterReading | null = null;
  #basePoint: { atMs: number; basePointMw: number } | null = null;
  #actuating = false;
  #again = false;
  #idle: (() => void)[] = [];
  #started = false;
  #stopping = false;
  /** Each load's last start/stop, by load id: what `#since` holds, kept across plan compiles and restarts. */
  readonly #timers: Map<string, LoadTimer>;
  /** The rolling read-back: the next miner to read, and how many of this round did not answer. */
  #cursor = 0;
  #roundUnreachable = 0;
  /**
   * Counts the writes of miners' states into their slots. A read remembers the count when it starts and brings its
   * answer only to slots not written since: one that began before a command answered (or before a newer read
   * finished) may have seen the miner as it was, and must not undo what is known to be newer.
   */
  #writes = 0;
  readonly #reads = new Set<Promise<void>>();
  readonly #aborts = new Set<AbortController>();

  constructor(deps: ControllerDeps) {
    this.#deps = deps;
    this.#settings = { ...DEFAULT_CONTROLLER_SETTINGS, ...deps.settings };
    this.#loads = deps.miners.loads.map((l) => {
      const halfMinerW = Math.min(...l.miners.map((m) => m.ratedW)) / 2;
      const load: FleetLoad = {
        loadId: l.loadId,
        slots: [],
        index: -1,
        targetMw: Number.NaN,
        halfMinerW,
        pending: null,
        lastChangeAtMs: 0,
      };
      for (const miner of l.miners) {
        load.slots.push({
          miner,
          load,
          canTarget: miner.driver === 'braiins' || miner.driver === 'whatsminer',
          mode: 'unknown',
          powerTargetW: null,
          powerW: miner.ratedW,
          hashrateThs: 0,
          ratedThs: 0,
          reachable: false,
          wantMode: 'unknown',
          wantTargetW: null,
          writtenAt: 0,
        });
      }
      return load;
    });
    this.#slots = this.#loads.flatMap((l) => l.slots);
    this.#timers = new Map(deps.timers?.load() ?? []);
  }

  /**
   * Reads every miner's actual state before anything is commanded (after a restart, nothing already right is
   * touched), and takes each load's last start/stop from the timers kept on disk, so min run/off carry on.
   */
  async start(): Promise<void> {
    await this.refresh();
    if (this.#stopping) return;
    this.#syncState(true);
    this.#started = true;
    this.evaluate();
  }

  /** Reads every miner's state at once (at the start): hashrate and power for telemetry, unreachable miners brought back. */
  async refresh(): Promise<void> {
    const failed = await this.#read(this.#slots);
    if (failed > 0) this.#deps.log?.warn('miners unreachable', { unreachable: failed, of: this.#slots.length });
  }

  /**
   * The rolling read-back: the next `count` miners round the fleet, so that reading the whole fleet every period is
   * spread over it in slices rather than tens of thousands of reads at once. Unreachable miners are logged once a round.
   */
  async refreshNext(count: number): Promise<void> {
    const total = this.#slots.length;
    const n = Math.min(total, Math.max(0, Math.floor(count)));
    const slice: Slot[] = [];
    let wrapped = false;
    for (let i = 0; i < n; i++) {
      slice.push(this.#slots[this.#cursor]!);
      this.#cursor += 1;
      if (this.#cursor === total) [this.#cursor, wrapped] = [0, true];
    }
    this.#roundUnreachable += await this.#read(slice);
    if (wrapped) {
      if (this.#roundUnreachable > 0) this.#deps.log?.warn('miners unreachable', { unreachable: this.#roundUnreachable, of: total });
      this.#roundUnreachable = 0;
    }
  }

  /** Stops reading and commanding: reads not yet started are dropped, and what is in flight is waited for, up to `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    for (const abort of this.#aborts) abort.abort();
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([...this.#reads, this.whenIdle()]), bound]);
    clearTimeout(timer);
  }

  /** Reads these miners' states into their slots; resolves to how many did not answer. */
  async #read(slots: readonly Slot[]): Promise<number> {
    if (this.#stopping || slots.length === 0) return 0;
    const abort = new AbortController();
    this.#aborts.add(abort);
    let failed = 0;
    const work = this.#readInto(slots, abort.signal).then((n) => {
      failed = n;
    });
    this.#reads.add(work);
    try {
      await work;
    } finally {
      this.#reads.delete(work);
      this.#aborts.delete(abort);
    }
    return failed;
  }

  async #readInto(slots: readonly Slot[], signal: AbortSignal): Promise<number> {
    const tasks: FleetTask[] = slots.map((s) => ({ miner: s.miner, command: READ_STATE }));
    const startedAt = this.#writes;
    const report = await executeFleet(tasks, { drivers: this.#deps.drivers, settings: this.#settings.fleet ?? {}, signal });
    if (signal.aborted) return 0;
    let back = false;
    let drifted = false;
    for (const [i, outcome] of report.outcomes.entries()) {
      const slot = slots[i]!;
      if (slot.writtenAt > startedAt) continue; // stale: the slot has news from after this read began
      slot.writtenAt = ++this.#writes;
      if (outcome.ok && outcome.state) {
        back ||= !slot.reachable;
        slot.reachable = true;
        slot.mode = outcome.state.mode;
        slot.powerTargetW = outcome.state.powerTargetW;
        slot.powerW = outcome.state.powerW;
        slot.hashrateThs = outcome.state.hashrateThs;
        if (slot.mode === 'running' && (slot.powerTargetW === null || slot.powerTargetW >= slot.miner.ratedW))
          slot.ratedThs = slot.hashrateThs;
        // Woken or put to sleep by someone else, rebooted, set to another target: a command brings it back.
        drifted ||= this.#command(slot) !== null;
      } else {
        slot.reachable = false;
      }
    }
    if (back && this.#started) this.#reassignAll();
    else if (drifted && this.#started) this.#kick();
    return report.failed;
  }

  setPlan(plan: DispatchPlan): void {
    this.#plan = plan;
    const key = JSON.stringify([plan.loads, plan.interconnectMw, plan.baseLoadMw, plan.execution, plan.hysteresisUsdPerMwh]);
    if (key !== this.#planKey) this.#compile(plan, key);
    this.evaluate();
  }

  setPrice(price: FiveMinutePrice | null): void {
    this.#price = price;
    this.evaluate();
  }

  setMeters(reading: MeterReading): void {
    this.#meters = reading;
    this.evaluate();
  }

  setBasePoint(reading: { atMs: number; basePointMw: number }): void {
    this.#basePoint = reading;
    this.evaluate();
  }

  /** The latest plan (what a restart without the cloud resumes from). */
  get plan(): DispatchPlan | null {
    return this.#plan;
  }

  /** Resolves once no command is left to send. */
  whenIdle(): Promise<void> {
    if (!this.#actuating) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  status(): LoadStatus[] {
    return this.#loads.map((load) => {
      let actualW = 0;
      let hashrateThs = 0;
      let running = 0;
      let asleep = 0;
      let unreachable = 0;
      for (const s of load.slots) {
        actualW += s.powerW;
        hashrateThs += s.hashrateThs;
        if (!s.reachable) unreachable++;
        else if (s.mode === 'running') running++;
        else if (s.mode === 'asleep') asleep++;
      }
      return { loadId: load.loadId, targetMw: load.targetMw, actualMw: actualW / 1e6, hashrateThs, running, asleep, unreachable };
    });
  }

  /** Decides each load's MW from what is known now and starts the commands that follow. */
  evaluate(): void {
    const plan = this.#plan;
    const exec = this.#exec;
    const state = this.#state;
    const step = this.#step;
    if (!this.#started || plan === null || exec === null || state === null || step === null) return;
    const now = this.#deps.clock.nowMs();
    const interval = intervalAt(plan, now);
    const inputs = this.#inputs(plan, exec, interval, now);
    const fresh = this.#freshPrice(now);
    step.priceUsdPerMwh = fresh ?? Number.NaN;
    step.hashpriceUsdPerPhDay = interval?.hashpriceUsdPerPhDay ?? Number.NaN;
    step.holdMw = interval?.holdMw ?? 0;
    step.capacityMw = this.#capacityMw(plan, now);
    inputs.forEach((input, l) => {
      step.forcedMw[l] = input.kind === 'forced' ? input.mw : Number.NaN;
      step.thresholdUsdPerMwh[l] = input.kind === 'threshold' ? input.thresholdUsdPerMwh : Number.NaN;
    });
    const before = Float64Array.from(state.mw);
    executeLiveStep(exec, state, step, { nowMs: now, lastMs: this.#lastMs, sinceMs: this.#since });
    this.#lastMs = now;
    this.#keepTimers(state);
    const usedMw = state.mw.reduce((sum, mw) => sum + mw, 0);
    const binding = usedMw >= step.capacityMw - 1e-6;
    let assigned = false;
    for (const load of this.#loads) {
      if (load.index < 0) continue;
      const target = state.mw[load.index]!;
      const option = state.option[load.index]!;
      if (Math.abs(target - load.targetMw) <= EPS_MW) continue;
      assigned = true;
      const input = inputs[load.index]!;
      const trigger = this.#trigger(input, fresh, binding && target < before[load.index]! - EPS_MW);
      this.#assign(load, target, exec.optMw[option]! / exec.optMw[exec.optionFirst[load.index]!]!);
      // A change worth reporting moves at least half a miner (not a drift of what the miners happen to draw).
      if (Math.abs(target - load.targetMw) * 1e6 >= load.halfMinerW) this.#beginChange(load, now, load.targetMw, target, trigger);
      load.targetMw = target;
    }
    // Nothing new to send unless a load's miners were assigned anew: commands otherwise come from the read-back
    // (a miner found the other way from what it should be) and from the passes already running.
    if (assigned) this.#kick();
  }

  #compile(plan: DispatchPlan, key: string): void {
    const site = planSite(plan);
    const exec = compileExecution(site, STEP_MINUTES, { hysteresis: plan.execution !== 'dispatched' });
    const byId = new Map(exec.loads.map((l, i) => [l.id, i]));
    for (const load of this.#loads) {
      load.index = byId.get(load.loadId) ?? -1;
      if (load.index < 0) this.#deps.log?.warn('load in the inventory but not in the plan: left as it is', { loadId: load.loadId });
    }
    this.#exec = exec;
    this.#state = {
      mw: new Float64Array(exec.loads.length),
      option: Int32Array.from(exec.optionFirst),
      stepsInState: new Int32Array(exec.loads.length),
    };
    this.#step = newExecutionStep(exec);
    this.#since = new Float64Array(exec.loads.length).fill(Number.NaN);
    this.#syncState(false);
    this.#lastMs = Number.NaN;
    this.#planKey = key;
  }

  /**
   * The execution state starts from what the miners actually draw, so a restart changes nothing that is already right,
   * and each load's last start/stop from the timers kept. At a restart (`restoring`), a load found the other way from
   * what was kept changed while the agent was away, at an unknown instant: counted from now, the cautious side.
   */
  #syncState(restoring: boolean): void {
    const state = this.#state;
    if (state === null) return;
    const now = this.#deps.clock.nowMs();
    let changed = false;
    for (const load of this.#loads) {
      if (load.index < 0) continue;
      state.mw[load.index] = load.slots.reduce((sum, s) => sum + (s.mode === 'running' ? s.powerW : 0), 0) / 1e6;
      load.targetMw = state.mw[load.index]!;
      const kept = this.#timers.get(load.loadId);
      const running = state.mw[load.index]! > 0;
      if (kept === undefined) this.#since[load.index] = Number.NaN;
      else if (!restoring || kept.running === running) this.#since[load.index] = kept.sinceMs;
      else {
        this.#deps.log?.info('load found changed since the agent stopped: min run/off counted from now', {
          loadId: load.loadId,
          kept: kept.running ? 'running' : 'stopped',
          found: running ? 'running' : 'stopped',
        });
        this.#since[load.index] = now;
        this.#timers.set(load.loadId, { sinceMs: now, running });
        changed = true;
      }
    }
    if (changed) this.#saveTimers();
  }

  /** Copies the loads' start/stop instants the execution step moved into the kept timers, and writes them when they moved. */
  #keepTimers(state: ExecutionState): void {
    let changed = false;
    for (const load of this.#loads) {
      if (load.index < 0) continue;
      const since = this.#since[load.index]!;
      if (Number.isNaN(since) || this.#timers.get(load.loadId)?.sinceMs === since) continue;
      this.#timers.set(load.loadId, { sinceMs: since, running: state.mw[load.index]! > 0 });
      changed = true;
    }
    if (changed) this.#saveTimers();
  }

  #saveTimers(): void {
    try {
      this.#deps.timers?.save(this.#timers);
    } catch (error) {
      // Not fatal: the loads keep running; only a restart before the next write would lose the instants.
      this.#deps.log?.error('load timers could not be written', { error: (error as Error).message });
    }
  }

  #freshPrice(now: number): number | null {
    const price = this.#price;
    if (price === null || now - price.scedTimestampMs > this.#settings.maxPriceAgeMs) return null;
    return price.lmpUsdPerMwh;
  }

  #fresh<T extends { atMs: number }>(reading: T | null, now: number): T | null {
    return reading !== null && now - reading.atMs <= this.#settings.maxMeterAgeMs ? reading : null;
  }

  /** AI tenants first: the miners share what the tenants' metered load leaves under the interconnect. */
  #capacityMw(plan: DispatchPlan, now: number): number {
    const meters = this.#fresh(this.#meters, now);
    const aiMw = meters === null ? plan.aiContractedMw : Math.max(0, meters.aiLoadMw);
    return Math.max(0, plan.interconnectMw - plan.baseLoadMw - this.#settings.headroomMw - aiMw);
  }

  #inputs(plan: DispatchPlan, exec: ExecutionPlan, interval: PlanInterval | null, now: number): LoadInput[] {
    const failSafe = this.#failSafe(plan, now);
    const realTime = plan.execution === 'price-responsive' && REAL_TIME_MARKETS.has(plan.market);
    const priceFresh = this.#freshPrice(now) !== null;
    const inputs: LoadInput[] = exec.loads.map((load) => {
      const planned = interval?.loads.find((p) => p.loadId === load.id);
      if (interval === null || planned === undefined) return failSafe(load.powerMw);
      if (planned.forced !== null) return { kind: 'forced', mw: planned.forced.mw, trigger: forcedTrigger(planned.forced) };
      if (plan.execution === 'dispatched') return { kind: 'base-point' }; // filled from the base point below
      if (!realTime || planned.thresholdUsdPerMwh === null) return { kind: 'forced', mw: planned.mw, trigger: { kind: 'PLAN' } };
      if (!priceFresh) return failSafe(load.powerMw);
      return { kind: 'threshold', thresholdUsdPerMwh: planned.thresholdUsdPerMwh };
    });
    if (plan.execution === 'dispatched' && interval !== null) {
      // The base point is the MW SCED dispatched the site's miners to: shared most efficient first after the forced loads.
      const basePoint = this.#fresh(this.#basePoint, now);
      let left = basePoint?.basePointMw ?? 0;
      for (const input of inputs) if (input.kind === 'forced') left -= input.mw;
      for (const l of exec.order) {
        if (inputs[l]!.kind !== 'base-point') continue;
        if (basePoint === null) {
          inputs[l] = failSafe(exec.loads[l]!.powerMw);
          continue;
        }
        const mw = Math.max(0, Math.min(exec.loads[l]!.powerMw, left));
        left -= mw;
        inputs[l] = { kind: 'forced', mw, trigger: { kind: 'PLAN' } };
      }
    }
    return inputs;
  }

  /** The site's fail-safe: curtail in its peak hours; otherwise hold, curtail or run as configured. */
  #failSafe(plan: DispatchPlan, now: number): (fullMw: number) => LoadInput {
    const trigger: Trigger = { kind: 'FAIL_SAFE' };
    const peak = plan.failSafe.peakHoursLocal.includes(localParts(now, plan.timezone).hour);
    const otherwise = plan.failSafe.otherwise;
    return (fullMw) => {
      if (peak || otherwise === 'CURTAIL') return { kind: 'forced', mw: 0, trigger };
      if (otherwise === 'RUN') return { kind: 'forced', mw: fullMw, trigger };
      return { kind: 'hold', trigger };
    };
  }

  #trigger(input: LoadInput, price: number | null, squeezed: boolean): Trigger {
    if (squeezed && input.kind !== 'forced') return { kind: 'INTERCONNECT' };
    if (input.kind === 'threshold') {
      return { kind: 'PRICE', thresholdUsdPerMwh: input.thresholdUsdPerMwh, ...(price === null ? {} : { priceUsdPerMwh: price }) };
    }
    return input.kind === 'base-point' ? { kind: 'PLAN' } : input.trigger;
  }

  /** Which miners run (and at what power target) for a load's MW: those running now first, in inventory order. */
  #assign(load: FleetLoad, targetMw: number, share: number): void {
    let budgetW = targetMw * 1e6;
    for (const s of load.slots) if (!s.reachable) budgetW -= s.mode === 'asleep' ? 0 : s.powerW;
    const order = [
      ...load.slots.filter((s) => s.reachable && s.mode === 'running'),
      ...load.slots.filter((s) => s.reachable && s.mode !== 'running'),
    ];
    for (const s of order) {
      const full = s.miner.ratedW;
      const want = s.canTarget && share < 1 ? Math.round(full * share) : full;
      if (want <= budgetW + 1e-3) {
        s.wantMode = 'running';
        s.wantTargetW = want < full ? want : null;
        budgetW -= want;
      } else if (s.canTarget && budgetW >= MIN_POWER_SHARE * full) {
        s.wantMode = 'running';
        s.wantTargetW = Math.floor(budgetW);
        budgetW = 0;
      } else {
        s.wantMode = 'asleep';
        s.wantTargetW = null;
      }
    }
  }

  #reassignAll(): void {
    const exec = this.#exec;
    const state = this.#state;
    if (exec === null || state === null) return;
    for (const load of this.#loads) {
      if (load.index < 0 || Number.isNaN(load.targetMw)) continue;
      const option = state.option[load.index]!;
      this.#assign(load, load.targetMw, exec.optMw[option]! / exec.optMw[exec.optionFirst[load.index]!]!);
    }
    this.#kick();
  }

  #beginChange(load: FleetLoad, now: number, fromMw: number, toMw: number, trigger: Trigger): void {
    if (load.pending !== null) this.#finish(load, now);
    // A change is identified by (site, load, instant): two in the same millisecond would be one.
    const atMs = Math.max(now, load.lastChangeAtMs + 1);
    load.lastChangeAtMs = atMs;
    load.pending = { atMs, change: toMw < fromMw ? 'CURTAILED' : 'RESUMED', fromMw, toMw, trigger, commanded: 0, confirmed: 0, failed: 0 };
  }

  #finish(load: FleetLoad, now: number): void {
    const p = load.pending;
    if (p === null) return;
    load.pending = null;
    this.#deps.onStateChange?.({
      loadId: load.loadId,
      at: new Date(p.atMs).toISOString(),
      change: p.change,
      fromMw: round(p.fromMw),
      toMw: round(p.toMw),
      trigger: p.trigger,
      fleetSeconds: Math.max(0, now - p.atMs) / 1000,
      miners: { commanded: p.commanded, confirmed: p.confirmed, failed: p.failed },
    });
  }

  #kick(): void {
    if (this.#stopping) return;
    if (this.#actuating) {
      this.#again = true;
      return;
    }
    this.#actuating = true;
    this.#actuate().catch((error: unknown) => {
      this.#deps.log?.error('commanding the miners failed', { error: (error as Error).message });
      this.#done();
    });
  }

  #done(): void {
    this.#actuating = false;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  /** Steps of at most `stepMiners` commands, every decrease before any increase, until nothing is left to send. */
  async #actuate(): Promise<void> {
    for (;;) {
      this.#again = false;
      if (this.#stopping) return this.#done();
      const { tasks: batch, slots } = this.#nextBatch();
      if (batch.length === 0) {
        const now = this.#deps.clock.nowMs();
        for (const load of this.#loads) this.#finish(load, now);
        // Synchronously with the last look for work, so that a kick arriving now starts a new pass.
        if (!this.#again) return this.#done();
        continue;
      }
      for (const s of slots) if (s.load.pending) s.load.pending.commanded++;
      const report = await executeFleet(batch, { drivers: this.#deps.drivers, settings: this.#settings.fleet ?? {} });
      // Outcomes come in the order of the tasks.
      for (const [i, outcome] of report.outcomes.entries()) this.#applied(slots[i]!, batch[i]!, outcome);
      const now = this.#deps.clock.nowMs();
      for (const load of this.#loads) if (load.pending && !this.#hasWork(load)) this.#finish(load, now);
      if (this.#settings.stepPauseMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#settings.stepPauseMs));
    }
  }

  #applied(slot: Slot, task: FleetTask, outcome: MinerOutcome): void {
    const pending = slot.load.pending;
    // Whatever the answer, the miner may have acted on the command: a read begun before it is no longer news.
    slot.writtenAt = ++this.#writes;
    if (!outcome.ok && outcome.error?.kind === 'unsupported' && task.command.kind === 'set-power-target') {
      // This firmware has no power target after all: the load's MW is met by sleeping miners instead.
      slot.canTarget = false;
      slot.wantTargetW = null;
      if (pending) pending.failed++;
      this.#reassignAll();
      return;
    }
    if (!outcome.ok) {
      // The executor already retried with backoff; the next refresh brings the miner back when it answers again.
      slot.reachable = false;
      if (pending) pending.failed++;
      this.#deps.log?.warn('miner command failed', { minerId: slot.miner.id, command: task.command.kind, error: outcome.error?.message });
      return;
    }
    if (pending) pending.confirmed++;
    const command = task.command;
    if (command.kind === 'sleep') {
      slot.mode = 'asleep';
      slot.powerW = 0;
      slot.hashrateThs = 0;
    } else if (command.kind === 'wake') {
      slot.mode = 'running';
      slot.powerW = slot.powerTargetW ?? slot.miner.ratedW;
      slot.hashrateThs = (slot.ratedThs * slot.powerW) / slot.miner.ratedW;
    } else if (command.kind === 'set-power-target') {
      slot.powerTargetW = command.watts;
      if (slot.mode === 'running') {
        slot.powerW = command.watts;
        slot.hashrateThs = (slot.ratedThs * command.watts) / slot.miner.ratedW;
      }
    }
  }

  /** The one command that brings a miner closer to what is wanted, and whether it lowers the site's draw. */
  #command(s: Slot): { task: FleetTask; lowers: boolean } | null {
    if (!s.reachable || s.wantMode === 'unknown') return null;
    const full = s.miner.ratedW;
    if (s.wantMode === 'asleep') return s.mode === 'asleep' ? null : { task: { miner: s.miner, command: { kind: 'sleep' } }, lowers: true };
    const wantW = s.wantTargetW ?? full;
    const haveW = s.powerTargetW ?? full;
    if (s.canTarget && wantW !== haveW && (s.mode === 'running' ? true : wantW < haveW)) {
      const lowers = s.mode === 'running' && wantW < haveW;
      return { task: { miner: s.miner, command: { kind: 'set-power-target', watts: wantW } }, lowers };
    }
    if (s.mode !== 'running') return { task: { miner: s.miner, command: { kind: 'wake' } }, lowers: false };
    return null;
  }

  #hasWork(load: FleetLoad): boolean {
    return load.slots.some((s) => this.#command(s) !== null);
  }

  /** The next step's commands and, index for index, their slots. */
  #nextBatch(): { tasks: FleetTask[]; slots: Slot[] } {
    const n = Math.max(1, Math.floor(this.#settings.stepMiners));
    const lower = { tasks: [] as FleetTask[], slots: [] as Slot[] };
    const raise = { tasks: [] as FleetTask[], slots: [] as Slot[] };
    for (const s of this.#slots) {
      const next = this.#command(s);
      if (next === null) continue;
      if (next.lowers) {
        lower.tasks.push(next.task);
        lower.slots.push(s);
        if (lower.tasks.length >= n) break;
      } else if (raise.tasks.length < n) {
        raise.tasks.push(next.task);
        raise.slots.push(s);
      }
    }
    return lower.tasks.length > 0 ? lower : raise;
  }
}

function forcedTrigger(forced: NonNullable<PlanInterval['loads'][number]['forced']>): Trigger {
  const eventId = forced.gridEventIds?.[0];
  switch (forced.cause) {
    case 'OVERRIDE':
      return forced.overrideId === undefined ? { kind: 'PLAN' } : { kind: 'OVERRIDE', overrideId: forced.overrideId };
    case 'GRID_DEPLOYMENT':
      return eventId === undefined ? { kind: 'PLAN' } : { kind: 'GRID_DEPLOYMENT', gridEventId: eventId };
    case 'AS_AWARD':
    case 'EMERGENCY':
      return { kind: forced.cause, ...(eventId === undefined ? {} : { gridEventId: eventId }) };
    case 'FAIL_SAFE':
      return { kind: 'FAIL_SAFE' };
    case 'ENGINE':
      return { kind: 'PLAN' };
  }
}

function round(mw: number): number {
  return Math.round(mw * 1e6) / 1e6;
}
