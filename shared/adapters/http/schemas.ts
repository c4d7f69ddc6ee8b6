/**
 * The API's zod schemas: they validate at the boundary and generate the OpenAPI document
 * (openapi.ts). Documentation is zod's own metadata (`.meta()`): `id` names a component of the
 * document, `description` and `example` are copied into the schema.
 */
import * as z from 'zod';
import { FORCED_CAUSES } from '#domain/dispatch.ts';
import { AS_PRODUCTS, OVERRIDE_ACTIONS } from '#domain/grid.ts';
import { EXECUTION_MODES } from '#domain/sites.ts';
import { STATE_CHANGES, TRIGGERS } from '#domain/telemetry.ts';
import { AUDIT_ACTIONS } from '#ports/audit.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'One entry per failing field' }),
  })
  .meta({ id: 'Problem' });

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `problem (${s})`, content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );

export const isoInstant = z.iso.datetime({ offset: true }).meta({ example: '2024-07-15T20:00:00Z' });
export const utcDate = z.iso.date().meta({ example: '2024-07-15', description: 'a UTC day, YYYY-MM-DD' });
const isoOut = z.string().meta({ description: 'UTC ISO-8601 instant', example: '2024-07-15T20:00:00.000Z' });

// ---- decisions -----------------------------------------------------------------------------------

export const AllocationSchema = z
  .object({
    loadId: z.string(),
    kind: z.enum(['mining', 'ai']),
    action: z.enum(['RUN', 'CURTAIL', 'PARTIAL', 'SERVE']),
    mw: z.number(),
    modeId: z.string().optional(),
    curtailAboveUsdPerMwh: z
      .number()
      .nullable()
      .optional()
      .meta({ description: 'Mining loads: curtail within the interval above this real-time price' }),
    backupGenMw: z.number().optional(),
    reasons: z.array(z.string()),
  })
  .meta({ id: 'Allocation' });

export const DecisionInputsSchema = z
  .object({
    price: z
      .object({
        expectedUsdPerMwh: z.number(),
        source: z.string(),
        daUsdPerMwh: z.number().nullable(),
        lastRtUsdPerMwh: z.number().nullable(),
        lastRtIntervalStart: z.string().nullable(),
        ageMinutes: z.number(),
        demo: z.boolean(),
        fx: z
          .object({ currency: z.string(), pricePerMwh: z.number(), usdPerUnit: z.number(), rateDay: z.string(), rateSource: z.string() })
          .optional()
          .meta({ description: 'A price published in another currency (Nord Pool EUR): the price, the rate (USD per unit), its day' }),
      })
      .nullable(),
    hashprice: z
      .object({ usdPerPhDay: z.number(), day: z.string(), ageDays: z.number(), source: z.string(), demo: z.boolean() })
      .nullable(),
    breakevensUsdPerMwh: z.record(z.string(), z.number()).nullable(),
    peakProbability: z.number(),
    gridEventIds: z.array(z.string()),
    overrideIds: z.array(z.string()),
    overridesInForce: z.array(z.string()),
    previous: z.record(z.string(), z.object({ mw: z.number(), since: z.string() })).nullable(),
  })
  .meta({ id: 'DecisionInputs' });

export const EconomicsSchema = z
  .object({
    expectedPriceUsdPerMwh: z.number().nullable(),
    miningRevenueUsd: z.number(),
    energyCostUsd: z.number(),
    miningNetUsd: z.number(),
    runningMw: z.number(),
    curtailedMw: z.number(),
    aiServedMw: z.number(),
    aiRevenueUsd: z.number(),
    gridDrawMw: z.number(),
  })
  .meta({ id: 'DecisionEconomics', description: 'Expected economics at decision time' });

export const DecisionSchema = z
  .object({
    siteId: z.string(),
    intervalStart: isoOut,
    intervalMinutes: z.number().int(),
    revision: z.number().int().min(1),
    source: z.enum(['AUTO', 'OVERRIDE']),
    reasons: z.array(z.string()).min(1),
    flags: z.array(z.string()),
    allocations: z.array(AllocationSchema),
    inputs: DecisionInputsSchema,
    economics: EconomicsSchema,
    engineVersion: z.string(),
    decidedAt: isoOut,
    runId: z.string(),
    previousRevision: z.number().int().min(1).nullable().optional().meta({
      description:
        'The revision of the interval before it that this decision was computed from; null when none (absent on older decisions)',
    }),
    published: z.boolean().meta({ description: 'Whether its DecisionMade / DecisionRevised event has been sent' }),
  })
  .meta({ id: 'Decision' });

