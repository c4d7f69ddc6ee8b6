/**
 * A recording EventBridge on 127.0.0.1 that speaks the real PutEvents wire format (AWS JSON 1.1,
 * `X-Amz-Target: AWSEvents.PutEvents`), so tests drive the real SDK client against it.
 *
 * It validates requests as the service does — at most 10 entries and 256 KB per request (400
 * ValidationException); per entry, Source, DetailType and a Detail that is a JSON object
 * (InvalidArgument / MalformedDetail in the entry's result) — and records the events it accepts.
 *
 * Failures are scripted with `failNext`:
 *   failNext({ entries: [1, 3] })                      entries 1 and 3 of the next request fail once
 *   failNext({ entries: (e) => e.detail.eventId === 'x', times: Infinity, errorCode: 'InternalFailure' })
 *   failNext({ request: 'throttle', times: 2 })        the next 2 requests get 400 ThrottlingException
 *   failNext({ request: 'internal-error' })            the next request gets 500 InternalException
 * An entry rule makes each matched entry fail the next `times` times it is sent (default 1),
 * wherever it sits in later requests, so a re-sent entry is recognised by its content.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const MAX_ENTRIES = 10;
export const MAX_REQUEST_BYTES = 256 * 1024;

/** One entry as it arrived on the wire (fields unvalidated). */
export interface WireEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
  Resources?: unknown;
}

export interface ReceivedRequest {
  target: string | undefined;
  /** HTTP status the server answered with. */
  status: number;
  entries: WireEntry[];
}

/** An entry that passed validation, parsed. */
export interface EventCandidate {
  source: string;
  detailType: string;
  detail: Record<string, unknown>;
  eventBusName: string;
  time: Date | undefined;
}

export interface AcceptedEvent extends EventCandidate {
  eventId: string;
}

export type FailRule =
  | {
      /** Indexes within the next request, or a predicate over every entry from now on. */
      entries: readonly number[] | ((entry: EventCandidate) => boolean);
      /** How many sends of each matched entry fail (default 1; `Infinity` for always). */
      times?: number;
      errorCode?: string;
      errorMessage?: string;
    }
  | {
      request: 'throttle' | 'internal-error';
      /** How many requests in a row get the error (default 1). */
      times?: number;
    };

export interface EventBridgeServer {
  endpoint: string;
  /** Events accepted, in arrival order. */
  readonly events: AcceptedEvent[];
  /** Every request received, including rejected ones. */
  readonly requests: ReceivedRequest[];
  failNext(rule: FailRule): void;
  close(): Promise<void>;
}

interface EntryRule {
  match: readonly number[] | ((entry: EventCandidate) => boolean);
  times: number;
  errorCode: string;
  errorMessage: string;
  /** Failures left per entry key; index rules are seeded by the first request they see. */
  remaining: Map<string, number>;
  seeded: boolean;
}

interface RequestRule {
  status: number;
  type: string;
  message: string;
  remaining: number;
}

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

