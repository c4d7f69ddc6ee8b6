/**
 * A fuzzer driven by the API's own OpenAPI document: requests for every operation, as every role
 * (and as nobody, and with a forged token), mostly valid and often broken on purpose, plus
 * stateful sequences (create an override → read it → cancel it → read it again). Each response is
 * checked against the operation's documented responses: its status must be listed, its
 * content-type one the status documents, and a JSON body must match that schema (a small JSON
 * Schema check of the keywords the document uses). Used by test/reliability and bench/reliability.ts.
 */

type Schema = Record<string, unknown>;
interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema: Schema;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { content?: Record<string, { schema: Schema }> }>;
  security?: unknown[];
  'x-roles'?: string[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/** A seeded generator (mulberry32): a failing run can be replayed with its seed. */
export function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
  };
}
export type Random = ReturnType<typeof random>;

// ---- response validation -------------------------------------------------------------------------

/** Where `value` breaks `schema`, or null when it conforms. */
export function violation(doc: OpenApiDocument, schema: Schema, value: unknown, at = '$'): string | null {
  if (typeof schema.$ref === 'string') return violation(doc, doc.components.schemas[schema.$ref.split('/').at(-1)!]!, value, at);
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => violation(doc, s, value, at) === null);
    return ok ? null : `${at}: matches none of anyOf`;
  }
  if ('const' in schema && value !== schema.const) return `${at}: is not ${JSON.stringify(schema.const)}`;
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return `${at}: ${JSON.stringify(value)} is not one of the enum`;
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
  if (types.length > 0 && !types.some((t) => isType(t, value)))
    return `${at}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 60)}`;
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return `${at}: below ${schema.minimum}`;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return `${at}: above ${schema.maximum}`;
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) return `${at}: shorter than ${schema.minLength}`;
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) return `${at}: longer than ${schema.maxLength}`;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) return `${at}: does not match its pattern`;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return `${at}: fewer than ${schema.minItems} items`;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return `${at}: more than ${schema.maxItems} items`;
    if (schema.items) {
      for (let i = 0; i < value.length; i++) {
        const v = violation(doc, schema.items as Schema, value[i], `${at}[${i}]`);
        if (v) return v;
      }
    }
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    for (const r of (schema.required ?? []) as string[]) if (!(r in obj)) return `${at}.${r}: is required`;
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) {
        const bad = violation(doc, props[k], v, `${at}.${k}`);
        if (bad) return bad;
      } else if (schema.additionalProperties === false) return `${at}.${k}: is not documented`;
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const bad = violation(doc, schema.additionalProperties as Schema, v, `${at}.${k}`);
        if (bad) return bad;
      }
      if (schema.propertyNames) {
        const bad = violation(doc, schema.propertyNames as Schema, k, `${at}{${k}}`);
        if (bad) return bad;
      }
    }
  }
  return null;
}

function isType(t: string, v: unknown): boolean {
  switch (t) {
    case 'null':
      return v === null;
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return typeof v === t;
  }
}

/** Where a response breaks its operation's documented responses, or null. */
export async function responseViolation(doc: OpenApiDocument, op: Operation, res: Response): Promise<string | null> {
  const documented = op.responses[String(res.status)];
  const text = await res.text();
  if (!documented) return `status ${res.status} is not documented (${text.slice(0, 200)})`;
  if (!documented.content) return text === '' ? null : `status ${res.status} documents no body`;
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = documented.content[type];
  if (!media) return `content-type "${type}" is not documented for ${res.status}`;
  if (!type.includes('json')) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `${res.status}: body is not JSON`;
  }
  const bad = violation(doc, media.schema, body);
  return bad ? `${res.status}: ${bad}` : null;
}

// ---- request generation --------------------------------------------------------------------------

/** What the generator knows about the world under test, so that valid requests reach the use cases. */
export interface FuzzWorld {
  siteIds: string[];
  /** Load ids per site. */
  loadIds: Record<string, string[]>;
  /** A day with decisions, 'YYYY-MM-DD'. */
  day: string;
  /** Now, as the app's clock has it. */
  nowMs: number;
}