export const DecisionPageSchema = z
  .object({
    items: z.array(DecisionSchema),
    nextToken: z.string().optional().meta({ description: 'Opaque; pass it back for the next page. Absent on the last page.' }),
  })
  .meta({ id: 'DecisionPage' });

export const DecisionListSchema = z.object({ items: z.array(DecisionSchema) }).meta({ id: 'DecisionRevisions' });

// ---- sites ----------------------------------------------------------------------------------------

/** A configured site as the API shows it (the sites file's own schema is `SiteSchema` in the domain). */
export const SiteViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    market: z.string(),
    settlementPoint: z.string().optional(),
    timezone: z.string(),
    interconnectMw: z.number(),
    baseLoadMw: z.number(),
    loads: z.array(z.record(z.string(), z.unknown())),
  })
  .loose()
  .meta({ id: 'Site' });

// ---- overrides ------------------------------------------------------------------------------------

export const OverrideCreateSchema = z
  .strictObject({
    action: z.enum(OVERRIDE_ACTIONS).meta({
      description: 'RUN / CURTAIL / CAP (with capMw) the load(s); RELEASE hands a load back to the engine under a site-wide override',
    }),
    loadId: z.string().min(1).max(64).optional().meta({ description: 'One load of the site; without it, every mining load of the site' }),
    capMw: z.number().min(0).optional().meta({ description: 'With CAP only: the most MW the load(s) may draw' }),
    from: isoInstant,
    to: isoInstant,
    reason: z.string().trim().min(1, 'is required').max(500),
    acknowledgeObligation: z.boolean().default(false).meta({
      description: 'Needed to override a grid obligation (demand response, ancillary service, emergency); flagged on the decision',
    }),
  })
  .superRefine((o, ctx) => {
    if (Date.parse(o.to) <= Date.parse(o.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (o.action === 'CAP' && o.capMw === undefined)
      ctx.addIssue({ code: 'custom', path: ['capMw'], message: 'is required when action is CAP' });
    if (o.action !== 'CAP' && o.capMw !== undefined)
      ctx.addIssue({ code: 'custom', path: ['capMw'], message: 'is allowed only when action is CAP' });
  })
  .meta({ id: 'OverrideCreate' });

export const OverrideCancelSchema = z
  .strictObject({ reason: z.string().trim().min(1, 'is required').max(500) })
  .meta({ id: 'OverrideCancel' });

export const OverrideSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    loadId: z.string().optional(),
    action: z.enum(OVERRIDE_ACTIONS),
    capMw: z.number().optional(),
    from: isoOut,
    to: isoOut,
    reason: z.string(),
    author: z.string(),
    acknowledgeObligation: z.boolean(),
    createdAt: isoOut,
    expiresAt: isoOut,
    version: z.number().int().min(1).meta({ description: 'Send it back as If-Match to change the override' }),
    status: z.enum(['ACTIVE', 'CANCELLED']),
    cancelledAt: isoOut.optional(),
    cancelledBy: z.string().optional(),
    cancelReason: z.string().optional(),
    active: z.boolean().meta({ description: 'Not cancelled and its window has not ended' }),
  })
  .meta({ id: 'Override' });

export const RevisionRefSchema = z
  .object({ siteId: z.string(), intervalStart: isoOut, revision: z.number().int() })
  .meta({ id: 'RevisionRef' });

export const OverrideChangeSchema = OverrideSchema.extend({
  revisions: z.array(RevisionRefSchema).meta({ description: 'The decision revisions the change recorded' }),
  eventsUnsent: z.number().int().meta({ description: 'Events that could not be sent yet (decision events are re-sent by the next run)' }),
}).meta({ id: 'OverrideChange' });

export const OverrideListSchema = z.object({ items: z.array(OverrideSchema) }).meta({ id: 'OverrideList' });

// ---- audit ----------------------------------------------------------------------------------------

export const AuditRecordSchema = z
  .object({
    id: z.string(),
    at: isoOut,
    actor: z.string(),
    action: z.enum(AUDIT_ACTIONS),
    entity: z.object({ type: z.string(), id: z.string() }),
    siteId: z.string().optional(),
    before: z.record(z.string(), z.unknown()).nullable(),
    after: z.record(z.string(), z.unknown()).nullable(),
    reason: z.string(),
  })
  .meta({ id: 'AuditRecord' });

