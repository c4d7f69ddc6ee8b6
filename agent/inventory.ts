import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { DRIVER_NAMES, type Miner, type MinerCredential, Secret } from './miners/port.ts';

/**
 * The site's inventory file: per site, per load its miners (address, driver, credential reference, rated W) and
 * the Modbus map for the site's meters (the AI tenants' metered load, the site total) and, for dispatched sites, the
 * QSE RTU's base-point register. A big fleet can be written as address ranges. Credentials are references
 * (`env:NAME`, `file:/path.json#key`) resolved at start; their values never appear in errors, logs or JSON.
 */

const driver = z.enum(DRIVER_NAMES, { error: () => `expected one of ${DRIVER_NAMES.join(', ')}` });
const credentialRef = z.string().regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:\/[^#]+#[^#]+)$/, {
  error: 'expected env:NAME or file:/absolute/path.json#key',
});
const ipv4 = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/, { error: 'expected an IPv4 address' })
  .refine((text) => text.split('.').every((octet) => Number(octet) <= 255), { error: 'expected an IPv4 address' });
const port = z.number({ error: 'expected a port number' }).int().min(1).max(65535);
const address = z
  .string()
  .refine((text) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(text) && Number(text.split(':')[1]) <= 65535, { error: 'expected host:port' });
const ratedW = z.number({ error: 'expected watts' }).positive({ error: 'expected watts > 0' });

const minerEntry = z.strictObject({ id: z.string().min(1), address, driver, credential: credentialRef.optional(), ratedW });
const minerRange = z.strictObject({
  range: z.strictObject({ first: ipv4, count: z.number().int().min(1).max(65_536), port }),
  idPrefix: z.string().min(1),
  firstId: z.number().int().min(0).default(0),
  driver,
  credential: credentialRef.optional(),
  ratedW,
});

const register = z.strictObject({
  address: z.number().int().min(0).max(65535),
  table: z.enum(['holding', 'input'], { error: () => 'expected holding or input' }),
  type: z.enum(['uint16', 'int16', 'uint32', 'int32', 'float32'], { error: () => 'expected uint16, int16, uint32, int32 or float32' }),
  /** Value × scale = the unit below. */
  scale: z.number().default(1),
  unit: z.enum(['W', 'kW', 'MW'], { error: () => 'expected W, kW or MW' }),
  wordOrder: z.enum(['big', 'little']).default('big'),
});
const modbusDevice = z.strictObject({ address, unitId: z.number().int().min(0).max(255).default(1) });

const load = z.strictObject({
  loadId: z.string().min(1),
  // A range is told apart by its `range` key, so errors name the field inside the form the writer meant.
  miners: z.array(
    z.preprocess(
      (value) =>
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { form: 'range' in value ? 'range' : 'miner', ...value }
          : value,
      z.discriminatedUnion('form', [minerEntry.extend({ form: z.literal('miner') }), minerRange.extend({ form: z.literal('range') })], {
        error: () => 'expected a miner {id, address, …} or a range {range, idPrefix, …}',
      }),
    ),
  ),
});

const site = z.strictObject({
  siteId: z.string().min(1),
  loads: z.array(load).min(1),
  meters: modbusDevice.extend({ aiLoad: register, siteTotal: register }),
  /** Dispatched sites only: the QSE's RTU, whose register carries the base point. */
  qse: modbusDevice.extend({ basePoint: register }).optional(),
});

export const inventorySchema = z.strictObject({ version: z.literal(1), sites: z.array(site).min(1) }).superRefine((inventory, ctx) => {
  inventory.sites.forEach((s, si) => {
    const seen = new Map<string, string>();
    s.loads.forEach((l, li) =>
      l.miners.forEach((entry, mi) => {
        for (const miner of expandEntry(entry)) {
          const where = `loads[${li}].miners[${mi}]`;
          const earlier = seen.get(miner.id);
          if (earlier !== undefined) {
            const path = ['sites', si, 'loads', li, 'miners', mi];
            ctx.addIssue({ code: 'custom', path, message: `miner id ${miner.id} is also at ${earlier}` });
            return;
          }
          seen.set(miner.id, where);
        }
      }),
    );
  });
});

export type Inventory = z.infer<typeof inventorySchema>;
export type InventorySite = Inventory['sites'][number];
type MinerEntry = InventorySite['loads'][number]['miners'][number];

export class InventoryError extends Error {
  override readonly name = 'InventoryError';
  constructor(readonly problems: readonly string[]) {
    super(`inventory is not valid:\n  ${problems.join('\n  ')}`);
  }
}

/** `loads[0].miners[12].driver: expected one of …` — the field path first, as a reader fixes the file by it. */
function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === 'number') return `${text}[${key}]`;
    return text === '' ? String(key) : `${text}.${String(key)}`;
  }, '');
}

