/** The emissions report's schemas, apart from the shared schemas.ts so that the reports' route group carries its own. */
import * as z from 'zod';
import { EMISSIONS_GRANULARITIES } from '#app/queries/emissions.ts';

const isoOut = z.string().meta({ description: 'UTC ISO-8601 instant', example: '2024-07-15T20:00:00.000Z' });
const tonnes = (description: string) => z.number().meta({ description: `Tonnes of CO2: ${description}` });

export const EmissionsActualSchema = z
  .object({
    loadIntervals: z.number().int().meta({ description: 'Load-intervals the site agent reported on; only these are counted' }),
    plannedMwh: z.number().meta({ description: 'What the decisions planned for those load-intervals' }),
    plannedTCo2: tonnes('the plan of those load-intervals at their intensity'),
    mwh: z.number().meta({ description: 'Mean sampled MW × hours' }),
    tCo2: tonnes('actual MWh × the intensity of each interval'),
  })
  .meta({ id: 'EmissionsActual' });

const bucketFields = {
  start: isoOut.meta({ description: 'Start of the bucket (the interval, UTC hour, day or month)' }),
  mwh: z.number().meta({ description: 'Planned grid energy: every load plus the base load' }),
  tCo2: tonnes('Σ planned MWh × the intensity of each interval'),
  lbCo2PerMwh: z.number().nullable().meta({ description: 'The consumption-weighted intensity, lb CO2/MWh; null without consumption' }),
  avoidedTCo2: tonnes('energy curtailment did not draw, at the intensity of each interval (marginal where stored)'),
  actual: EmissionsActualSchema.nullable().meta({
    description: "From the site agent's telemetry (ranges up to 31 days); null where none was reported",
  }),
};

export const EmissionsBucketSchema = z.object(bucketFields).meta({ id: 'EmissionsBucket' });

export const EmissionsReportSchema = z
  .object({
    siteId: z.string(),
    from: isoOut,
    to: isoOut,
    granularity: z.enum(EMISSIONS_GRANULARITIES),
    actualsRead: z.boolean().meta({ description: 'Whether telemetry was read (ranges up to 31 days)' }),
    buckets: z.array(EmissionsBucketSchema),
    totals: z
      .object({
        ...bucketFields,
        intervalsWithoutIntensity: z.number().int().meta({ description: 'Decided intervals without a stored intensity: not counted' }),
        topDecileShare: z
          .number()
          .nullable()
          .meta({ description: "Share of the period's planned MWh in its highest-intensity decile of hours; null without consumption" }),
      })
      .meta({ id: 'EmissionsTotals' }),
  })
  .meta({ id: 'EmissionsReport' });

export type EmissionsReportView = z.infer<typeof EmissionsReportSchema>;
