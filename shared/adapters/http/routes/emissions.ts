/** The emissions report: planned (and, with telemetry, actual) grid energy and tCO2 of a site, by bucket. */
import * as z from 'zod';
import type { ReportUseCases } from '#app/api.ts';
import { EMISSIONS_GRANULARITIES, EMISSIONS_RANGE_DAYS } from '#app/queries/emissions.ts';
import { ACTUALS_MAX_DAYS } from '#app/reports.ts';
import { csvDownload, csvTable } from '../csv.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { problemResponses } from '../schemas.ts';
import { EmissionsActualSchema, EmissionsBucketSchema, EmissionsReportSchema } from './emissions-schemas.ts';

type Bucket = z.infer<typeof EmissionsBucketSchema>;
/** The CSV's columns: the JSON bucket's fields, named as in the JSON, with `actual`'s fields flattened (`actual.mwh`). */
const SCALARS = (Object.keys(EmissionsBucketSchema.shape) as (keyof Bucket)[]).filter((k) => k !== 'actual');
const ACTUAL_FIELDS = Object.keys(EmissionsActualSchema.shape) as (keyof NonNullable<Bucket['actual']>)[];
const COLUMNS = [...SCALARS, ...ACTUAL_FIELDS.map((k) => `actual.${k}`)];
const cells = (b: Bucket): unknown[] => [...SCALARS.map((k) => b[k]), ...ACTUAL_FIELDS.map((k) => b.actual?.[k] ?? null)];

/** `format` when given; otherwise CSV for a client that accepts text/csv and not JSON first. */
function wantsCsv(format: 'json' | 'csv' | undefined, accept: string | undefined): boolean {
  if (format) return format === 'csv';
  const types = (accept ?? '').split(',').map((t) => t.split(';')[0]!.trim().toLowerCase());
  const csv = types.indexOf('text/csv');
  const json = types.indexOf('application/json');
  return csv >= 0 && (json < 0 || csv < json);
}

export function emissionsRoutes(useCases: ReportUseCases) {
  const days = EMISSIONS_RANGE_DAYS;
  return [
    route(
      {
        method: 'get',
        path: '/reports/emissions',
        operationId: 'emissionsReport',
        tags: ['reports'],
        summary: 'Grid energy and CO2 of a site by interval, UTC hour, day or month',
        description:
          "Sums the emissions recorded on the site's current decisions: planned MWh, tCO2 at each interval's grid intensity, the " +
          'implied intensity, tCO2 avoided by curtailment, and the share of consumption in the highest-intensity decile of hours. ' +
          `Where the site agent reported telemetry (ranges up to ${ACTUALS_MAX_DAYS} days), actual MWh and actual tCO2 beside the plan ` +
          `of the same load-intervals. from and to are dates (UTC midnight) or instants; at most ${days.day} days, ` +
          `${days.interval} with granularity=interval. CSV with format=csv, or with Accept: text/csv and no format.`,
        roles: ['finance', 'trader', 'admin'],
        request: {
          query: z.object({
            siteId: z.string().min(1).max(64),
            from: z.string().min(10).max(40).meta({ example: '2024-07-01' }),
            to: z.string().min(10).max(40).meta({ example: '2024-08-01' }),
            granularity: z.enum(EMISSIONS_GRANULARITIES).default('day'),
            format: z.enum(['json', 'csv']).optional().meta({ description: 'csv: RFC 4180 with a header row, for a download' }),
          }),
        },
        responses: {
          200: {
            description: 'one bucket per period with decisions, and the totals',
            content: {
              'application/json': { schema: EmissionsReportSchema },
              'text/csv': { schema: z.string().meta({ description: 'RFC 4180 CSV with a header row, one row per bucket' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const fromMs = parseInstantOrDay(q.from, 'from');
        const toMs = parseInstantOrDay(q.to, 'to');
        const report = await useCases.emissionsReport({ siteId: q.siteId, fromMs, toMs, granularity: q.granularity });
        if (wantsCsv(q.format, c.req.header('accept'))) {
          const name = `emissions-${q.siteId}-${q.granularity}-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv`;
          return csvDownload(name, csvTable(COLUMNS, report.buckets.map(cells)));
        }
        return c.json(report, 200);
      },
    ),
  ];
}
