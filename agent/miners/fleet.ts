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
}

export function executeFleet(tasks: readonly FleetTask[], run: FleetRun): Promise<FleetReport> {
  const settings = { ...DEFAULT_FLEET_SETTINGS, ...run.settings };
  const concurrency = Math.max(1, Math.floor(settings.concurrency));
  const random = run.random ?? Math.random;
  const started = performance.now();
  const outcomes: MinerOutcome[] = new Array<MinerOutcome>(tasks.length);
  const ready: Job[] = tasks.map((task, index) => ({ task, index, attempts: 0 }));
  let head = 0;
  let active = 0;
  let remaining = tasks.length;
  const waiting = new Map<NodeJS.Timeout, Job>();

  return new Promise<FleetReport>((resolve) => {
    const settle = () => {
      for (const timer of waiting.keys()) clearTimeout(timer);
      run.signal?.removeEventListener('abort', onAbort);
      const succeeded = outcomes.filter((o) => o?.ok).length;
      resolve({ outcomes, succeeded, failed: outcomes.length - succeeded, elapsedMs: performance.now() - started });
    };
    // biome-ignore lint/suspicious/noConfusingVoidType: a driver command resolves MinerResult<void>, a read MinerResult<MinerState>
    const record = (job: Job, result: MinerResult<MinerState | void>, callMs: number) => {
      const base = {
        minerId: job.task.miner.id,
        command: job.task.command.kind,
        attempts: job.attempts,
        callMs,
        elapsedMs: performance.now() - started,
      };
      const outcome: MinerOutcome = result.ok
        ? { ...base, ok: true, ...(result.value === undefined ? {} : { state: result.value }) }
        : { ...base, ok: false, error: result.error };
      outcomes[job.index] = outcome;
      remaining -= 1;
      run.onOutcome?.(outcome);
    };
    const pump = () => {
      while (active < concurrency && head < ready.length && run.signal?.aborted !== true) {
        const job = ready[head]!;
        ready[head] = undefined as unknown as Job; // let finished jobs be collected on big fleets
        head += 1;
        active += 1;
        void attempt(job);
      }
      if (run.signal?.aborted === true) {
        for (; head < ready.length; head += 1) record(ready[head]!, { ok: false, error: aborted() }, 0);
      }
      if (remaining === 0) settle();
    };
    const attempt = async (job: Job) => {
      job.attempts += 1;
      const callStart = performance.now();
      const result = await call(run.drivers, job.task, settings.timeoutMs);
      const callMs = performance.now() - callStart;
      active -= 1;
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

/** A guard above the driver's own timeout: a driver that breaks its contract still cannot hold a slot for ever. */
// biome-ignore lint/suspicious/noConfusingVoidType: as above, the union of what the driver calls resolve
async function call(drivers: DriverRegistry, task: FleetTask, timeoutMs: number): Promise<MinerResult<MinerState | void>> {
  const driver = drivers[task.miner.driver];
  const options = { timeoutMs };
  let guard: NodeJS.Timeout | undefined;
  const expired = new Promise<MinerResult<never>>((resolve) => {
    guard = setTimeout(
      () => resolve({ ok: false, error: { kind: 'timeout', message: `${task.miner.id}: driver overran its timeout`, retryable: true } }),
      timeoutMs + 1_000,
    );
  });
  const command = task.command;
  // biome-ignore lint/suspicious/noConfusingVoidType: as above
  const work = (async (): Promise<MinerResult<MinerState | void>> => {
    try {
      switch (command.kind) {
        case 'sleep':
          return await driver.sleep(task.miner, options);
        case 'wake':
          return await driver.wake(task.miner, options);
        case 'set-power-target':
          return await driver.setPowerTarget(task.miner, command.watts, options);
        case 'read-state':
          return await driver.readState(task.miner, options);
      }
    } catch (error) {
      const message = `${task.miner.id}: driver failed (${(error as Error).name})`;
      return { ok: false, error: { kind: 'garbage', message, retryable: false } };
    }
  })();
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(guard);
  }
}

function aborted(): MinerError {
  return { kind: 'timeout', message: 'the batch was aborted before this miner was reached', retryable: false };
}
