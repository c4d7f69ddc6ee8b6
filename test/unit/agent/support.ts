import type { SiteMiners } from '../../../agent/inventory.ts';
import {
  type DriverName,
  type DriverRegistry,
  fail,
  type Miner,
  type MinerDriver,
  type MinerResult,
  type MinerState,
  ok,
} from '../../../agent/miners/port.ts';
import type { DispatchPlan, PlanInterval, PlanLoad } from '../../../agent/plan.ts';

/** Fake miners in memory behind the driver port: what each was told, in order, and how many calls were in flight at most. */
export class FakeMiners {
  readonly state = new Map<string, { mode: 'running' | 'asleep'; targetW: number | null; ratedW: number }>();
  readonly commands: string[] = [];
  readonly down = new Set<string>();
  inFlight = 0;
  peak = 0;

  add(miner: Miner, mode: 'running' | 'asleep' = 'running'): void {
    this.state.set(miner.id, { mode, targetW: null, ratedW: miner.ratedW });
  }

  commandsOf(kind: string): string[] {
    return this.commands.filter((c) => c.startsWith(`${kind} `)).map((c) => c.slice(kind.length + 1));
  }

  running(): number {
    return [...this.state.values()].filter((s) => s.mode === 'running').length;
  }

  drivers(): DriverRegistry {
    const driver = (name: DriverName): MinerDriver => {
      const call = async <T>(miner: Miner, what: string, apply: () => MinerResult<T>): Promise<MinerResult<T>> => {
        this.inFlight++;
        this.peak = Math.max(this.peak, this.inFlight);
        await Promise.resolve();
        this.inFlight--;
        if (this.down.has(miner.id)) return fail('unreachable', `${miner.id}: unreachable`);
        if (what !== 'read') this.commands.push(`${what} ${miner.id}`);
        return apply();
      };
      const of = (miner: Miner) => this.state.get(miner.id)!;
      return {
        name,
        readState: (m) =>
          call<MinerState>(m, 'read', () => {
            const s = of(m);
            const powerW = s.mode === 'asleep' ? 0 : (s.targetW ?? s.ratedW);
            return ok({ mode: s.mode, powerTargetW: s.targetW, hashrateThs: powerW / 10_000, powerW });
          }),
        sleep: (m) =>
          call<void>(m, 'sleep', () => {
            of(m).mode = 'asleep';
            return ok(undefined);
          }),
        wake: (m) =>
          call<void>(m, 'wake', () => {
            of(m).mode = 'running';
            return ok(undefined);
          }),
        setPowerTarget: (m, watts) =>
          call<void>(m, `target:${watts}`, () => {
            if (name === 'luxos' || name === 'antminer') return fail('unsupported', 'no power target');
            of(m).targetW = watts;
            return ok(undefined);
          }),
      };
    };
    return { luxos: driver('luxos'), braiins: driver('braiins'), whatsminer: driver('whatsminer'), antminer: driver('antminer') };
  }
}

/** `count` miners of 1 MW each (easy sums), ids m0…, on load s21. */
export function fleetOf(count: number, driver: DriverName = 'luxos', fake = new FakeMiners()): { miners: SiteMiners; fake: FakeMiners } {
  const list: Miner[] = Array.from({ length: count }, (_, i) => ({
    id: `m${i}`,
    host: '127.0.0.1',
    port: 4028,
    driver,
    ratedW: 1_000_000,
  }));
  for (const m of list) fake.add(m);
  return { miners: { siteId: 'rockdale', loads: [{ loadId: 's21', miners: list }] }, fake };
}

export const T0 = Date.parse('2025-07-01T12:00:00Z'); // 07:00 in Chicago: not a peak hour
export const MIN = 60_000;

export class FakeClock {
  constructor(public ms = T0) {}
  nowMs(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export function planLoad(over: Partial<PlanLoad> = {}): PlanLoad {
  return { loadId: 's21', action: 'RUN', mw: 10, curtailAboveUsdPerMwh: 52, thresholdUsdPerMwh: 50, forced: null, ...over };
}

export function interval(over: Partial<PlanInterval> = {}, startMs = T0 - 10 * MIN, minutes = 60): PlanInterval {
  return {
    intervalStart: new Date(startMs).toISOString(),
    intervalEnd: new Date(startMs + minutes * MIN).toISOString(),
    intervalMinutes: minutes,
    revision: 1,
    source: 'AUTO',
    decidedAt: new Date(startMs - MIN).toISOString(),
    flags: [],
    hashpriceUsdPerPhDay: null,
    holdMw: 0,
    loads: [planLoad()],
    tenants: [{ loadId: 'tenant-a', mw: 5, backupGenMw: 0 }],
    ...over,
  };
}

/** Rockdale: 10 MW of miners (1 MW each), a 5 MW AI tenant, 20 MW interconnect, $2 hysteresis. */
export function plan(over: Partial<DispatchPlan> = {}, mining: Record<string, unknown> = {}): DispatchPlan {
  const intervals = over.intervals ?? [interval()];
  return {
    siteId: 'rockdale',
    market: 'ERCOT',
    settlementPoint: 'HB_HUBAVG',
    timezone: 'America/Chicago',
    execution: 'price-responsive',
    interconnectMw: 20,
    baseLoadMw: 0,
    aiContractedMw: 5,
    hysteresisUsdPerMwh: 2,
    maxPriceAgeMinutes: 120,
    failSafe: { peakHoursLocal: [15, 16, 17, 18, 19, 20], otherwise: 'HOLD' },
    loads: [
      { id: 's21', kind: 'mining', powerMw: 10, efficiencyJPerTh: 17.5, ...mining },
      { id: 'tenant-a', kind: 'ai', contractedMw: 5, priceUsdPerMwh: 180 },
    ],
    validUntil: intervals.at(-1)?.intervalEnd ?? null,
    intervals,
    ...over,
  };
}

export function price(lmp: number, atMs: number) {
  return { market: 'ERCOT', node: 'HB_HUBAVG', scedTimestampMs: atMs, lmpUsdPerMwh: lmp };
}