export const AuditPageSchema = z.object({ items: z.array(AuditRecordSchema), nextToken: z.string().optional() }).meta({ id: 'AuditPage' });

// ---- reports --------------------------------------------------------------------------------------

const usd = (description: string) => z.number().meta({ description });

export const PnlRowSchema = z
  .object({
    siteId: z.string(),
    period: z.string().meta({ description: 'UTC day (YYYY-MM-DD) or month (YYYY-MM)' }),
    from: isoOut,
    to: isoOut,
    intervals: z.number().int().meta({ description: 'Decided intervals in the period' }),
    unpricedIntervals: z
      .number()
      .int()
      .meta({ description: "Intervals without a stored settlement price: left out of every price-dependent amount, AI tenants' too" }),
    demoIntervals: z.number().int().meta({ description: 'Intervals decided on demo market data (flag DEMO_INPUTS): not real money' }),
    noHashpriceIntervals: z.number().int().meta({ description: 'Intervals without a hashprice: left out of mining revenue and margins' }),
    miningRevenueUsd: usd('Σ revenue-per-MWh(hashprice, efficiency of the mode run) × MW × hours'),
    energyCostUsd: usd('Mining loads: Σ settlement price × MW × hours'),
    netMarginUsd: usd('miningRevenueUsd − energyCostUsd'),
    miningMwh: z.number(),
    curtailedMwh: z.number().meta({ description: 'Mining MWh not drawn against full power' }),
    alwaysOnNetUsd: usd('Net margin had every mining load run at full power in the same intervals'),
    curtailmentValueUsd: usd('netMarginUsd − alwaysOnNetUsd'),
    aiRevenueUsd: usd('Σ AI tenant MW served (grid + backup) × contract price × hours'),
    aiEnergyCostUsd: usd('AI tenants: Σ settlement price × grid MW × hours'),
    gridProgrammeRevenueUsd: usd('Priced ancillary-service awards and demand-response deployments of the site: MW × price × hours'),
    siteNetUsd: usd('netMarginUsd + aiRevenueUsd − aiEnergyCostUsd + gridProgrammeRevenueUsd'),
    actual: z
      .object({
        loadIntervals: z.number().int().meta({ description: 'Mining load-intervals with telemetry' }),
        plannedMwh: z.number().meta({ description: 'What the decisions planned in those load-intervals' }),
        mwh: z.number().meta({ description: 'Mean sampled MW × hours' }),
        energyCostUsd: usd('Actual MWh × settlement price'),
        miningRevenueUsd: usd('From the reported hashrate × hashprice'),
        netMarginUsd: usd('miningRevenueUsd − energyCostUsd'),
      })
      .nullable()
      .meta({ description: "From the site agent's telemetry (ranges up to 31 days); null where none was reported" }),
  })
  .meta({ id: 'PnlRow' });

export const PnlReportSchema = z
  .object({ granularity: z.enum(['day', 'month']), currency: z.literal('USD'), items: z.array(PnlRowSchema) })
  .meta({ id: 'PnlReport' });

// ---- bids -----------------------------------------------------------------------------------------

export const SiteBidsSchema = z
  .object({
    siteId: z.string(),
    operatingDay: z.string(),
    market: z.string(),
    settlementPoint: z.string().nullable(),
    hashprice: z.object({ usdPerPhDay: z.number(), day: z.string() }).nullable(),
    hours: z.array(
      z.object({
        hourStart: isoOut,
        hourStartMs: z.number(),
        localHour: z.number().int(),
        steps: z.array(
          z.object({
            loadId: z.string(),
            kind: z.enum(['base', 'ai', 'mining']),
            modeId: z.string().optional(),
            priceUsdPerMwh: z.number(),
            mw: z.number(),
          }),
        ),
        thresholdsUsdPerMwh: z.record(z.string(), z.number().nullable()),
        breakevensUsdPerMwh: z.record(z.string(), z.number()).nullable(),
        asOffers: z.array(z.object({ loadId: z.string(), product: z.enum(AS_PRODUCTS), mw: z.number(), priceUsdPerMwh: z.number() })),
        daUsdPerMwh: z.number().nullable(),
        peakProbability: z.number(),
        flags: z.array(z.string()),
      }),
    ),
    engineVersion: z.string(),
    preparedAt: isoOut,
  })
  .meta({ id: 'SiteBids' });

