/** The sites file: a public contract (DESIGN §2). Units are in the field names. */
import * as z from 'zod';
import { fromZodIssues, nearestKey } from './errors.ts';
import { isValidTimeZone } from './time.ts';

export const MARKETS = ['ERCOT', 'PJM', 'NORDPOOL', 'FIXED'] as const;
export type Market = (typeof MARKETS)[number];

/**
 * How a site carries out its decisions (DESIGN §2 "Information timing and execution"):
 * `scheduled` follows the published allocation for the whole interval; `price-responsive` curtails
 * on the latest known 5-minute price one reaction lag late; `dispatched` is a Controllable Load
 * Resource that SCED dispatches on its bid in the run that sets the price.
 */
export const EXECUTION_MODES = ['scheduled', 'price-responsive', 'dispatched'] as const;
export type ExecutionMode = (typeof EXECUTION_MODES)[number];

const id = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1–63 characters: lower-case letters, digits, "-" or "_"');

export const PowerModeSchema = z.strictObject({
  id,
  powerMw: z.number().positive(),
  efficiencyJPerTh: z.number().positive(),
});

export const MiningLoadSchema = z.strictObject({
  id,
  kind: z.literal('mining'),
  name: z.string().optional(),
  powerMw: z.number().positive(),
  efficiencyJPerTh: z.number().positive(),
  poolFeePct: z.number().min(0).max(100).default(0),
  minRunMinutes: z.number().int().min(0).default(0),
  minOffMinutes: z.number().int().min(0).default(0),
  rampMinutes: z.number().min(0).default(0),
  restartCostUsd: z.number().min(0).default(0),
  /** Reduced power profiles (e.g. underclocked) that allow partial curtailment. */
  modes: z.array(PowerModeSchema).default([]),
  /** May this load be offered as a curtailable resource (demand response, ancillary services)? */
  curtailable: z.boolean().default(true),
});

export const AiLoadSchema = z.strictObject({
  id,
  kind: z.literal('ai'),
  name: z.string().optional(),
  contractedMw: z.number().positive(),
  priceUsdPerMwh: z.number().min(0),
  interruptible: z.boolean().default(false),
  /** How much of the tenant may be interrupted in a grid emergency (default: all of it, when interruptible). */
  interruptibleMw: z.number().min(0).optional(),
  /** What can move to backup generation when the grid operator orders large loads off (SB 6). */
  backupGenMw: z.number().min(0).default(0),
});

export const LoadSchema = z.discriminatedUnion('kind', [MiningLoadSchema, AiLoadSchema]);

export const FourCpSchema = z.strictObject({
  enabled: z.boolean().default(false),
  rateUsdPerKwYear: z.number().min(0).default(0),
  months: z.array(z.number().int().min(1).max(12)).default([6, 7, 8, 9]),
  /** Minimum probability that an interval sets the monthly peak before it is priced in. */
  minProbability: z.number().min(0).max(1).default(0.02),
  /** How many peaks the charge is averaged over (4 for 4CP; 12 if the PUC moves to 12CP). */
  peaksPerYear: z.number().int().min(1).default(4),
});

export const PolicySchema = z.strictObject({
  /** Dead band around breakeven so fleets do not flap: run until price > breakeven + h, restart below breakeven − h. */
  hysteresisUsdPerMwh: z.number().min(0).default(2),
  /** A price older than this (age of the newest known interval at decision time) is stale. */
  maxPriceAgeMinutes: z.number().positive().default(120),
  /** A hashprice older than this many days is stale. */
  maxHashpriceAgeDays: z.number().positive().default(3),
  failSafe: z
    .strictObject({
      /** Local hours (0–23, hour starting) in which a fail-safe decision curtails mining. */
      peakHoursLocal: z.array(z.number().int().min(0).max(23)).default([15, 16, 17, 18, 19, 20]),
      /** Outside those hours: keep the last decision, or curtail, or run. */
      otherwise: z.enum(['HOLD', 'CURTAIL', 'RUN']).default('HOLD'),
    })
    .prefault({}),
  emergency: z
    .strictObject({
      /** EEA level at or above which all mining is curtailed. */
      curtailMiningAtEeaLevel: z.number().int().min(1).max(3).default(1),
      curtailOnConservationAppeal: z.boolean().default(true),
      /** EEA level at or above which interruptible AI tenants are reduced and backup generation started. */
      interruptAiAtEeaLevel: z.number().int().min(1).max(3).default(3),
    })
    .prefault({}),
});

