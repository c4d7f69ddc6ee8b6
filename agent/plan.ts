/**
 * The engine's dispatch plan as the agent receives it (`GET /sites/{siteId}/dispatch`), and the telemetry batch it
 * sends back (`POST /sites/{siteId}/telemetry`): client-side zod schemas mirroring the API's `DispatchPlan` and
 * `TelemetryBatch` (shared/adapters/http/schemas.ts), kept here so the agent imports nothing of the API. Parsing is
 * lenient about fields the agent does not use (a newer API may add some) and strict about the ones it acts on.
 */
import * as z from 'zod';
import { FORCED_CAUSES } from '#domain/dispatch.ts';
import { EXECUTION_MODES, type Site, SiteSchema } from '#domain/sites.ts';
import { TRIGGERS } from '#domain/telemetry.ts';

export { FORCED_CAUSES, TRIGGERS };
export type TriggerKind = (typeof TRIGGERS)[number];

const instant = z.iso.datetime({ offset: true });

export const PlanLoadSchema = z.object({
  loadId: z.string(),
  action: z.string(),
  mw: z.number(),
  modeId: z.string().optional(),
  curtailAboveUsdPerMwh: z.number().nullable(),
  thresholdUsdPerMwh: z.number().nullable(),
  forced: z
    .object({
      mw: z.number(),
      cause: z.enum(FORCED_CAUSES),
      code: z.string(),
      overrideId: z.string().optional(),
      gridEventIds: z.array(z.string()).optional(),
    })
    .nullable(),
});

export const PlanIntervalSchema = z.object({
  intervalStart: instant,
  intervalEnd: instant,
  intervalMinutes: z.number().int(),
  revision: z.number().int(),
  source: z.enum(['AUTO', 'OVERRIDE']),
  decidedAt: instant,
  flags: z.array(z.string()),
  hashpriceUsdPerPhDay: z.number().nullable(),
  holdMw: z.number(),
  loads: z.array(PlanLoadSchema),
  tenants: z.array(z.object({ loadId: z.string(), mw: z.number(), backupGenMw: z.number() })),
});

export const DispatchPlanSchema = z.object({
  siteId: z.string(),
  market: z.string(),
  settlementPoint: z.string().nullable(),
  timezone: z.string(),
  execution: z.enum(EXECUTION_MODES),
  interconnectMw: z.number(),
  baseLoadMw: z.number(),
  aiContractedMw: z.number(),
  hysteresisUsdPerMwh: z.number(),
  maxPriceAgeMinutes: z.number(),
  failSafe: z.object({ peakHoursLocal: z.array(z.number().int()), otherwise: z.enum(['HOLD', 'CURTAIL', 'RUN']) }),
  loads: z.array(z.record(z.string(), z.unknown())),
  validUntil: instant.nullable(),
  intervals: z.array(PlanIntervalSchema),
});

export type DispatchPlan = z.infer<typeof DispatchPlanSchema>;
export type PlanInterval = z.infer<typeof PlanIntervalSchema>;
export type PlanLoad = z.infer<typeof PlanLoadSchema>;

export const TriggerSchema = z.object({
  kind: z.enum(TRIGGERS),
  priceUsdPerMwh: z.number().optional(),
  thresholdUsdPerMwh: z.number().optional(),
  overrideId: z.string().optional(),
  gridEventId: z.string().optional(),
});
export type Trigger = z.infer<typeof TriggerSchema>;

export const LoadSampleSchema = z.strictObject({
  loadId: z.string(),
  at: instant,
  actualMw: z.number().min(0),
  hashrateThs: z.number().min(0).optional(),
  miners: z.strictObject({ running: z.number().int(), asleep: z.number().int(), unreachable: z.number().int() }).optional(),
});
export type LoadSample = z.infer<typeof LoadSampleSchema>;

export const StateChangeSchema = z.strictObject({
  loadId: z.string(),
  at: instant,
  change: z.enum(['CURTAILED', 'RESUMED']),
  fromMw: z.number().min(0),
  toMw: z.number().min(0),
  trigger: TriggerSchema,
  fleetSeconds: z.number().min(0),
  miners: z.strictObject({ commanded: z.number().int(), confirmed: z.number().int(), failed: z.number().int() }).optional(),
});
export type StateChange = z.infer<typeof StateChangeSchema>;

/** The API's limits per batch. */
export const MAX_SAMPLES_PER_BATCH = 2000;
export const MAX_STATE_CHANGES_PER_BATCH = 500;

export function parsePlan(json: unknown): DispatchPlan {
  const parsed = DispatchPlanSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`dispatch plan is not valid: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** The site as the shared execution function takes it, rebuilt from what the plan carries. */
export function planSite(plan: DispatchPlan): Site {
  return SiteSchema.parse({
    id: plan.siteId,
    name: plan.siteId,
    market: plan.market,
    ...(plan.settlementPoint === null ? {} : { settlementPoint: plan.settlementPoint }),
    ...(plan.market === 'FIXED' ? { fixedPriceUsdPerMwh: 0 } : {}),
    timezone: plan.timezone,
    interconnectMw: plan.interconnectMw,
    baseLoadMw: plan.baseLoadMw,
    execution: plan.execution,
    loads: plan.loads,
    policy: { hysteresisUsdPerMwh: plan.hysteresisUsdPerMwh, maxPriceAgeMinutes: plan.maxPriceAgeMinutes, failSafe: plan.failSafe },
  });
}

/** The plan's interval containing `nowMs`, or null once its intervals have run out (or before they start). */
export function intervalAt(plan: DispatchPlan, nowMs: number): PlanInterval | null {
  for (const interval of plan.intervals) {
    if (Date.parse(interval.intervalStart) <= nowMs && nowMs < Date.parse(interval.intervalEnd)) return interval;
  }
  return null;
}

/** Markets with a live 5-minute price the agent can follow; elsewhere it follows the plan's schedule. */
export const REAL_TIME_MARKETS: ReadonlySet<string> = new Set(['ERCOT', 'PJM']);
