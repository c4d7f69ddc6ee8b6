/** Finance and trading reads: the audit trail, the P&L report, the day-ahead bids. */
import * as z from 'zod';
import type { ApiUseCases } from '#app/api.ts';
import { RANGE_LIMITS_DAYS } from '#app/queries/range.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { AuditPageSchema, BidsListSchema, PnlReportSchema, isoInstant, problemResponses, utcDate } from '../schemas.ts';

const siteIdQuery = z.string().min(1).max(64);

export function financeRoutes(useCases: ApiUseCases) {
  const maxReportDays = RANGE_LIMITS_DAYS.report;
  return [
    route(
      {
        method: 'get',
        path: '/audit',
        operationId: 'listAudit',
        tags: ['audit'],
        summary: 'The audit trail in [from, to)',
        description: `Append-only records of every override change (who, when, what, why, before and after), oldest first; at most ${maxReportDays} days per request. The API has no way to change them.`,
        roles: ['finance', 'admin'],
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
      },
      async (c, { query: q }) => {
        const page = await useCases.auditTrail({
          fromMs: Date.parse(q.from),
          toMs: Date.parse(q.to),
          ...(q.siteId !== undefined ? { siteId: q.siteId } : {}),
          ...(q.limit ? { limit: q.limit } : {}),
          ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        });
        return c.json(page, 200);
      },
    ),

    route(
      {
        method: 'get',
        path: '/reports/pnl',
        operationId: 'pnlReport',
        tags: ['reports'],
        summary: 'P&L by UTC day or month',
        description:
          'Computed from the recorded (current) decisions, the stored real-time settlement prices and hashprice, with the DESIGN formulas. ' +
          'Intervals without a stored settlement price are counted in unpricedIntervals and left out of price-dependent amounts. ' +
          `from and to are dates (UTC midnight) or instants; at most ${maxReportDays} days.`,
        roles: ['finance'],
        request: {
          query: z.object({
            siteId: siteIdQuery.optional().meta({ description: 'One site; default every site' }),
            from: z.string().min(10).max(40).meta({ example: '2024-07-01' }),
            to: z.string().min(10).max(40).meta({ example: '2024-08-01' }),
            granularity: z.enum(['day', 'month']).default('day'),
          }),
        },
        responses: {
          200: { description: 'one row per site and period', content: { 'application/json': { schema: PnlReportSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const fromMs = parseInstantOrDay(q.from, 'from');
        const toMs = parseInstantOrDay(q.to, 'to');
        const site = q.siteId !== undefined ? { siteId: q.siteId } : {};
        const items = await useCases.pnlReport({ ...site, fromMs, toMs, granularity: q.granularity });
        return c.json({ granularity: q.granularity, currency: 'USD' as const, items }, 200);
      },
    ),

    route(
      {
        method: 'get',
        path: '/bids',
        operationId: 'listBids',
        tags: ['bids'],
        summary: 'The day-ahead bids of an operating day',
        description: 'Per site: the energy bid curve of each hour and the ancillary-service offers, as prepared for the local operating day.',
        roles: ['trader', 'finance'],
        request: {
          query: z.object({
            siteId: siteIdQuery.optional().meta({ description: 'One site; default every site' }),
            date: utcDate.meta({ description: 'The local operating day, YYYY-MM-DD' }),
          }),
        },
        responses: {
          200: { description: 'bids of the sites that have them for that day', content: { 'application/json': { schema: BidsListSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const items = await useCases.bidsOfDay({ date: q.date, ...(q.siteId !== undefined ? { siteId: q.siteId } : {}) });
        return c.json({ items }, 200);
      },
    ),
  ];
}