const HOUR = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** A value the schema accepts, shaped by what the world holds where the name says what it is. */
function valid(doc: OpenApiDocument, schema: Schema, rnd: Random, world: FuzzWorld, name = ''): unknown {
  if (typeof schema.$ref === 'string') return valid(doc, doc.components.schemas[schema.$ref.split('/').at(-1)!]!, rnd, world, name);
  if (Array.isArray(schema.anyOf)) return valid(doc, rnd.pick(schema.anyOf as Schema[]), rnd, world, name);
  if (Array.isArray(schema.enum)) return rnd.pick(schema.enum);
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? rnd.pick(schema.type as string[]) : (schema.type as string | undefined);
  const dayMs = Date.parse(`${world.day}T00:00:00Z`);
  if (name === 'siteId') return rnd.chance(0.9) ? rnd.pick(world.siteIds) : `site-${rnd.int(0, 9)}`;
  if (name === 'loadId') return rnd.pick(Object.values(world.loadIds).flat());
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time') return iso(dayMs + rnd.int(0, 23) * HOUR + rnd.pick([0, 15, 30, 45]) * 60_000);
      if (schema.format === 'date' || /^\d{4}-\d\d-\d\d$/.test(String(schema.example ?? ''))) return world.day;
      if (typeof schema.pattern === 'string' && schema.example === undefined) return `k-${rnd.int(0, 1e9)}`;
      const len = Math.max(Number(schema.minLength ?? 1), Math.min(Number(schema.maxLength ?? 12), rnd.int(1, 12)));
      return 'x'.repeat(len);
    }
    case 'integer': {
      const lo = Number(schema.minimum ?? 0);
      return rnd.int(lo, Math.min(Number(schema.maximum ?? lo + 100), lo + 100));
    }
    case 'number':
      return Math.round(rnd.next() * Math.min(Number(schema.maximum ?? 200), 200) * 10) / 10;
    case 'boolean':
      return rnd.chance(0.5);
    case 'array':
      return Array.from({ length: rnd.int(Number(schema.minItems ?? 0), Math.min(3, Number(schema.maxItems ?? 3))) }, () =>
        valid(doc, schema.items as Schema, rnd, world),
      );
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((schema.required ?? []) as string[]);
      for (const [k, s] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
        if (required.has(k) || rnd.chance(0.4)) out[k] = valid(doc, s, rnd, world, k);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Something the schema may well refuse: a wrong type, an out-of-range value, an unknown key, hostile text. */
function invalid(rnd: Random): unknown {
  return rnd.pick<unknown>([
    null,
    -1,
    1e308,
    '',
    'x'.repeat(rnd.int(65, 3000)),
    '2024-02-30T25:61:00Z',
    '1970-01-01T00:00:00Z',
    '2100-01-01T00:00:00Z',
    "' OR 1=1 --",
    '../../etc/passwd',
    '%00',
    '\u202e\ud83d\ude00',
    { $ne: null },
    [1, 2, 3],
    true,
    '__proto__',
  ]);
}

/** A body the operation accepts, then sometimes broken: one field made invalid, a field added, a field removed. */
function body(doc: OpenApiDocument, op: Operation, rnd: Random, world: FuzzWorld): { text: string; contentType: string } | null {
  const media = op.requestBody?.content['application/json'];
  if (!media) return null;
  let value = valid(doc, media.schema, rnd, world) as Record<string, unknown>;
  if (op.operationId === 'createOverride') value = overrideBody(rnd, world, value);
  const roll = rnd.next();
  if (roll < 0.15) {
    const keys = Object.keys(value);
    if (keys.length > 0) value[rnd.pick(keys)] = invalid(rnd);
  } else if (roll < 0.22) value[rnd.pick(['polcy', 'extra', '__proto__', 'constructor'])] = invalid(rnd);
  else if (roll < 0.27) delete value[rnd.pick(Object.keys(value).concat('none'))];
  else if (roll < 0.3) return { text: rnd.pick(['{', '[]', 'null', '"x"', '{"a":', '\u0000']), contentType: 'application/json' };
  else if (roll < 0.32) return { text: 'action=RUN', contentType: rnd.pick(['application/x-www-form-urlencoded', 'text/plain']) };
  return { text: JSON.stringify(value), contentType: 'application/json' };
}

/** Overrides that the use case can accept: a window in the world's day, a cap only with CAP. */
function overrideBody(rnd: Random, world: FuzzWorld, base: Record<string, unknown>): Record<string, unknown> {
  // Mostly hours ahead with no decisions yet, some over decided hours (a re-decision): revisions per hour stay few.
  const from = Math.floor(world.nowMs / HOUR) * HOUR + (rnd.chance(0.2) ? rnd.int(-2, 1) : rnd.int(2, 24 * 30)) * HOUR;
  const out: Record<string, unknown> = { ...base, from: iso(from), to: iso(from + rnd.int(1, 4) * HOUR), reason: 'fuzz' };
  if (out.action === 'CAP') out.capMw = rnd.int(0, 150);
  else delete out.capMw;
  if (rnd.chance(0.5)) delete out.loadId;
  return out;
}

export interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  op: Operation;
  /** The document's path template, for the figures. */
  template: string;
}

