/**
 * The decision log: a site's current decisions by range (JSON pages, or all pages as CSV), every
 * revision of one interval, and every site's decisions of one UTC day.
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { decisionPages } from '#app/decision-log.ts';
import { siteOf } from '#app/sites.ts';
import { iso } from '#domain/time.ts';
import { ALL_ROLES, access, type AppEnv } from '../auth.ts';
import { decisionCsvHeader, decisionCsvRow } from '../csv.ts';
import type { ApiDeps } from '../deps.ts';
import { parseRange } from '../params.ts';
import { ProblemError } from '../problems.ts';
import { DecisionListSchema, DecisionPageSchema, isoInstant, problemResponses, utcDate } from '../schemas.ts';
import { decisionView } from '../views.ts';

const filters = {
  source: z.enum(['AUTO', 'OVERRIDE']).optional().openapi({ description: 'Only decisions made by the engine (AUTO) or after an override (OVERRIDE)' }),
  reason: z.string().min(1).max(200).optional().openapi({ description: 'Only decisions whose reasons include this code, e.g. ECONOMIC_CURTAIL' }),
};
const paging = {
  limit: z.coerce.number().int().min(1).max(1000).optional().openapi({ description: 'Page size (default 500)' }),
  nextToken: z.string().min(1).max(2000).optional(),
};

export function decisionRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const maxDays = deps.maxRangeDays ?? 31;
  const maxCsvDays = deps.maxExportRangeDays ?? 92;

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/sites/{siteId}/decisions',
      operationId: 'listSiteDecisions',
      tags: ['decisions'],
      summary: "A site's current decisions in [from, to)",
      description:
        `The current revision of each interval whose start is in [from, to), ascending. JSON pages span at most ${maxDays} days; ` +
        `format=csv streams every page (at most ${maxCsvDays} days) with a header row and ignores limit and nextToken.`,
      request: {
        params: z.object({ siteId: z.string().min(1).max(64) }),
        query: z.object({ from: isoInstant, to: isoInstant, ...filters, ...paging, format: z.enum(['json', 'csv']).default('json') }),
      },
      responses: {
        200: {
          description: 'current revision per interval, ascending',
          content: { 'application/json': { schema: DecisionPageSchema }, 'text/csv': { schema: z.string().openapi({ description: 'RFC 4180 CSV with a header row' }) } },
        },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { siteId } = c.req.valid('param');
      const q = c.req.valid('query');
      const site = siteOf(deps.sites, siteId);
      const filter = { ...(q.source ? { source: q.source } : {}), ...(q.reason ? { reason: q.reason } : {}) };
      if (q.format === 'csv') {
        const { fromMs, toMs } = parseRange(q.from, q.to, maxCsvDays);
        const pages = decisionPages(deps.decisions, siteId, fromMs, toMs, filter);
        // The first page is read before answering, so that a failure is still a problem response.
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
        const name = `decisions-${siteId}-${iso(fromMs).slice(0, 10)}-${iso(toMs).slice(0, 10)}.csv`;
        return new Response(body, { status: 200, headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` } });
      }
      const { fromMs, toMs } = parseRange(q.from, q.to, maxDays);
      const page = await deps.decisions.bySite(siteId, fromMs, toMs, { ...filter, ...(q.limit ? { limit: q.limit } : {}), ...(q.nextToken ? { nextToken: q.nextToken } : {}) });
      return c.json({ items: page.items.map(decisionView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/sites/{siteId}/decisions/{intervalStart}/revisions',
      operationId: 'listDecisionRevisions',
      tags: ['decisions'],
      summary: 'Every revision of one interval, oldest first',
      request: { params: z.object({ siteId: z.string().min(1).max(64), intervalStart: isoInstant }) },
      responses: {
        200: { description: 'revisions, oldest first', content: { 'application/json': { schema: DecisionListSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const { siteId, intervalStart } = c.req.valid('param');
      siteOf(deps.sites, siteId);
      const start = iso(Date.parse(intervalStart));
      const items = await deps.decisions.revisions(siteId, start);
      if (items.length === 0) throw new ProblemError(404, `no decision for ${siteId} at ${start}`, [{ path: 'intervalStart', message: 'has no decision' }]);
      return c.json({ items: items.map(decisionView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/decisions',
      operationId: 'listDecisionsByDay',
      tags: ['decisions'],
      summary: "Every site's current decisions of one UTC day",
      description: 'Ordered by interval start, then site; paginated with nextToken.',
      request: { query: z.object({ date: utcDate, ...filters, ...paging }) },
      responses: {
        200: { description: 'current revision per site and interval', content: { 'application/json': { schema: DecisionPageSchema } } },
        ...problemResponses(400, 401, 403, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const page = await deps.decisions.byDay(q.date, {
        ...(q.source ? { source: q.source } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.nextToken ? { nextToken: q.nextToken } : {}),
      });
      return c.json({ items: page.items.map(decisionView), ...(page.nextToken ? { nextToken: page.nextToken } : {}) }, 200);
    },
  );

  return app;
}