export const BidsListSchema = z.object({ items: z.array(SiteBidsSchema) }).meta({ id: 'BidsList' });

// ---- runs -----------------------------------------------------------------------------------------

export const RunRecordSchema = z
  .object({
    runId: z.string(),
    hourStart: isoOut,
    startedAt: isoOut,
    finishedAt: isoOut,
    status: z.enum(['SUCCEEDED', 'FAILED', 'PARTIAL']),
    trigger: z.string(),
    sites: z.number().int(),
    decisionsWritten: z.number().int(),
    decisionsExisting: z.number().int(),
    eventsSent: z.number().int(),
    eventsFailed: z.number().int(),
    errors: z.array(z.string()),
  })
  .meta({ id: 'Run' });

export const RunListSchema = z.object({ items: z.array(RunRecordSchema) }).meta({ id: 'RunList' });

export const RunRequestSchema = z
  .strictObject({ at: isoInstant.optional().meta({ description: 'An instant in the hour to decide; default: now' }) })
  .meta({ id: 'RunRequest' });

export const RunSummarySchema = z
  .object({
    runs: z.array(RunRecordSchema),
    decisionsWritten: z.number().int(),
    decisionsExisting: z.number().int(),
    eventsSent: z.number().int(),
    eventsFailed: z.number().int(),
    resent: z.number().int(),
  })
  .meta({ id: 'RunSummary' });

// ---- site agent -----------------------------------------------------------------------------------

const nullableUsd = (description: string) => z.number().nullable().meta({ description });

export const DispatchPlanSchema = z
  .object({
    siteId: z.string(),
    market: z.string(),
    settlementPoint: z.string().nullable(),
    timezone: z.string(),
    execution: z.enum(EXECUTION_MODES),
    interconnectMw: z.number(),
    baseLoadMw: z.number(),
    aiContractedMw: z.number().meta({ description: 'Served before any miner: the miners share what the interconnect leaves' }),
    hysteresisUsdPerMwh: z.number(),
    maxPriceAgeMinutes: z.number(),
    failSafe: z
      .object({ peakHoursLocal: z.array(z.number().int()), otherwise: z.enum(['HOLD', 'CURTAIL', 'RUN']) })
      .meta({ description: 'What the site does once its plan has run out or its prices are stale' }),
    loads: z
      .array(z.record(z.string(), z.unknown()))
      .meta({ description: 'The loads as configured: min run/off, ramp, power modes, restart cost' }),
    validUntil: isoOut
      .nullable()
      .meta({ description: 'End of the decided intervals that follow on from now; null when now is not decided' }),
    intervals: z.array(
      z.object({
        intervalStart: isoOut,
        intervalEnd: isoOut,
        intervalMinutes: z.number().int(),
        revision: z.number().int(),
        source: z.enum(['AUTO', 'OVERRIDE']),
        decidedAt: isoOut,
        flags: z.array(z.string()),
        hashpriceUsdPerPhDay: z.number().nullable(),
        holdMw: z.number().meta({ description: 'Awarded ancillary-service MW to keep running on curtailable loads' }),
        loads: z.array(
          z.object({
            loadId: z.string(),
            action: z.string(),
            mw: z.number(),
            modeId: z.string().optional(),
            curtailAboveUsdPerMwh: nullableUsd('As decided, with the band of the state the engine assumed; null when forced'),
            thresholdUsdPerMwh: nullableUsd('Neutral threshold for the execution function (the agent adds its own band); null when forced'),
            forced: z
              .object({
                mw: z.number(),
                cause: z.enum(FORCED_CAUSES),
                code: z.string(),
                overrideId: z.string().optional(),
                gridEventIds: z.array(z.string()).optional(),
              })
              .nullable(),
          }),
        ),
        tenants: z.array(z.object({ loadId: z.string(), mw: z.number(), backupGenMw: z.number() })),
      }),
    ),
  })
  .meta({ id: 'DispatchPlan' });

const count = z.number().int().min(0);
const loadRef = z.string().min(1).max(64);

export const LoadSampleInSchema = z
  .strictObject({
    loadId: loadRef,
    at: isoInstant,
    actualMw: z.number().min(0),
    hashrateThs: z.number().min(0).optional(),
    miners: z.strictObject({ running: count, asleep: count, unreachable: count }).optional(),
  })
  .meta({ id: 'LoadSampleIn' });

