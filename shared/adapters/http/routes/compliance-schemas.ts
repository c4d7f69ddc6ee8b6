/** The zod schemas of the compliance report (the OpenAPI document is generated from them). */
import * as z from 'zod';
import { GRID_EVENT_TYPES } from '#domain/grid.ts';
import { CapabilityTestSchema, isoOut, mw, telemetryRange } from './capability-test-schemas.ts';

export const LargeLoadFactsSchema = z
  .object({
    thresholdMw: z.number(),
    interconnectMw: z.number(),
    peakDemandMw: z.number(),
    miningMw: z.number(),
    aiContractedMw: z.number(),
    isLargeLoad: z.boolean(),
    backupGenerationMw: z.number().nullable().meta({ description: 'null: not disclosed in the sites file' }),
    halfDemandMw: z.number(),
    backupServesHalfOfDemand: z.boolean().nullable(),
    tenantBackupGenMw: z.number(),
  })
  .meta({ id: 'LargeLoadFacts' });

export const GridEventEvidenceSchema = z
  .object({
    eventId: z.string(),
    type: z.enum(GRID_EVENT_TYPES),
    level: z.number().int().nullable(),
    product: z.string().nullable(),
    start: isoOut.meta({ description: 'The instruction time' }),
    end: isoOut,
    curtailsMining: z.boolean(),
    askedMw: mw('MW asked (all mining running at the start for an emergency order)'),
    baselineMw: mw('Mining MW running just before the start'),
    achievedMw: mw('The largest reduction held during the event'),
    secondsToAchieve: z.number().nullable(),
    met: z.boolean().nullable(),
    samples: z.number().int(),
    note: z.string().nullable(),
    sources: z.object({ gridEventId: z.string(), telemetry: telemetryRange.nullable(), stateChangeIds: z.array(z.string()) }),
  })
  .meta({ id: 'GridEventEvidence' });

export const ComplianceReportSchema = z
  .object({
    siteId: z.string(),
    siteName: z.string(),
    market: z.string(),
    from: isoOut,
    to: isoOut,
    generatedAt: isoOut,
    largeLoad: LargeLoadFactsSchema,
    gridEvents: z.array(GridEventEvidenceSchema),
    capabilityTests: z.array(CapabilityTestSchema),
    summary: z.object({
      gridEvents: z.number().int(),
      deployments: z.number().int(),
      deploymentsMet: z.number().int(),
      capabilityTests: z.number().int(),
      capabilityTestsPassed: z.number().int(),
      capabilityTestsFailed: z.number().int(),
    }),
  })
  .meta({ id: 'ComplianceReport' });
