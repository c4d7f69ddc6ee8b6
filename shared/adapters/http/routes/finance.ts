/** Finance and trading reads: the audit trail, the P&L report, the day-ahead bids. */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { pnlReport } from '#app/reports.ts';
import { siteOf } from '#app/sites.ts';
import { ValidationError } from '#domain/errors.ts';
import { DAY_MS } from '#domain/time.ts';
import { access, type AppEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { parseInstantOrDay, parseRange } from '../params.ts';
import { AuditPageSchema, BidsListSchema, PnlReportSchema, isoInstant, problemResponses, utcDate } from '../schemas.ts';

const siteIdQuery = z.string().min(1).max(64);

export function financeRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const maxReportDays = deps.maxReportRangeDays ?? 366;

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['finance', 'admin']),
      method: 'get',
      path: '/audit',
      operationId: 'listAudit',
      tags: ['audit'],
      summary: 'The audit trail in [from, to)',
      description: `Append-only records of every override change (who, when, what, why, before and after), oldest first; at most ${maxReportDays} days per request. The API has no way to change them.`,
      request: {
        query: z.object({
          from: isoInstant,
          to: isoInstant,
          siteId: siteIdQuery.optional(),
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          nextToken: z.string().min(1).max(2000).optional(),
        }),
      },
      responses: {
        200: { description: 'audit records', content: { 'application/json': { schema: AuditPageSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const { fromMs, toMs } = parseRange(q.from, q.to, maxReportDays);
      if (q.siteId !== undefined) siteOf(deps.sites, q.siteId);
      const page = await deps.audit.list(fromMs, toMs, {
        ...(q.siteId !== undefined ? { siteId: q.siteId } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.nextToken ? { nextToken: q.nextToken } : {}),
      });
      return c.json(page, 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['finance']),
      method: 'get',
      path: '/reports/pnl',
      operationId: 'pnlReport',
      tags: ['reports'],
      summary: 'P&L by UTC day or month',
      description:
        'Computed from the recorded (current) decisions, the stored real-time settlement prices and hashprice, with the DESIGN formulas. ' +
        'Intervals without a stored settlement price are counted in unpricedIntervals and left out of price-dependent amounts. ' +
        `from and to are dates (UTC midnight) or instants; at most ${maxReportDays} days.`,
      request: {
        query: z.object({
          siteId: siteIdQuery.optional().openapi({ description: 'One site; default every site' }),
          from: z.string().min(10).max(40).openapi({ example: '2024-07-01' }),
          to: z.string().min(10).max(40).openapi({ example: '2024-08-01' }),
          granularity: z.enum(['day', 'month']).default('day'),
        }),
      },
      responses: {
        200: { description: 'one row per site and period', content: { 'application/json': { schema: PnlReportSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const fromMs = parseInstantOrDay(q.from, 'from');
      const toMs = parseInstantOrDay(q.to, 'to');
      if (fromMs >= toMs) throw new ValidationError('query', [{ path: 'to', message: 'must be after from' }]);
      if (toMs - fromMs > maxReportDays * DAY_MS) throw new ValidationError('query', [{ path: 'to', message: `the range may span at most ${maxReportDays} days` }]);
      const items = await pnlReport(deps, { ...(q.siteId !== undefined ? { siteId: q.siteId } : {}), fromMs, toMs, granularity: q.granularity });
      return c.json({ granularity: q.granularity, currency: 'USD' as const, items }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['trader', 'finance']),
      method: 'get',
      path: '/bids',
      operationId: 'listBids',
      tags: ['bids'],
      summary: 'The day-ahead bids of an operating day',
      description: 'Per site: the energy bid curve of each hour and the ancillary-service offers, as prepared for the local operating day.',
      request: { query: z.object({ siteId: siteIdQuery.optional().openapi({ description: 'One site; default every site' }), date: utcDate.openapi({ description: 'The local operating day, YYYY-MM-DD' }) }) },
      responses: {
        200: { description: 'bids of the sites that have them for that day', content: { 'application/json': { schema: BidsListSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const sites = q.siteId !== undefined ? [siteOf(deps.sites, q.siteId)] : deps.sites;
      const found = await Promise.all(sites.map((s) => deps.bids.get(s.id, q.date)));
      return c.json({ items: found.filter((b) => b !== null) }, 200);
    },
  );

  return app;
}