export const StateChangeInSchema = z
  .strictObject({
    loadId: loadRef,
    at: isoInstant.meta({ description: 'When the agent acted on the trigger' }),
    change: z.enum(STATE_CHANGES),
    fromMw: z.number().min(0),
    toMw: z.number().min(0),
    trigger: z
      .strictObject({
        kind: z.enum(TRIGGERS),
        priceUsdPerMwh: z.number().optional(),
        thresholdUsdPerMwh: z.number().optional(),
        overrideId: z.string().min(1).max(64).optional(),
        gridEventId: z.string().min(1).max(200).optional(),
      })
      .superRefine((t, ctx) => {
        const need = (field: keyof typeof t, when: boolean) =>
          when && t[field] === undefined && ctx.addIssue({ code: 'custom', path: [field], message: `is required when kind is ${t.kind}` });
        need('priceUsdPerMwh', t.kind === 'PRICE');
        need('overrideId', t.kind === 'OVERRIDE');
        need('gridEventId', t.kind === 'GRID_DEPLOYMENT');
      }),
    fleetSeconds: z.number().min(0).meta({ description: 'From acting to the last miner confirmed in its new state' }),
    miners: z.strictObject({ commanded: count, confirmed: count, failed: count }).optional(),
  })
  .meta({ id: 'StateChangeIn' });

export const TelemetryBatchSchema = z
  .strictObject({
    samples: z.array(LoadSampleInSchema).max(2000).default([]),
    stateChanges: z.array(StateChangeInSchema).max(500).default([]),
  })
  .meta({ id: 'TelemetryBatch' });

export const TelemetryResultSchema = z
  .object({
    samples: z.number().int(),
    stateChanges: z.object({
      recorded: z.number().int(),
      replayed: z.number().int().meta({ description: 'Already recorded by (site, load, instant)' }),
    }),
    eventsUnsent: z.number().int(),
  })
  .meta({ id: 'TelemetryResult' });

export const LoadSampleSchema = LoadSampleInSchema.extend({ siteId: z.string(), at: isoOut }).meta({ id: 'LoadSample' });
export const StateChangeSchema = StateChangeInSchema.extend({
  siteId: z.string(),
  at: isoOut,
  trigger: z.record(z.string(), z.unknown()),
}).meta({ id: 'StateChange' });

export const ActualsPageSchema = z
  .object({
    items: z.array(LoadSampleSchema),
    stateChanges: z.array(StateChangeSchema).optional().meta({ description: 'First page only' }),
    nextToken: z.string().optional(),
  })
  .meta({ id: 'ActualsPage' });

export const PerformanceListSchema = z
  .object({
    items: z.array(
      z.object({
        eventId: z.string(),
        type: z.string(),
        product: z.string().optional(),
        start: isoOut,
        end: isoOut,
        askedMw: z.number().nullable(),
        baselineMw: z.number().nullable().meta({ description: 'Mining MW running just before the start' }),
        achievedMw: z.number().nullable().meta({ description: 'Largest reduction from the baseline during the event' }),
        secondsToAchieve: z.number().nullable().meta({ description: 'Until 95% of the asked MW was shed; null if never' }),
        met: z.boolean(),
        samples: z.number().int(),
      }),
    ),
  })
  .meta({ id: 'PerformanceList' });

// ---- health --------------------------------------------------------------------------------------

const HealthStatus = z.enum(['ok', 'degraded', 'down']);

const PartHealthSchema = z
  .object({
    status: HealthStatus,
    detail: z.string(),
    latencyMs: z.number().optional().meta({ description: 'How long the check took' }),
  })
  .meta({ id: 'PartHealth' });

export const HealthSchema = z
  .object({
    status: HealthStatus.meta({
      description: '`down` when a part the API needs (the store) is down; `degraded` when a feed is stale or the event bus is unwell',
    }),
    parts: z.object({
      store: PartHealthSchema,
      eventBus: PartHealthSchema,
      feeds: z
        .array(
          z.object({ feed: z.string(), status: z.enum(['ok', 'degraded']), ageMinutes: z.number().nullable(), maxAgeMinutes: z.number() }),
        )
        .meta({ description: 'Freshness of every feed the sites depend on; empty when the store cannot be read' }),
      ingest: PartHealthSchema.meta({
        description: '`degraded` naming an ingest that started and did not complete (its prices are partial)',
      }),
    }),
  })
  .meta({ id: 'Health' });
