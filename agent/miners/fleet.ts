import type { DriverRegistry, Miner, MinerError, MinerResult, MinerState } from './port.ts';

/**
 * Applies commands to many miners at once: at most `concurrency` calls in flight, each bounded by `timeoutMs`, and a
 * miner that failed in a retryable way (timeout, refused, unreachable, busy session) tried again after an
 * exponential backoff — waiting without holding a slot, so an unreachable miner never holds up the others. Steps of
 * "at most N miners per step" are the caller's: hand the executor one step's batch at a time.
 */
export type FleetCommand =
  | { readonly kind: 'sleep' }
  | { readonly kind: 'wake' }
  | { readonly kind: 'set-power-target'; readonly watts: number }
  | { readonly kind: 'read-state' };

export interface FleetTask {
  readonly miner: Miner;
  readonly command: FleetCommand;
}

export interface BackoffSettings {
  readonly initialMs: number;
  readonly factor: number;
  readonly maxMs: number;
  /** 0..1: the share of each delay drawn at random, so retries of a whole row do not arrive together. */
  readonly jitter: number;
}

export interface FleetSettings {
  readonly concurrency: number;
  readonly timeoutMs: number;
  /** Attempts after the first one. */
  readonly retries: number;
  readonly backoff: BackoffSettings;
}

export const DEFAULT_FLEET_SETTINGS: FleetSettings = {
  concurrency: 512,
  timeoutMs: 3_000,
  retries: 3,
  backoff: { initialMs: 250, factor: 2, maxMs: 5_000, jitter: 0.2 },
};

export interface MinerOutcome {
  readonly minerId: string;
  readonly command: FleetCommand['kind'];
  readonly ok: boolean;
  readonly state?: MinerState;
  readonly error?: MinerError;
  readonly attempts: number;
  /** From the batch's start to this miner's final answer, waits included. */
  readonly elapsedMs: number;
  /** The last attempt alone. */
  readonly callMs: number;
}

export interface FleetReport {
  readonly outcomes: readonly MinerOutcome[];
  readonly succeeded: number;
  readonly failed: number;
  readonly elapsedMs: number;
}

export interface FleetRun {
  readonly drivers: DriverRegistry;
  readonly settings?: Partial<FleetSettings>;
  /** Called as each miner's final outcome is known (telemetry, progress). */
  readonly onOutcome?: (outcome: MinerOutcome) => void;
  readonly random?: () => number;
  readonly signal?: AbortSignal;
}

interface Job {
  readonly task: FleetTask;
  readonly index: number;
  attempts: number;
  /** When the attempt in flight started (performance.now()). */
  callStart: number;
}

// biome-ignore lint/suspicious/noConfusingVoidType: a driver command resolves MinerResult<void>, a read MinerResult<MinerState>
type CallResult = MinerResult<MinerState | void>;

/** A call still in flight this long after the driver's own timeout is given up on (a driver that breaks its contract). */
const GUARD_MS = 1_000;
/** How often the calls in flight are checked against that guard. */
const GUARD_SWEEP_MS = 250;

