/**
 * The state behind every fake miner, whatever vendor it speaks: running or asleep, its power target, and the time a
 * command takes to take effect. Hashrate and power follow from the state, as on a real machine.
 */
export const FAILURE_MODES = ['none', 'bad-credentials', 'timeout', 'half-close', 'garbage', 'vendor-error', 'session-conflict'] as const;
export type FailureMode = (typeof FAILURE_MODES)[number];

export const SLEEP_POWER_W = 20;

export interface FakeMinerSpec {
  readonly ratedW: number;
  readonly ratedThs: number;
  readonly username: string;
  readonly password: string;
  /** How long a sleep, wake or power target takes to show in the miner's readings. */
  readonly effectDelayMs: number;
  readonly failure: FailureMode;
  readonly asleep?: boolean;
}

export class FakeMiner {
  readonly ratedW: number;
  readonly ratedThs: number;
  readonly username: string;
  password: string;
  effectDelayMs: number;
  failure: FailureMode;
  /** Commands received, in order (`sleep`, `wake`, `power-target:3000`), for tests to assert on. */
  readonly commands: string[] = [];
  /** Bumped by `dropSessions()`: tokens and sessions issued before it are no longer honoured (a reboot, say). */
  sessionEpoch = 0;
  /** LuxOS: how many sessions `logon` created. */
  sessionsIssued = 0;
  /** LuxOS: how many `logon`s were refused with Code 402 because a session was already active. */
  sessionsRefused = 0;
  /** LuxOS: a session unused this long is gone (the firmware's idle timeout). */
  sessionTimeoutMs = 60_000;
  /** Whatsminer: how many get_token answers this miner gave. */
  tokensIssued = 0;
  /** Antminer: the configuration last posted to set_miner_conf.cgi. */
  lastConfig: unknown;
  #mode: 'running' | 'asleep';
  #targetW: number;
  #pending: { mode: 'running' | 'asleep'; targetW: number; at: number } | undefined;

  constructor(spec: FakeMinerSpec) {
    this.ratedW = spec.ratedW;
    this.ratedThs = spec.ratedThs;
    this.username = spec.username;
    this.password = spec.password;
    this.effectDelayMs = spec.effectDelayMs;
    this.failure = spec.failure;
    this.#mode = spec.asleep === true ? 'asleep' : 'running';
    this.#targetW = spec.ratedW;
  }

  accepts(username: string, password: string): boolean {
    return this.failure !== 'bad-credentials' && username === this.username && password === this.password;
  }

  dropSessions(): void {
    this.sessionEpoch += 1;
  }

  sleep(): void {
    this.commands.push('sleep');
    this.#schedule('asleep', this.state().targetW);
  }

  wake(): void {
    this.commands.push('wake');
    this.#schedule('running', this.state().targetW);
  }

  setPowerTarget(watts: number): void {
    this.commands.push(`power-target:${watts}`);
    this.#schedule(this.#pending?.mode ?? this.#mode, Math.min(this.ratedW, Math.max(0, watts)));
  }

  state(now: number = Date.now()): { mode: 'running' | 'asleep'; targetW: number; powerW: number; hashrateThs: number } {
    if (this.#pending !== undefined && this.#pending.at <= now) {
      this.#mode = this.#pending.mode;
      this.#targetW = this.#pending.targetW;
      this.#pending = undefined;
    }
    if (this.#mode === 'asleep') return { mode: 'asleep', targetW: this.#targetW, powerW: SLEEP_POWER_W, hashrateThs: 0 };
    const powerW = Math.min(this.ratedW, this.#targetW);
    return { mode: 'running', targetW: this.#targetW, powerW, hashrateThs: (this.ratedThs * powerW) / this.ratedW };
  }

  #schedule(mode: 'running' | 'asleep', targetW: number): void {
    if (this.effectDelayMs <= 0) {
      this.#pending = undefined;
      this.#mode = mode;
      this.#targetW = targetW;
    } else {
      this.#pending = { mode, targetW, at: Date.now() + this.effectDelayMs };
    }
  }
}
