/**
 * The decision log: a site's current decisions by range (JSON pages, or all pages as CSV), every
 * revision of one interval, and every site's decisions of one UTC day.
 */
import type { Context } from 'hono';
import * as z from 'zod';
import type { DeskUseCases } from '#app/api.ts';
import { RANGE_LIMITS_DAYS } from '#app/queries/range.ts';
import { iso } from '#domain/time.ts';
import type { DecisionFilter } from '#ports/decisions.ts';
import { ALL_ROLES } from '../auth.ts';
import { decisionCsvHeader, decisionCsvRow } from '../csv.ts';
import { route } from '../route.ts';
import { DecisionListSchema, DecisionPageSchema, isoInstant, problemResponses, utcDate } from '../schemas.ts';
import { decisionPageJson, decisionView } from '../views.ts';

const siteId = z.string().min(1).max(64);
const filters = {
  source: z
    .enum(['AUTO', 'OVERRIDE'])
    .optional()
    .meta({ description: 'Only decisions made by the engine (AUTO) or after an override (OVERRIDE)' }),
  reason: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .meta({ description: 'Only decisions whose reasons include this code, e.g. ECONOMIC_CURTAIL' }),
};
const paging = {
  limit: z.coerce.number().int().min(1).max(1000).optional().meta({ description: 'Page size (default 500)' }),
  nextToken: z.string().min(1).max(2000).optional(),
};

function filterOf(q: { source?: 'AUTO' | 'OVERRIDE' | undefined; reason?: string | undefined }): DecisionFilter {
  return { ...(q.source ? { source: q.source } : {}), ...(q.reason ? { reason: q.reason } : {}) };
}

/** Pages of decisions as one CSV stream; the first page is read before answering, so that a failure is still a problem response. */
async function csvResponse(name: string, { site, pages }: ReturnType<DeskUseCases['siteDecisionExport']>): Promise<Response> {
  const first = await pages.next();
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let text = decisionCsvHeader(site);
      if (!first.done) for (const d of first.value) text += decisionCsvRow(site, d);
      controller.enqueue(encoder.encode(text));
      if (first.done) controller.close();
    },
    async pull(controller) {
      if (first.done) return;
      const next = await pages.next();
      if (next.done) return controller.close();
      controller.enqueue(encoder.encode(next.value.map((d) => decisionCsvRow(site, d)).join('')));
    },
    async cancel() {
      await pages.return(undefined);
    },
  });
  const headers = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` };
  return new Response(body, { status: 200, headers });
}

export function decisionRoutes(useCases: DeskUseCases) {
  const maxDays = RANGE_LIMITS_DAYS.decisionPage;
  const maxCsvDays = RANGE_LIMITS_DAYS.decisionExport;
  return [
    route(
      {
        method: 'get',
        path: '/sites/{siteId}/decisions',
        operationId: 'listSiteDecisions',
        tags: ['decisions'],
        summary: "A site's current decisions in [from, to)",
        description:
          `The current revision of each interval whose start is in [from, to), ascending. JSON pages span at most ${maxDays} days; ` +
          `format=csv streams every page (at most ${maxCsvDays} days) with a header row and ignores limit and nextToken.`,
        roles: ALL_ROLES,
        request: {
          params: z.object({ siteId }),
          query: z.object({ from: isoInstant, to: isoInstant, ...filters, ...paging, format: z.enum(['json', 'csv']).default('json') }),
        },
        responses: {
          200: {
            description: 'current revision per interval, ascending',
            content: {
              'application/json': { schema: DecisionPageSchema },
              'text/csv': { schema: z.string().meta({ description: 'RFC 4180 CSV with a header row' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params, query: q }) => {
        const range = { siteId: params.siteId, fromMs: Date.parse(q.from), toMs: Date.parse(q.to), filter: filterOf(q) };
        if (q.format === 'csv') {
          const exported = useCases.siteDecisionExport(range);
          return csvResponse(`decisions-${params.siteId}-${iso(range.fromMs).slice(0, 10)}-${iso(range.toMs).slice(0, 10)}.csv`, exported);
        }
        const page = await useCases.siteDecisionPage({
          ...range,
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        });
        return jsonText(c, decisionPageJson(page));
      },
    ),

    route(
      {
        method: 'get',
        path: '/sites/{siteId}/decisions/{intervalStart}/revisions',
        operationId: 'listDecisionRevisions',
        tags: ['decisions'],
        summary: 'Every revision of one interval, oldest first',
        roles: ALL_ROLES,
        request: { params: z.object({ siteId, intervalStart: isoInstant }) },
        responses: {
          200: { description: 'revisions, oldest first', content: { 'application/json': { schema: DecisionListSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params }) => {
        const items = await useCases.decisionRevisions({ siteId: params.siteId, intervalStartMs: Date.parse(params.intervalStart) });
        return c.json({ items: items.map(decisionView) }, 200);
      },
    ),

    route(
      {
        method: 'get',
        path: '/decisions',
        operationId: 'listDecisionsByDay',
        tags: ['decisions'],
        summary: "Every site's current decisions of one UTC day",
        description: 'Ordered by interval start, then site; paginated with nextToken.',
        roles: ALL_ROLES,
        request: { query: z.object({ date: utcDate, ...filters, ...paging }) },
        responses: {
          200: { description: 'current revision per site and interval', content: { 'application/json': { schema: DecisionPageSchema } } },
          ...problemResponses(400, 401, 403, 429),
        },
      },
      async (c, { query: q }) => {
        const page = await useCases.decisionsOfDay({
          date: q.date,
          filter: filterOf(q),
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        });
        return jsonText(c, decisionPageJson(page));
      },
    ),
  ];
}

/** A 200 whose JSON body is already text: what `c.json` answers, without parsing and serialising it again. */
function jsonText(c: Context, text: string): Response {
  return c.body(text, 200, { 'content-type': 'application/json' });
}
