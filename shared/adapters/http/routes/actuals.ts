/**
 * What the site agents reported, read back (DESIGN §9): the actuals of a site and how it answered
 * each grid deployment. Served by the reports Lambda with the other finance reads.
 */
import * as z from 'zod';
import type { ReportUseCases } from '#app/api.ts';
import type { LoadSample, StateChange } from '#domain/telemetry.ts';
import { iso } from '#domain/time.ts';
import { ALL_ROLES } from '../auth.ts';
import { route } from '../route.ts';
import { ActualsPageSchema, isoInstant, PerformanceListSchema, problemResponses } from '../schemas.ts';

const siteParams = z.object({ siteId: z.string().min(1).max(64) });
const range = { from: isoInstant, to: isoInstant };

function sampleView(s: LoadSample) {
  const { atMs, ...rest } = s;
  return { ...rest, at: iso(atMs) };
}

function changeView(c: StateChange) {
  const { atMs, fleetMs, ...rest } = c;
  return { ...rest, at: iso(atMs), fleetSeconds: fleetMs / 1000 };
}

const CSV_COLUMNS = 'site_id,load_id,at_utc,actual_mw,hashrate_ths,miners_running,miners_asleep,miners_unreachable\r\n';
const csvRow = (s: LoadSample) =>
  `${[s.siteId, s.loadId, iso(s.atMs), s.actualMw, s.hashrateThs ?? '', s.miners?.running ?? '', s.miners?.asleep ?? '', s.miners?.unreachable ?? ''].join(',')}\r\n`;

export function actualsRoutes(useCases: ReportUseCases) {
  return [
    route(
      {
        method: 'get',
        path: '/sites/{siteId}/actuals',
        operationId: 'listSiteActuals',
        tags: ['agent'],
        summary: 'What the site actually drew, from its agent, in [from, to)',
        description:
          'Load samples by instant, paginated with nextToken; the first page also carries the state changes of the range. ' +
          'format=csv streams every sample (at most 31 days) with a header row.',
        roles: ALL_ROLES,
        request: {
          params: siteParams,
          query: z.object({
            ...range,
            format: z.enum(['json', 'csv']).default('json'),
            limit: z.coerce.number().int().min(1).max(5000).optional().meta({ description: 'Page size (default 1000)' }),
            nextToken: z.string().min(1).max(2000).optional(),
          }),
        },
        responses: {
          200: {
            description: 'samples, by instant then load',
            content: {
              'application/json': { schema: ActualsPageSchema },
              'text/csv': { schema: z.string().meta({ description: 'RFC 4180 CSV with a header row' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params, query: q }) => {
        const fromMs = Date.parse(q.from);
        const toMs = Date.parse(q.to);
        if (q.format === 'csv') {
          const pages = useCases.siteActualsExport({ siteId: params.siteId, fromMs, toMs });
          // The first page is read before answering, so that a failure is still a problem response.
          const first = await pages.next();
          const encoder = new TextEncoder();
          const body = new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(encoder.encode(CSV_COLUMNS + (first.done ? '' : first.value.map(csvRow).join(''))));
              if (first.done) controller.close();
            },
            async pull(controller) {
              if (first.done) return;
              const next = await pages.next();
              if (next.done) return controller.close();
              controller.enqueue(encoder.encode(next.value.map(csvRow).join('')));
            },
            async cancel() {
              await pages.return(undefined);
            },
          });
          const name = `actuals-${params.siteId}-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv`;
          return new Response(body, {
            status: 200,
            headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` },
          });
        }
        const page = await useCases.siteActuals({
          siteId: params.siteId,
          fromMs,
          toMs,
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        });
        return c.json(
          {
            items: page.items.map(sampleView),
            ...(page.stateChanges ? { stateChanges: page.stateChanges.map(changeView) } : {}),
            ...(page.nextToken ? { nextToken: page.nextToken } : {}),
          },
          200,
        );
      },
    ),

    route(
      {
        method: 'get',
        path: '/sites/{siteId}/performance',
        operationId: 'listDeploymentPerformance',
        tags: ['agent'],
        summary: 'How the site answered each grid deployment starting in [from, to)',
        description:
          'For every DR or AS deployment of the site and every EEA or SB 6 order that curtails its mining: MW asked, the mining MW running ' +
          "before it, the MW shed, and the seconds until 95% of the asked MW was shed, from the agent's telemetry.",
        roles: ALL_ROLES,
        request: { params: siteParams, query: z.object(range) },
        responses: {
          200: { description: 'one record per deployment, by start', content: { 'application/json': { schema: PerformanceListSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params, query: q }) => {
        const items = await useCases.sitePerformance({ siteId: params.siteId, fromMs: Date.parse(q.from), toMs: Date.parse(q.to) });
        return c.json({ items }, 200);
      },
    ),
  ];
}
