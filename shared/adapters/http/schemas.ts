/** The API's zod schemas: they validate at the boundary and generate the OpenAPI document. */
import { z } from '@hono/zod-openapi';
import { AS_PRODUCTS, OVERRIDE_ACTIONS } from '#domain/grid.ts';
import { AUDIT_ACTIONS } from '#ports/audit.ts';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().openapi({ description: 'One entry per failing field' }),
  })
  .openapi('Problem');

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `problem (${s})`, content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );

export const isoInstant = z.iso.datetime({ offset: true }).openapi({ example: '2024-07-15T20:00:00Z' });
export const utcDate = z.iso.date().openapi({ example: '2024-07-15', description: 'a UTC day, YYYY-MM-DD' });
const isoOut = z.string().openapi({ description: 'UTC ISO-8601 instant', example: '2024-07-15T20:00:00.000Z' });

// ---- decisions -----------------------------------------------------------------------------------

export const AllocationSchema = z
  .object({
    loadId: z.string(),
    kind: z.enum(['mining', 'ai']),
    action: z.enum(['RUN', 'CURTAIL', 'PARTIAL', 'SERVE']),
    mw: z.number(),
    modeId: z.string().optional(),
    curtailAboveUsdPerMwh: z.number().nullable().optional().openapi({ description: 'Mining loads: curtail within the interval above this real-time price' }),
    backupGenMw: z.number().optional(),
    reasons: z.array(z.string()),
  })
  .openapi('Allocation');

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
      })
      .nullable(),
    hashprice: z.object({ usdPerPhDay: z.number(), day: z.string(), ageDays: z.number(), source: z.string(), demo: z.boolean() }).nullable(),
    breakevensUsdPerMwh: z.record(z.string(), z.number()).nullable(),
    peakProbability: z.number(),
    gridEventIds: z.array(z.string()),
    overrideIds: z.array(z.string()),
    overridesInForce: z.array(z.string()),
    previous: z.record(z.string(), z.object({ mw: z.number(), since: z.string() })).nullable(),
  })
  .openapi('DecisionInputs');

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
  .openapi('DecisionEconomics', { description: 'Expected economics at decision time' });

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
    published: z.boolean().openapi({ description: 'Whether its DecisionMade / DecisionRevised event has been sent' }),
  })
  .openapi('Decision');

export const DecisionPageSchema = z
  .object({
    items: z.array(DecisionSchema),
    nextToken: z.string().optional().openapi({ description: 'Opaque; pass it back for the next page. Absent on the last page.' }),
  })
  .openapi('DecisionPage');

export const DecisionListSchema = z.object({ items: z.array(DecisionSchema) }).openapi('DecisionRevisions');

// ---- sites ----------------------------------------------------------------------------------------

export const SiteSchema = z
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
  .openapi('Site');

// ---- overrides ------------------------------------------------------------------------------------

export const OverrideCreateSchema = z
  .strictObject({
    action: z.enum(OVERRIDE_ACTIONS).openapi({ description: 'RUN / CURTAIL / CAP (with capMw) the load(s); RELEASE hands a load back to the engine under a site-wide override' }),
    loadId: z.string().min(1).max(64).optional().openapi({ description: 'One load of the site; without it, every mining load of the site' }),
    capMw: z.number().min(0).optional().openapi({ description: 'With CAP only: the most MW the load(s) may draw' }),
    from: isoInstant,
    to: isoInstant,
    reason: z.string().trim().min(1, 'is required').max(500),
    acknowledgeObligation: z.boolean().default(false).openapi({ description: 'Needed to override a grid obligation (demand response, ancillary service, emergency); flagged on the decision' }),
  })
  .superRefine((o, ctx) => {
    if (Date.parse(o.to) <= Date.parse(o.from)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be after from' });
    if (o.action === 'CAP' && o.capMw === undefined) ctx.addIssue({ code: 'custom', path: ['capMw'], message: 'is required when action is CAP' });
    if (o.action !== 'CAP' && o.capMw !== undefined) ctx.addIssue({ code: 'custom', path: ['capMw'], message: 'is allowed only when action is CAP' });
  })
  .openapi('OverrideCreate');

export const OverrideCancelSchema = z.strictObject({ reason: z.string().trim().min(1, 'is required').max(500) }).openapi('OverrideCancel');

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
    version: z.number().int().min(1).openapi({ description: 'Send it back as If-Match to change the override' }),
    status: z.enum(['ACTIVE', 'CANCELLED']),
    cancelledAt: isoOut.optional(),
    cancelledBy: z.string().optional(),
    cancelReason: z.string().optional(),
    active: z.boolean().openapi({ description: 'Not cancelled and its window has not ended' }),
  })
  .openapi('Override');

