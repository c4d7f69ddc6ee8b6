/** The API's zod schemas: they validate at the boundary and generate the OpenAPI document. */
import { z } from '@hono/zod-openapi';

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');

export const problemResponses = (...statuses: number[]) =>
  Object.fromEntries(
    statuses.map((s) => [s, { description: `problem (${s})`, content: { 'application/problem+json': { schema: ProblemSchema } } }]),
  );

export const AllocationSchema = z
  .object({
    loadId: z.string(),
    kind: z.enum(['mining', 'ai']),
    action: z.enum(['RUN', 'CURTAIL', 'PARTIAL', 'SERVE']),
    mw: z.number(),
    modeId: z.string().optional(),
    curtailAboveUsdPerMwh: z.number().nullable().optional(),
    backupGenMw: z.number().optional(),
    reasons: z.array(z.string()),
  })
  .openapi('Allocation');

export const DecisionSchema = z
  .object({
    siteId: z.string(),
    intervalStart: z.string().openapi({ example: '2024-07-15T20:00:00.000Z' }),
    intervalMinutes: z.number().int(),
    revision: z.number().int().min(1),
    source: z.enum(['AUTO', 'OVERRIDE']),
    reasons: z.array(z.string()).min(1),
    flags: z.array(z.string()),
    allocations: z.array(AllocationSchema),
    inputs: z.record(z.string(), z.unknown()),
    economics: z.record(z.string(), z.number().nullable()),
    engineVersion: z.string(),
    decidedAt: z.string(),
    runId: z.string(),
    published: z.boolean(),
  })
  .openapi('Decision');

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

export const isoInstant = z.iso.datetime({ offset: true });
