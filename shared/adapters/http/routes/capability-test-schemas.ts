/** The zod schemas of the capability-test routes (request parts and responses; the OpenAPI document is generated from them). */
import * as z from 'zod';
import { DEFAULT_TOLERANCE_PCT, MAX_TEST_MINUTES } from '#domain/capability-tests.ts';
import { isoInstant } from '../schemas.ts';

export const isoOut = z.string().meta({ description: 'UTC ISO-8601 instant', example: '2024-07-15T20:00:00.000Z' });
export const mw = (description: string) => z.number().nullable().meta({ description });
export const telemetryRange = z
  .object({ siteId: z.string(), from: isoOut, to: isoOut })
  .meta({ description: "The site's load samples read: instant in [from, to)" });

export const CapabilityTestCreateSchema = z
  .strictObject({
    startAt: isoInstant.meta({
      description: 'Start of the window: the start of an interval of the site market (15 minutes in ERCOT), now or later',
      example: '2024-07-15T20:00:00Z',
    }),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(MAX_TEST_MINUTES)
      .meta({ description: 'Length of the window: whole intervals of the site market', example: 30 }),
    percent: z.number().gt(0).max(100).meta({ description: "Share of the mining fleet's nameplate MW to put to sleep", example: 25 }),
    tolerancePct: z
      .number()
      .min(0)
      .max(50)
      .default(DEFAULT_TOLERANCE_PCT)
      .meta({ description: 'The test passes when the fleet comes within this share of the asked MW and holds it' }),
    reason: z.string().max(500).optional().meta({ description: 'Why the test is run (added to the override reason)' }),
  })
  .meta({ id: 'CapabilityTestCreate' });

export const CapabilityResponseSchema = z
  .object({
    instructedAt: isoOut.meta({ description: 'When the cap reached the plan: the window start, or when the test was made if later' }),
    baselineMw: mw('Mining MW running just before the instruction'),
    capMw: z.number(),
    askedMw: mw('What the site had to shed to get under the cap (baseline − cap)'),
    achievedMw: mw('The largest reduction from the baseline during the window'),
    secondsToAchieve: z.number().nullable().meta({ description: 'From the instruction to the first reading within tolerance of the cap' }),
    held: z.boolean(),
    minMw: mw('The lowest mining MW read during the window'),
    tolerancePct: z.number(),
    outcome: z.enum(['PASS', 'FAIL', 'INCONCLUSIVE']),
    note: z.string().nullable(),
    samples: z.number().int(),
  })
  .meta({ id: 'CapabilityResponse' });

export const CapabilityTestSchema = z
  .object({
    id: z.string(),
    siteId: z.string(),
    startAt: isoOut,
    endAt: isoOut,
    minutes: z.number().int(),
    percent: z.number(),
    tolerancePct: z.number(),
    fleetMw: z.number().meta({ description: "The mining fleet's nameplate MW" }),
    capMw: z.number().meta({ description: 'The site-wide CAP the test puts on the mining load' }),
    requestedBy: z.string(),
    reason: z.string(),
    createdAt: isoOut,
    status: z.enum(['SCHEDULED', 'RUNNING', 'AWAITING_TELEMETRY', 'EVALUATED']),
    recorded: z.boolean().meta({ description: 'True when response is the recorded result; false while measured so far' }),
    evaluatedAt: isoOut.nullable(),
    response: CapabilityResponseSchema.nullable(),
    sources: z.object({
      overrideId: z.string(),
      auditRecordId: z.string(),
      telemetry: telemetryRange,
      stateChangeIds: z.array(z.string()),
    }),
  })
  .meta({ id: 'CapabilityTest' });

export const CapabilityTestListSchema = z.object({ items: z.array(CapabilityTestSchema) }).meta({ id: 'CapabilityTestList' });