export async function startEventBridgeServer(): Promise<EventBridgeServer> {
  const events: AcceptedEvent[] = [];
  const requests: ReceivedRequest[] = [];
  const entryRules: EntryRule[] = [];
  const requestRules: RequestRule[] = [];

  function putEvents(entries: WireEntry[]): { FailedEntryCount: number; Entries: EntryResult[] } {
    const results = entries.map((wire, index): EntryResult => {
      const parsed = parseEntry(wire);
      if ('ErrorCode' in parsed) return parsed;
      const key = entryKey(wire);
      for (const rule of entryRules) {
        if (Array.isArray(rule.match) && !rule.seeded && rule.match.includes(index)) rule.remaining.set(key, rule.times);
        if (typeof rule.match === 'function' && !rule.remaining.has(key) && rule.match(parsed)) rule.remaining.set(key, rule.times);
        const left = rule.remaining.get(key) ?? 0;
        if (left > 0) {
          rule.remaining.set(key, left - 1);
          return { ErrorCode: rule.errorCode, ErrorMessage: rule.errorMessage };
        }
      }
      const eventId = randomUUID();
      events.push({ eventId, ...parsed });
      return { EventId: eventId };
    });
    for (const rule of entryRules) rule.seeded = true;
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = header(req, 'x-amz-target');
    const record: ReceivedRequest = { target, status: 200, entries: [] };
    requests.push(record);
    const reply = (status: number, body: unknown, errorType?: string) => {
      record.status = status;
      res.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      res.end(JSON.stringify(body));
    };
    try {
      const raw = await readBody(req);
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        throw new ServiceError(400, 'UnknownOperationException', `unsupported operation ${req.method} ${target ?? '(no X-Amz-Target)'}`);
      }
      if (header(req, 'content-type') !== 'application/x-amz-json-1.1') {
        throw new ServiceError(400, 'SerializationException', 'Content-Type must be application/x-amz-json-1.1');
      }
      if (!header(req, 'authorization')?.startsWith('AWS4-HMAC-SHA256 ')) {
        throw new ServiceError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
      }
      record.entries = parseRequest(raw);
      const rule = requestRules[0];
      if (rule) {
        if (--rule.remaining <= 0) requestRules.shift();
        throw new ServiceError(rule.status, rule.type, rule.message);
      }
      reply(200, putEvents(record.entries));
    } catch (err) {
      if (!(err instanceof ServiceError)) throw err;
      reply(err.status, { __type: err.type, message: err.message }, err.type);
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    requests,
    failNext(rule) {
      if ('request' in rule) {
        const remaining = rule.times ?? 1;
        if (rule.request === 'throttle')
          requestRules.push({ status: 400, type: 'ThrottlingException', message: 'Rate exceeded', remaining });
        else requestRules.push({ status: 500, type: 'InternalException', message: 'An internal error occurred.', remaining });
        return;
      }
      entryRules.push({
        match: rule.entries,
        times: rule.times ?? 1,
        errorCode: rule.errorCode ?? 'InternalFailure',
        errorMessage: rule.errorMessage ?? 'The request processing has failed because of an unknown error, exception or failure.',
        remaining: new Map(),
        seeded: false,
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Request-level checks: a JSON body with 1–10 entries whose summed size is within 256 KB. */
function parseRequest(raw: string): WireEntry[] {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new ServiceError(400, 'SerializationException', 'Request body is not valid JSON');
  }
  const entries = (body as { Entries?: unknown } | null)?.Entries;
  if (!Array.isArray(entries)) {
    throw new ServiceError(
      400,
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (entries.length < 1 || entries.length > MAX_ENTRIES) {
    const bound = entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${MAX_ENTRIES}`;
    throw new ServiceError(
      400,
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  if (entries.some((e) => e === null || typeof e !== 'object' || Array.isArray(e))) {
    throw new ServiceError(400, 'SerializationException', 'Entries must be objects');
  }
  const wire = entries as WireEntry[];
  if (wire.some((e) => e.Time !== undefined && typeof e.Time !== 'number')) {
    throw new ServiceError(400, 'SerializationException', 'Time must be a timestamp in epoch seconds');
  }
  if (wire.reduce((sum, e) => sum + entrySize(e), 0) > MAX_REQUEST_BYTES) {
    throw new ServiceError(400, 'ValidationException', 'Total size of the entries in the request is over the limit.');
  }
  return wire;
}

/** The service's entry size: 14 bytes for Time, UTF-8 bytes of Source, DetailType, Detail and Resources. */
function entrySize(e: WireEntry): number {
  const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);
  const resources = Array.isArray(e.Resources) ? e.Resources.reduce((sum: number, r: unknown) => sum + bytes(r), 0) : 0;
  return (e.Time === undefined ? 0 : 14) + bytes(e.Source) + bytes(e.DetailType) + bytes(e.Detail) + resources;
}

/** Entry-level checks, answered in the entry's result as the service does. */
function parseEntry(e: WireEntry): EventCandidate | { ErrorCode: string; ErrorMessage: string } {
  for (const field of ['Source', 'DetailType', 'Detail'] as const) {
    const value = e[field];
    if (typeof value !== 'string' || value === '') {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.` };
    }
  }
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail as string);
  } catch {
    detail = undefined;
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  return {
    source: e.Source as string,
    detailType: e.DetailType as string,
    detail: detail as Record<string, unknown>,
    eventBusName: typeof e.EventBusName === 'string' && e.EventBusName !== '' ? e.EventBusName : 'default',
    time: typeof e.Time === 'number' ? new Date(e.Time * 1000) : undefined,
  };
}

/** Identifies an entry across re-sends by its content. */
function entryKey(e: WireEntry): string {
  return JSON.stringify([e.Source, e.DetailType, e.Detail, e.EventBusName]);
}