export interface Caller {
  role: string;
  token: string | null;
}

/** One request to a random operation as a random caller. */
export function generate(doc: OpenApiDocument, rnd: Random, world: FuzzWorld, callers: readonly Caller[]): FuzzRequest {
  const ops = Object.entries(doc.paths).flatMap(([template, item]) =>
    Object.entries(item).map(([method, op]) => ({ template, method, op })),
  );
  // Writes that re-decide or run the engine cost a hundred reads: drawn a quarter as often, so a run covers the reads too.
  const weights = ops.map((o) => (o.method === 'post' && o.op.operationId !== 'recordTelemetry' ? 0.25 : 1));
  let roll = rnd.next() * weights.reduce((a, b) => a + b, 0);
  let index = 0;
  while (roll >= weights[index]! && index < ops.length - 1) roll -= weights[index++]!;
  const { template, method, op } = ops[index]!;
  // Callers with the operation's roles more often than not, so that most requests reach the handler.
  const roles = op['x-roles'] ?? [];
  const fitting = callers.filter((c) => roles.includes(c.role));
  const caller = fitting.length > 0 && rnd.chance(0.7) ? rnd.pick(fitting) : rnd.pick(callers);
  const headers: Record<string, string> = {};
  if (caller.token) headers.authorization = `Bearer ${caller.token}`;
  const pathValues: Record<string, string> = {};
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    const broken = rnd.chance(0.08);
    if (!p.required && !broken && rnd.chance(0.5)) continue;
    if (p.required && rnd.chance(0.03) && p.in !== 'path') continue;
    let v = broken ? invalid(rnd) : valid(doc, p.schema, rnd, world, p.name);
    const fromMs = Date.parse(query.get('from') ?? '');
    if (p.name === 'to' && !broken && Number.isFinite(fromMs)) v = iso(fromMs + rnd.int(1, 24) * HOUR);
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (p.in === 'path') pathValues[p.name] = encodeURIComponent(text === '' ? 'x' : text);
    else if (p.in === 'query') query.set(p.name, text);
    else if (/^[\x20-\x7e]*$/.test(text)) headers[p.name] = text;
  }
  const path = template.replaceAll(/\{(\w+)\}/g, (_, n: string) => pathValues[n] ?? 'x') + (query.size > 0 ? `?${query}` : '');
  const b = method === 'post' ? body(doc, op, rnd, world) : null;
  if (b) headers['content-type'] = b.contentType;
  return { method: method.toUpperCase(), path, headers, ...(b ? { body: b.text } : {}), op, template };
}

export interface FuzzFigures {
  requests: number;
  byStatus: Record<string, number>;
  fiveXx: number;
  /** Responses outside the document, each with what broke (the first 20 kept). */
  undocumented: number;
  examples: string[];
  sequences: number;
  /** Stateful sequences whose steps did not give the documented outcome. */
  sequenceFailures: number;
  operations: number;
  /** Requests and total milliseconds per operation (`GET /sites`). */
  byOperation: Record<string, { n: number; ms: number }>;
  elapsedMs: number;
}

