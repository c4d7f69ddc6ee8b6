/**
 * The agent's two conversations with the engine's API, over plain fetch (no AWS SDK on site):
 *
 * - the plan client: `GET /sites/{siteId}/dispatch` with `If-None-Match`, so an unchanged plan costs a 304; the last
 *   plan is kept on disk, so an agent restarted while the cloud is unreachable carries on with it;
 * - the telemetry client: `POST /sites/{siteId}/telemetry` in batches. Everything is first appended to an on-disk
 *   queue (JSON lines, fsync'd), sent from there, and removed (the file compacted) only once the API accepted it; an
 *   entry sent but not yet removed when the agent stops goes again, and the API recognises it by site, load and
 *   instant, so nothing is lost and nothing is counted twice.
 *
 * The bearer token is read from its file on every request (it may be rotated) and never logged.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '#ports/logger.ts';
import {
  type DispatchPlan,
  type LoadSample,
  LoadSampleSchema,
  MAX_SAMPLES_PER_BATCH,
  MAX_STATE_CHANGES_PER_BATCH,
  parsePlan,
  type StateChange,
  StateChangeSchema,
} from './plan.ts';

export type TokenSource = () => string;

/** A token from a file (read each time, trimmed) or a fixed value (from the environment). */
export function tokenSource(options: { file?: string; value?: string }): TokenSource {
  if (options.file !== undefined) {
    const file = options.file;
    return () => readFileSync(file, 'utf8').trim();
  }
  const value = options.value ?? '';
  return () => value;
}

export interface CloudOptions {
  readonly apiUrl: string;
  readonly siteId: string;
  readonly token: TokenSource;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  readonly log?: Logger;
}

export class CloudError extends Error {
  override readonly name = 'CloudError';
  constructor(
    message: string,
    /** The HTTP status, or 0 when no answer came (network, timeout). */
    readonly status: number,
  ) {
    super(message);
  }
}