export function parseInventory(json: unknown): Inventory {
  const parsed = inventorySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new InventoryError(parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(root)'}: ${issue.message}`));
}

export function loadInventoryFile(path: string): Inventory {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new InventoryError([`${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new InventoryError([`${path}: not JSON (${(error as Error).message})`]);
  }
  return parseInventory(json);
}

interface Unresolved {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly driver: Miner['driver'];
  readonly credential?: string;
  readonly ratedW: number;
}

function* expandEntry(entry: MinerEntry): Generator<Unresolved> {
  if (entry.form === 'miner') {
    const split = entry.address.lastIndexOf(':');
    yield {
      id: entry.id,
      host: entry.address.slice(0, split),
      port: Number(entry.address.slice(split + 1)),
      driver: entry.driver,
      ratedW: entry.ratedW,
      ...(entry.credential === undefined ? {} : { credential: entry.credential }),
    };
    return;
  }
  const first = entry.range.first.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  for (let i = 0; i < entry.range.count; i += 1) {
    const value = first + i;
    const host = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join('.');
    yield {
      id: `${entry.idPrefix}${entry.firstId + i}`,
      host,
      port: entry.range.port,
      driver: entry.driver,
      ratedW: entry.ratedW,
      ...(entry.credential === undefined ? {} : { credential: entry.credential }),
    };
  }
}

export interface CredentialSources {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
}

const defaultSources: CredentialSources = { env: process.env, readFile: (path) => readFileSync(path, 'utf8') };

/**
 * Resolves each credential reference once. A referenced secret is `user:password` (env) or, in a JSON file, either
 * that string or {username, password}. Problems name the reference and the field, never the value.
 */
export function resolveCredentials(refs: Iterable<string>, sources: CredentialSources = defaultSources): Map<string, MinerCredential> {
  const resolved = new Map<string, MinerCredential>();
  const problems: string[] = [];
  const files = new Map<string, Record<string, unknown> | string>();
  for (const ref of new Set(refs)) {
    let raw: unknown;
    if (ref.startsWith('env:')) {
      raw = sources.env[ref.slice(4)];
      if (raw === undefined || raw === '') {
        problems.push(`${ref}: the environment variable is not set`);
        continue;
      }
    } else {
      const [path, key] = ref.slice(5).split('#') as [string, string];
      let file = files.get(path);
      if (file === undefined) {
        try {
          const parsed = JSON.parse(sources.readFile(path)) as unknown;
          file = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : 'not an object';
        } catch (error) {
          file = (error as NodeJS.ErrnoException).code ?? 'not JSON';
        }
        files.set(path, file);
      }
      if (typeof file === 'string') {
        problems.push(`${ref}: the file cannot be used (${file})`);
        continue;
      }
      raw = file[key];
      if (raw === undefined) {
        problems.push(`${ref}: the file has no key ${key}`);
        continue;
      }
    }
    const credential = toCredential(raw);
    if (credential === undefined) problems.push(`${ref}: expected "user:password" or {"username", "password"}`);
    else resolved.set(ref, credential);
  }
  if (problems.length > 0) throw new InventoryError(problems);
  return resolved;
}

function toCredential(raw: unknown): MinerCredential | undefined {
  if (typeof raw === 'string') {
    const split = raw.indexOf(':');
    if (split <= 0) return undefined;
    return { username: raw.slice(0, split), password: new Secret(raw.slice(split + 1)) };
  }
  if (typeof raw === 'object' && raw !== null) {
    const { username, password } = raw as Record<string, unknown>;
    if (typeof username === 'string' && username !== '' && typeof password === 'string') {
      return { username, password: new Secret(password) };
    }
  }
  return undefined;
}

export interface SiteMiners {
  readonly siteId: string;
  readonly loads: ReadonlyArray<{ readonly loadId: string; readonly miners: readonly Miner[] }>;
}

/** The site's miners with their credentials resolved, ready for the drivers. */
export function siteMiners(inventory: Inventory, siteId: string, sources: CredentialSources = defaultSources): SiteMiners {
  const site = inventory.sites.find((s) => s.siteId === siteId);
  if (site === undefined) {
    throw new InventoryError([`sites: no site ${siteId} (the file has ${inventory.sites.map((s) => s.siteId).join(', ')})`]);
  }
  const refs = site.loads.flatMap((l) => l.miners.map((m) => m.credential)).filter((ref): ref is string => ref !== undefined);
  const credentials = resolveCredentials(refs, sources);
  return {
    siteId,
    loads: site.loads.map((l) => ({
      loadId: l.loadId,
      miners: l.miners
        .flatMap((entry) => [...expandEntry(entry)])
        .map(({ credential, ...miner }) => {
          const resolved = credential === undefined ? undefined : credentials.get(credential);
          return resolved === undefined ? miner : { ...miner, credential: resolved };
        }),
    })),
  };
}
