/** Finance and trading reads: the audit trail, the P&L report, the day-ahead bids. */
import * as z from 'zod';
import type { ReportUseCases } from '#app/api.ts';
import { RANGE_LIMITS_DAYS } from '#app/queries/range.ts';
import { csvDownload, csvTable } from '../csv.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { AuditPageSchema, BidsListSchema, isoInstant, PnlReportSchema, PnlRowSchema, problemResponses, utcDate } from '../schemas.ts';

const siteIdQuery = z.string().min(1).max(64);
const format = z.enum(['json', 'csv']).default('json').meta({ description: 'csv: RFC 4180 with a header row, for a download' });
const csvContent = { 'text/csv': { schema: z.string().meta({ description: 'RFC 4180 CSV with a header row' }) } };

/** The audit CSV's columns; `before` and `after` are JSON in their cells. */
const AUDIT_COLUMNS = ['id', 'at', 'actor', 'action', 'entity_type', 'entity_id', 'site_id', 'reason', 'before', 'after'] as const;
type PnlRowView = z.infer<typeof PnlRowSchema>;
/** The P&L CSV's columns: the JSON row's fields, named as in the JSON, with `actual`'s fields flattened (`actual.mwh`). */
const PNL_SCALARS = (Object.keys(PnlRowSchema.shape) as (keyof PnlRowView)[]).filter((k) => k !== 'actual');
const ACTUAL_FIELDS = ['loadIntervals', 'plannedMwh', 'mwh', 'energyCostUsd', 'miningRevenueUsd', 'netMarginUsd'] as const;
const PNL_COLUMNS = [...PNL_SCALARS, ...ACTUAL_FIELDS.map((k) => `actual.${k}`)];
const pnlCells = (r: PnlRowView): unknown[] => [...PNL_SCALARS.map((k) => r[k]), ...ACTUAL_FIELDS.map((k) => r.actual?.[k] ?? null)];

export function financeRoutes(useCases: ReportUseCases) {
  const maxReportDays = RANGE_LIMITS_DAYS.report;
  return [
    route(
      {
        method: 'get',
        path: '/audit',
        operationId: 'listAudit',
        tags: ['audit'],
        summary: 'The audit trail in [from, to)',
        description:
          `Append-only records of every override change (who, when, what, why, before and after), oldest first; at most ${maxReportDays} days per request. ` +
          'The API has no way to change them. format=csv answers every record of the range (limit and nextToken ignored).',
        roles: ['finance', 'admin'],
        request: {
          query: z.object({
            from: isoInstant,
            to: isoInstant,
            siteId: siteIdQuery.optional(),
            limit: z.coerce.number().int().min(1).max(1000).optional(),
            nextToken: z.string().min(1).max(2000).optional(),
            format,
          }),
        },
        responses: {
          200: { description: 'audit records', content: { 'application/json': { schema: AuditPageSchema }, ...csvContent } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const range = { fromMs: Date.parse(q.from), toMs: Date.parse(q.to), ...(q.siteId !== undefined ? { siteId: q.siteId } : {}) };
        if (q.format === 'csv') {
          const rows: unknown[][] = [];
          let nextToken: string | undefined;
          do {
            const page = await useCases.auditTrail({ ...range, limit: 1000, ...(nextToken ? { nextToken } : {}) });
            for (const a of page.items)
              rows.push([a.id, a.at, a.actor, a.action, a.entity.type, a.entity.id, a.siteId, a.reason, a.before, a.after]);
            nextToken = page.nextToken;
          } while (nextToken);
          return csvDownload(`audit-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv`, csvTable(AUDIT_COLUMNS, rows));
        }
        const page = await useCases.auditTrail({
          ...range,
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
            format,
          }),
        },
        responses: {
          200: { description: 'one row per site and period', content: { 'application/json': { schema: PnlReportSchema }, ...csvContent } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const fromMs = parseInstantOrDay(q.from, 'from');
        const toMs = parseInstantOrDay(q.to, 'to');
        const site = q.siteId !== undefined ? { siteId: q.siteId } : {};
        const items = await useCases.pnlReport({ ...site, fromMs, toMs, granularity: q.granularity });
        if (q.format === 'csv') {
          const name = `pnl-${q.siteId ?? 'all'}-${q.granularity}-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv`;
          return csvDownload(name, csvTable(PNL_COLUMNS, items.map(pnlCells)));
        }
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
        description:
          'Per site: the energy bid curve of each hour and the ancillary-service offers, as prepared for the local operating day.',
        roles: ['trader', 'finance'],
        request: {
          query: z.object({
            siteId: siteIdQuery.optional().meta({ description: 'One site; default every site' }),
            date: utcDate.meta({ description: 'The local operating day, YYYY-MM-DD' }),
          }),
        },
        responses: {
          200: {
            description: 'bids of the sites that have them for that day',
            content: { 'application/json': { schema: BidsListSchema } },
          },
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