async function request(options: CloudOptions, path: string, init: RequestInit): Promise<Response> {
  const url = `${options.apiUrl.replace(/\/+$/, '')}${path}`;
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${options.token()}`);
  try {
    return await (options.fetch ?? fetch)(url, { ...init, headers, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
  } catch (error) {
    throw new CloudError(`${init.method ?? 'GET'} ${path}: no answer (${(error as Error).name})`, 0);
  }
}

/** A problem+json body's title and detail, short: what the API said, for the log. */
async function problem(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { title?: unknown; detail?: unknown };
    return [body.title, body.detail]
      .filter((x) => typeof x === 'string')
      .join(': ')
      .slice(0, 300);
  } catch {
    return text.slice(0, 120);
  }
}

export type PlanPoll =
  | { readonly changed: true; readonly plan: DispatchPlan }
  | { readonly changed: false; readonly plan: DispatchPlan | null };

export class PlanClient {
  readonly #options: CloudOptions;
  readonly #cacheFile: string | undefined;
  #etag: string | undefined;
  #plan: DispatchPlan | null = null;

  /** `stateDir`: where the last plan is kept for a restart without the cloud. */
  constructor(options: CloudOptions, stateDir?: string) {
    this.#options = options;
    this.#cacheFile = stateDir === undefined ? undefined : join(stateDir, 'plan.json');
  }

  /** The plan kept by an earlier run, if any and still readable. It is not sent as an ETag: the first poll fetches afresh. */
  loadCached(): DispatchPlan | null {
    if (this.#cacheFile === undefined || !existsSync(this.#cacheFile)) return null;
    try {
      this.#plan = parsePlan(JSON.parse(readFileSync(this.#cacheFile, 'utf8')));
    } catch (error) {
      this.#options.log?.warn('kept plan unreadable, ignored', { error: (error as Error).message });
    }
    return this.#plan;
  }

  get plan(): DispatchPlan | null {
    return this.#plan;
  }

  /** One conditional GET. Rejects with a CloudError when the API cannot be reached or refuses; the last plan stays. */
  async poll(): Promise<PlanPoll> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#etag !== undefined) headers['if-none-match'] = this.#etag;
    const path = `/sites/${encodeURIComponent(this.#options.siteId)}/dispatch`;
    const response = await request(this.#options, path, { method: 'GET', headers });
    if (response.status === 304) {
      await response.body?.cancel();
      return { changed: false, plan: this.#plan };
    }
    if (!response.ok) throw new CloudError(`GET ${path}: ${response.status} ${await problem(response)}`, response.status);
    let plan: DispatchPlan;
    try {
      plan = parsePlan(await response.json());
    } catch (error) {
      throw new CloudError(`GET ${path}: ${(error as Error).message}`, response.status);
    }
    this.#etag = response.headers.get('etag') ?? undefined;
    this.#plan = plan;
    if (this.#cacheFile !== undefined) writeAtomic(this.#cacheFile, JSON.stringify(plan));
    return { changed: true, plan };
  }
}

/** Writes a file whole or not at all: a temporary file, fsync'd, renamed over the old one. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

export type QueueEntry = { readonly sample: LoadSample } | { readonly stateChange: StateChange };

/**
 * Append-only JSON lines under the state dir, fsync'd on every append. `drop(n)` removes the first n entries by
 * rewriting the file atomically. A torn last line (a crash mid-append) is skipped on load.
 */
export class DiskQueue {
  readonly #path: string;
  readonly #entries: QueueEntry[] = [];
  readonly #log: Logger | undefined;

  constructor(stateDir: string, log?: Logger) {
    mkdirSync(stateDir, { recursive: true });
    this.#path = join(stateDir, 'telemetry.jsonl');
    this.#log = log;
    if (existsSync(this.#path)) {
      const lines = readFileSync(this.#path, 'utf8').split('\n');
      for (const [i, line] of lines.entries()) {
        if (line.trim() === '') continue;
        const entry = parseEntry(line);
        if (entry === null) this.#log?.warn('telemetry queue: unreadable line skipped', { line: i + 1 });
        else this.#entries.push(entry);
      }
    }
  }

  get size(): number {
    return this.#entries.length;
  }

  peek(): readonly QueueEntry[] {
    return this.#entries;
  }

  append(entries: readonly QueueEntry[]): void {
    if (entries.length === 0) return;
    const fd = openSync(this.#path, 'a');
    try {
      writeSync(fd, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#entries.push(...entries);
  }

  drop(count: number): void {
    if (count <= 0) return;
    this.#entries.splice(0, count);
    writeAtomic(this.#path, this.#entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  }
}

function parseEntry(line: string): QueueEntry | null {
  try {
    const json = JSON.parse(line) as Record<string, unknown>;
    if ('sample' in json) {
      const sample = LoadSampleSchema.safeParse(json.sample);
      return sample.success ? { sample: sample.data } : null;
    }
    const change = StateChangeSchema.safeParse(json.stateChange);
    return change.success ? { stateChange: change.data } : null;
  } catch {
    return null;
  }
}

export interface FlushResult {
  readonly sent: number;
  readonly left: number;
  /** Entries the API refused as bad input (kept aside in telemetry.rejected.jsonl, not retried). */
  readonly rejected: number;
}

export class TelemetryClient {
  readonly #options: CloudOptions;
  readonly #queue: DiskQueue;
  readonly #rejectedPath: string;
  #flushing: Promise<FlushResult> | null = null;

  constructor(options: CloudOptions, stateDir: string) {
    this.#options = options;
    this.#queue = new DiskQueue(stateDir, options.log);
    this.#rejectedPath = join(stateDir, 'telemetry.rejected.jsonl');
  }

  get queued(): number {
    return this.#queue.size;
  }

  enqueue(entries: readonly QueueEntry[]): void {
    this.#queue.append(entries);
  }

  /** Sends what waits, oldest first, batch by batch; stops at the first batch that cannot go now. One flush at a time. */
  flush(): Promise<FlushResult> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flush(): Promise<FlushResult> {
    let sent = 0;
    let rejected = 0;
    const path = `/sites/${encodeURIComponent(this.#options.siteId)}/telemetry`;
    while (this.#queue.size > 0) {
      const batch = takeBatch(this.#queue.peek());
      const body = {
        samples: batch.filter((e): e is { sample: LoadSample } => 'sample' in e).map((e) => e.sample),
        stateChanges: batch.filter((e): e is { stateChange: StateChange } => 'stateChange' in e).map((e) => e.stateChange),
      };
      let response: Response;
      try {
        response = await request(this.#options, path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      } catch (error) {
        this.#options.log?.warn('telemetry not sent, kept on disk', { error: (error as Error).message, queued: this.#queue.size });
        break;
      }
      if (response.ok) {
        await response.body?.cancel();
        this.#queue.drop(batch.length);
        sent += batch.length;
        continue;
      }
      const said = await problem(response);
      if (response.status === 400 || response.status === 422) {
        // Bad input will never be accepted: set aside (not lost) so that it does not hold back what follows.
        const fd = openSync(this.#rejectedPath, 'a');
        try {
          writeSync(fd, batch.map((e) => `${JSON.stringify(e)}\n`).join(''));
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        this.#queue.drop(batch.length);
        rejected += batch.length;
        this.#options.log?.error('telemetry refused as bad input, set aside', {
          status: response.status,
          problem: said,
          entries: batch.length,
        });
        continue;
      }
      this.#options.log?.warn('telemetry not accepted now, kept on disk', {
        status: response.status,
        problem: said,
        queued: this.#queue.size,
      });
      break;
    }
    return { sent, left: this.#queue.size, rejected };
  }
}

/** The longest prefix of the queue that fits one batch (the API's limits on samples and state changes). */
function takeBatch(entries: readonly QueueEntry[]): QueueEntry[] {
  let samples = 0;
  let changes = 0;
  let n = 0;
  for (const e of entries) {
    if ('sample' in e) {
      if (samples === MAX_SAMPLES_PER_BATCH) break;
      samples++;
    } else {
      if (changes === MAX_STATE_CHANGES_PER_BATCH) break;
      changes++;
    }
    n++;
  }
  return entries.slice(0, n);
}