export type Fetch = (req: Request) => Response | Promise<Response>;

/**
 * Sends `total` requests (about one in twelve as part of a create → read → cancel → read
 * sequence) with `concurrency` in flight, and counts what came back.
 */
export async function fuzz(
  fetch: Fetch,
  doc: OpenApiDocument,
  world: FuzzWorld,
  callers: readonly Caller[],
  opts: { total: number; seed: number; concurrency?: number; trader: string },
): Promise<FuzzFigures> {
  const rnd = random(opts.seed);
  const f: FuzzFigures = {
    requests: 0,
    byStatus: {},
    fiveXx: 0,
    undocumented: 0,
    examples: [],
    sequences: 0,
    sequenceFailures: 0,
    operations: 0,
    byOperation: {},
    elapsedMs: 0,
  };
  const seen = new Set<string>();
  const started = Date.now();
  const ops = (template: string, method: string) => doc.paths[template]![method]!;

  const send = async (method: string, path: string, headers: Record<string, string>, op: Operation, text?: string) => {
    const t0 = Date.now();
    const res = await fetch(new Request(`http://fuzz.local${path}`, { method, headers, ...(text !== undefined ? { body: text } : {}) }));
    f.requests++;
    const key = `${method} ${op.operationId}`;
    const o = f.byOperation[key] ?? { n: 0, ms: 0 };
    f.byOperation[key] = { n: o.n + 1, ms: o.ms + Date.now() - t0 };
    f.byStatus[res.status] = (f.byStatus[res.status] ?? 0) + 1;
    if (res.status >= 500) f.fiveXx++;
    const clone = res.clone();
    const bad = await responseViolation(doc, op, res);
    if (bad) {
      f.undocumented++;
      if (f.examples.length < 20) f.examples.push(`${method} ${path}: ${bad}`);
    }
    return clone;
  };

  const sequence = async () => {
    f.sequences++;
    const auth = { authorization: `Bearer ${opts.trader}` };
    const siteId = rnd.pick(world.siteIds);
    const from = Math.floor(world.nowMs / HOUR) * HOUR + HOUR;
    const create = await send(
      'POST',
      `/sites/${siteId}/overrides`,
      { ...auth, 'content-type': 'application/json', 'idempotency-key': `seq-${opts.seed}-${f.sequences}` },
      ops('/sites/{siteId}/overrides', 'post'),
      JSON.stringify({ action: 'CURTAIL', from: iso(from), to: iso(from + HOUR), reason: 'fuzz sequence' }),
    );
    if (create.status !== 201) {
      f.sequenceFailures++;
      return;
    }
    const { id } = (await create.json()) as { id: string };
    const read = await send('GET', `/overrides/${id}`, auth, ops('/overrides/{id}', 'get'));
    const cancel = await send(
      'POST',
      `/overrides/${id}/cancel`,
      { ...auth, 'content-type': 'application/json', 'if-match': read.headers.get('etag') ?? '*' },
      ops('/overrides/{id}/cancel', 'post'),
      JSON.stringify({ reason: 'fuzz sequence' }),
    );
    const again = await send('GET', `/overrides/${id}`, auth, ops('/overrides/{id}', 'get'));
    const status = again.status === 200 ? ((await again.json()) as { status?: string }).status : undefined;
    if (read.status !== 200 || cancel.status !== 200 || status !== 'CANCELLED') f.sequenceFailures++;
  };

  let issued = 0;
  const worker = async () => {
    while (issued < opts.total) {
      if (rnd.chance(0.02) && opts.total - issued >= 4) {
        issued += 4;
        await sequence();
        continue;
      }
      issued++;
      const r = generate(doc, rnd, world, callers);
      seen.add(`${r.method} ${r.template}`);
      await send(r.method, r.path, r.headers, r.op, r.body);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 4 }, worker));
  f.operations = seen.size;
  f.elapsedMs = Date.now() - started;
  return f;
}