export const SiteSchema = z
  .strictObject({
    id,
    name: z.string().min(1),
    market: z.enum(MARKETS),
    settlementPoint: z.string().min(1).optional(),
    timezone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as America/Chicago'),
    interconnectMw: z.number().positive(),
    baseLoadMw: z.number().min(0).default(0),
    fixedPriceUsdPerMwh: z.number().optional(),
    execution: z.enum(EXECUTION_MODES).default('scheduled'),
    loads: z.array(LoadSchema).min(1),
    fourCp: FourCpSchema.prefault({}),
    policy: PolicySchema.prefault({}),
    /**
     * On-site backup generation the site can run on, MW (Texas SB 6 asks a large load to disclose it, and whether it
     * serves at least half its demand). Absent: not disclosed. Distinct from an AI load's `backupGenMw`, the share of
     * that tenant which moves to backup generation when the grid operator orders large loads off.
     */
    backupGenerationMw: z.number().min(0).optional(),
    /** Carbon-aware curtailment: each tonne of CO2 the grid draw emits costs this much on top of the energy price. */
    carbon: z.strictObject({ shadowPriceUsdPerTonne: z.number().min(0).max(10_000) }).optional(),
  })
  .superRefine((site, ctx) => {
    if (site.market === 'FIXED' && site.fixedPriceUsdPerMwh === undefined) {
      ctx.addIssue({ code: 'custom', path: ['fixedPriceUsdPerMwh'], message: 'required when market is FIXED' });
    }
    if (site.market !== 'FIXED' && !site.settlementPoint) {
      ctx.addIssue({ code: 'custom', path: ['settlementPoint'], message: `required when market is ${site.market}` });
    }
    const seen = new Set<string>();
    site.loads.forEach((load, i) => {
      if (seen.has(load.id)) ctx.addIssue({ code: 'custom', path: ['loads', i, 'id'], message: `duplicate load id "${load.id}"` });
      seen.add(load.id);
      if (load.kind === 'mining') {
        load.modes.forEach((m, j) => {
          if (m.powerMw >= load.powerMw) {
            ctx.addIssue({
              code: 'custom',
              path: ['loads', i, 'modes', j, 'powerMw'],
              message: `must be below the load's powerMw (${load.powerMw})`,
            });
          }
        });
      }
      if (load.kind === 'ai' && load.interruptibleMw !== undefined && load.interruptibleMw > load.contractedMw) {
        ctx.addIssue({
          code: 'custom',
          path: ['loads', i, 'interruptibleMw'],
          message: `must not exceed contractedMw (${load.contractedMw})`,
        });
      }
    });
    const aiMw = site.loads.reduce((s, l) => s + (l.kind === 'ai' ? l.contractedMw : 0), 0);
    if (site.baseLoadMw + aiMw > site.interconnectMw) {
      ctx.addIssue({
        code: 'custom',
        path: ['interconnectMw'],
        message: `must cover baseLoadMw + contracted AI load (${site.baseLoadMw + aiMw} MW)`,
      });
    }
  });

export const SitesFileSchema = z.strictObject({ sites: z.array(SiteSchema).min(1) }).superRefine((file, ctx) => {
  const seen = new Set<string>();
  file.sites.forEach((s, i) => {
    if (seen.has(s.id)) ctx.addIssue({ code: 'custom', path: ['sites', i, 'id'], message: `duplicate site id "${s.id}"` });
    seen.add(s.id);
  });
});

export type Site = z.infer<typeof SiteSchema>;
export type SiteInput = z.input<typeof SiteSchema>;
export type Load = z.infer<typeof LoadSchema>;
export type MiningLoad = z.infer<typeof MiningLoadSchema>;
export type AiLoad = z.infer<typeof AiLoadSchema>;
export type PowerMode = z.infer<typeof PowerModeSchema>;
export type SitesFile = z.infer<typeof SitesFileSchema>;

/** Every key the sites file knows, at any depth: what a misspelt key is matched against. */
const KNOWN_KEYS: readonly string[] = [
  ...new Set(
    [SiteSchema, MiningLoadSchema, AiLoadSchema, PowerModeSchema, FourCpSchema, PolicySchema, SitesFileSchema].flatMap((schema) => {
      const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? schemaShape(schema);
      return Object.keys(shape);
    }),
  ),
  ...Object.keys(PolicySchema.shape.failSafe.unwrap().shape),
  ...Object.keys(PolicySchema.shape.emergency.unwrap().shape),
];

/** The object shape under a refinement (`superRefine` keeps the schema's shape in its definition). */
function schemaShape(schema: unknown): Record<string, unknown> {
  const def = (schema as { _zod?: { def?: { shape?: Record<string, unknown>; in?: unknown } } })._zod?.def;
  return def?.shape ?? (def?.in ? schemaShape(def.in) : {});
}

/**
 * Validates a parsed sites file; throws a ValidationError naming every failing field. A key the file
 * does not know is an error naming it and the nearest known key: a misspelt optional key would
 * otherwise be dropped silently and its default used.
 */
export function parseSitesFile(data: unknown, what = 'sites file'): SitesFile {
  const result = SitesFileSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => {
            const near = nearestKey(key, KNOWN_KEYS);
            return { path: [...i.path, key], message: `is not a known key${near ? ` (did you mean "${near}"?)` : ''}` };
          })
        : [i],
    );
    throw fromZodIssues(what, issues);
  }
  return result.data;
}

/** The settlement interval of a market, in minutes. */
export function intervalMinutesFor(market: Market): number {
  return market === 'ERCOT' || market === 'NORDPOOL' ? 15 : 60;
}

export function miningLoads(site: Site): MiningLoad[] {
  return site.loads.filter((l): l is MiningLoad => l.kind === 'mining');
}

export function aiLoads(site: Site): AiLoad[] {
  return site.loads.filter((l): l is AiLoad => l.kind === 'ai');
}
