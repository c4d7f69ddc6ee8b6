import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SiteAdapters } from '../../../agent/main.ts';
import type { DispatchPlan } from '../../../agent/plan.ts';
import type { FiveMinutePrice, MeterReading } from '../../../agent/ports.ts';

export const TOKEN = 'agent-token-for-tests';

/**
 * Plays the engine's API for one site on loopback: the dispatch plan with an ETag (304 on a match) and a telemetry
 * route that records entries by (load, instant) as the real one does, failing on demand.
 */
export class FakeApi {
  plan: DispatchPlan;
  etag = '"1"';
  /** Answer the next n telemetry POSTs with 503. */
  failTelemetry = 0;
  /** Answer dispatch GETs with 503 (the cloud is away). */
  dispatchDown = false;
  readonly dispatchStatuses: number[] = [];
  readonly unauthorised: string[] = [];
  readonly samples = new Map<string, unknown>();
  readonly stateChanges = new Map<string, Record<string, unknown>>();
  replayed = 0;
  posts = 0;
  #server: Server | undefined;
  url = '';

  constructor(plan: DispatchPlan) {
    this.plan = plan;
  }

  setPlan(plan: DispatchPlan): void {
    this.plan = plan;
    this.etag = `"${Number(this.etag.replaceAll('"', '')) + 1}"`;
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      void this.#handle(req).then(({ status, body, headers }) => {
        res.writeHead(status, { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    this.#server?.closeAllConnections();
    return new Promise((resolve) => this.#server?.close(() => resolve()));
  }

  async #handle(req: IncomingMessage): Promise<{ status: number; body?: unknown; headers?: Record<string, string> }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      this.unauthorised.push(req.url ?? '');
      return { status: 401, body: { title: 'Unauthorized' } };
    }
    if (req.method === 'GET' && req.url === `/sites/${this.plan.siteId}/dispatch`) {
      if (this.dispatchDown) return this.#status(503);
      if (req.headers['if-none-match'] === this.etag) return this.#status(304);
      this.dispatchStatuses.push(200);
      return { status: 200, body: this.plan, headers: { etag: this.etag } };
    }
    if (req.method === 'POST' && req.url === `/sites/${this.plan.siteId}/telemetry`) {
      this.posts++;
      if (this.failTelemetry > 0) {
        this.failTelemetry--;
        return { status: 503, body: { title: 'Service Unavailable' } };
      }
      const batch = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        samples: { loadId: string; at: string }[];
        stateChanges: Record<string, unknown>[];
      };
      for (const s of batch.samples) this.samples.set(`${s.loadId}|${s.at}`, s);
      for (const c of batch.stateChanges) {
        const key = `${String(c.loadId)}|${String(c.at)}`;
        if (this.stateChanges.has(key)) this.replayed++;
        else this.stateChanges.set(key, c);
      }
      return {
        status: 200,
        body: { samples: batch.samples.length, stateChanges: { recorded: batch.stateChanges.length, replayed: 0 }, eventsUnsent: 0 },
      };
    }
    return { status: 404, body: { title: 'Not Found' } };
  }

  #status(status: number) {
    this.dispatchStatuses.push(status);
    return { status };
  }
}

/** Live inputs set by the test: a meter reading and a price, each "read" as it is at the moment of the poll. */
export class FakeInputs {
  aiLoadMw = 5;
  lmp: number | null = 20;
  /** SCED timestamp of the price; null: now. */
  scedMs: number | null = null;
  closed = false;

  adapters(): SiteAdapters {
    return {
      meters: () => ({
        read: async (): Promise<MeterReading> => ({ atMs: Date.now(), aiLoadMw: this.aiLoadMw, siteTotalMw: this.aiLoadMw }),
        close: async () => {
          this.closed = true;
        },
      }),
      basePoint: () => null,
      prices: () => ({
        latest: async (node: string): Promise<FiveMinutePrice | null> =>
          this.lmp === null ? null : { market: 'ERCOT', node, scedTimestampMs: this.scedMs ?? Date.now(), lmpUsdPerMwh: this.lmp },
      }),
    };
  }
}

export async function until(check: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