export const RevisionRefSchema = z.object({ siteId: z.string(), intervalStart: isoOut, revision: z.number().int() }).openapi('RevisionRef');

export const OverrideChangeSchema = OverrideSchema.extend({
  revisions: z.array(RevisionRefSchema).openapi({ description: 'The decision revisions the change recorded' }),
  eventsUnsent: z.number().int().openapi({ description: 'Events that could not be sent yet (decision events are re-sent by the next run)' }),
}).openapi('OverrideChange');

export const OverrideListSchema = z.object({ items: z.array(OverrideSchema) }).openapi('OverrideList');

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
  .openapi('AuditRecord');

export const AuditPageSchema = z.object({ items: z.array(AuditRecordSchema), nextToken: z.string().optional() }).openapi('AuditPage');

// ---- reports --------------------------------------------------------------------------------------

const usd = (description: string) => z.number().openapi({ description });

export const PnlRowSchema = z
  .object({
    siteId: z.string(),
    period: z.string().openapi({ description: 'UTC day (YYYY-MM-DD) or month (YYYY-MM)' }),
    from: isoOut,
    to: isoOut,
    intervals: z.number().int().openapi({ description: 'Decided intervals in the period' }),
    unpricedIntervals: z.number().int().openapi({ description: 'Intervals without a stored settlement price: left out of every price-dependent amount' }),
    noHashpriceIntervals: z.number().int().openapi({ description: 'Intervals without a hashprice: left out of mining revenue and margins' }),
    miningRevenueUsd: usd('Σ revenue-per-MWh(hashprice, efficiency of the mode run) × MW × hours'),
    energyCostUsd: usd('Mining loads: Σ settlement price × MW × hours'),
    netMarginUsd: usd('miningRevenueUsd − energyCostUsd'),
    miningMwh: z.number(),
    curtailedMwh: z.number().openapi({ description: 'Mining MWh not drawn against full power' }),
    alwaysOnNetUsd: usd('Net margin had every mining load run at full power in the same intervals'),
    curtailmentValueUsd: usd('netMarginUsd − alwaysOnNetUsd'),
    aiRevenueUsd: usd('Σ AI tenant MW served (grid + backup) × contract price × hours'),
    aiEnergyCostUsd: usd('AI tenants: Σ settlement price × grid MW × hours'),
    gridProgrammeRevenueUsd: usd('Priced ancillary-service awards and demand-response deployments of the site: MW × price × hours'),
    siteNetUsd: usd('netMarginUsd + aiRevenueUsd − aiEnergyCostUsd + gridProgrammeRevenueUsd'),
  })
  .openapi('PnlRow');

export const PnlReportSchema = z.object({ granularity: z.enum(['day', 'month']), currency: z.literal('USD'), items: z.array(PnlRowSchema) }).openapi('PnlReport');

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
          z.object({ loadId: z.string(), kind: z.enum(['base', 'ai', 'mining']), modeId: z.string().optional(), priceUsdPerMwh: z.number(), mw: z.number() }),
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
  .openapi('SiteBids');

export const BidsListSchema = z.object({ items: z.array(SiteBidsSchema) }).openapi('BidsList');

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
  .openapi('Run');

export const RunListSchema = z.object({ items: z.array(RunRecordSchema) }).openapi('RunList');

export const RunRequestSchema = z.strictObject({ at: isoInstant.optional().openapi({ description: 'An instant in the hour to decide; default: now' }) }).openapi('RunRequest');

export const RunSummarySchema = z
  .object({
    runs: z.array(RunRecordSchema),
    decisionsWritten: z.number().int(),
    decisionsExisting: z.number().int(),
    eventsSent: z.number().int(),
    eventsFailed: z.number().int(),
    resent: z.number().int(),
  })
  .openapi('RunSummary');