export function executeFleet(tasks: readonly FleetTask[], run: FleetRun): Promise<FleetReport> {
  const settings = { ...DEFAULT_FLEET_SETTINGS, ...run.settings };
  const concurrency = Math.max(1, Math.floor(settings.concurrency));
  const random = run.random ?? Math.random;
  const started = performance.now();
  const outcomes: MinerOutcome[] = new Array<MinerOutcome>(tasks.length);
  const ready: Job[] = tasks.map((task, index) => ({ task, index, attempts: 0, callStart: 0 }));
  let head = 0;
  let remaining = tasks.length;
  const waiting = new Map<NodeJS.Timeout, Job>();
  /** The calls in flight: one timer sweeps them all rather than a timer and a race per call. */
  const inFlight = new Set<Job>();
  let sweep: NodeJS.Timeout | undefined;

  return new Promise<FleetReport>((resolve) => {
    const settle = () => {
      for (const timer of waiting.keys()) clearTimeout(timer);
      clearInterval(sweep);
      run.signal?.removeEventListener('abort', onAbort);
      let succeeded = 0;
      for (const o of outcomes) if (o?.ok) succeeded++;
      resolve({ outcomes, succeeded, failed: outcomes.length - succeeded, elapsedMs: performance.now() - started });
    };
    const record = (job: Job, result: CallResult, callMs: number) => {
      const { miner, command } = job.task;
      const elapsedMs = performance.now() - started;
      const outcome: MinerOutcome = !result.ok
        ? { minerId: miner.id, command: command.kind, ok: false, error: result.error, attempts: job.attempts, elapsedMs, callMs }
        : result.value === undefined
          ? { minerId: miner.id, command: command.kind, ok: true, attempts: job.attempts, elapsedMs, callMs }
          : { minerId: miner.id, command: command.kind, ok: true, state: result.value, attempts: job.attempts, elapsedMs, callMs };
      outcomes[job.index] = outcome;
      remaining -= 1;
      run.onOutcome?.(outcome);
    };
    const pump = () => {
      while (inFlight.size < concurrency && head < ready.length && run.signal?.aborted !== true) {
        const job = ready[head]!;
        ready[head] = undefined as unknown as Job; // let finished jobs be collected on big fleets
        head += 1;
        attempt(job);
      }
      if (run.signal?.aborted === true) {
        for (; head < ready.length; head += 1) record(ready[head]!, { ok: false, error: aborted() }, 0);
      }
      if (remaining === 0) settle();
    };
    const attempt = (job: Job) => {
      job.attempts += 1;
      job.callStart = performance.now();
      inFlight.add(job);
      sweep ??= setInterval(overrun, GUARD_SWEEP_MS);
      const attemptNo = job.attempts;
      call(run.drivers, job.task, settings.timeoutMs, (result) => {
        // An attempt the guard already gave up on has had its answer.
        if (job.attempts === attemptNo && inFlight.delete(job)) landed(job, result);
      });
    };
    const landed = (job: Job, result: CallResult) => {
      const callMs = performance.now() - job.callStart;
      if (!result.ok && result.error.retryable && job.attempts <= settings.retries && run.signal?.aborted !== true) {
        const timer = setTimeout(
          () => {
            waiting.delete(timer);
            ready.push(job);
            pump();
          },
          backoffMs(settings.backoff, job.attempts, random),
        );
        waiting.set(timer, job);
      } else {
        record(job, result, callMs);
      }
      pump();
    };
    const overrun = () => {
      const limit = performance.now() - settings.timeoutMs - GUARD_MS;
      for (const job of inFlight) {
        if (job.callStart > limit) continue;
        inFlight.delete(job);
        landed(job, {
          ok: false,
          error: { kind: 'timeout', message: `${job.task.miner.id}: driver overran its timeout`, retryable: true },
        });
      }
    };
    // Aborting drops what has not started and the retries still waiting; calls in flight finish on their own.
    const onAbort = () => {
      for (const [timer, job] of waiting) {
        clearTimeout(timer);
        record(job, { ok: false, error: aborted() }, 0);
      }
      waiting.clear();
      pump();
    };
    run.signal?.addEventListener('abort', onAbort, { once: true });
    if (tasks.length === 0) settle();
    else pump();
  });
}

/** The wait before attempt n + 1, after n failed attempts. */
export function backoffMs(backoff: BackoffSettings, failedAttempts: number, random: () => number): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * backoff.factor ** (failedAttempts - 1));
  return Math.round(base * (1 - backoff.jitter + backoff.jitter * random()));
}

/**
 * The driver's call, its result handed to `done` (straight from the driver's promise: no promise of its own, as reads
 * make most of the calls); one that throws or rejects (against the port's contract) is a garbage answer, not a crash.
 */
function call(drivers: DriverRegistry, task: FleetTask, timeoutMs: number, done: (result: CallResult) => void): void {
  const driver = drivers[task.miner.driver];
  const options = { timeoutMs };
  const command = task.command;
  let work: Promise<CallResult>;
  try {
    switch (command.kind) {
      case 'sleep':
        work = driver.sleep(task.miner, options);
        break;
      case 'wake':
        work = driver.wake(task.miner, options);
        break;
      case 'set-power-target':
        work = driver.setPowerTarget(task.miner, command.watts, options);
        break;
      case 'read-state':
        work = driver.readState(task.miner, options);
        break;
    }
  } catch (error) {
    work = Promise.reject(error);
  }
  work.then(done, (error: unknown) =>
    done({
      ok: false,
      error: { kind: 'garbage', message: `${task.miner.id}: driver failed (${(error as Error).name})`, retryable: false },
    }),
  );
}

function aborted(): MinerError {
  return { kind: 'timeout', message: 'the batch was aborted before this miner was reached', retryable: false };
}
