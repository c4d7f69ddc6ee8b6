/**
 * Compliance evidence: the report (JSON or a printable page), a read served by the reports Lambda. The curtailment
 * capability tests it lists are scheduled through ./capability-tests.ts.
 */
import * as z from 'zod';
import type { ReportUseCases } from '#app/api.ts';
import { COMPLIANCE_RANGE_DAYS } from '#app/compliance.ts';
import { complianceHtml } from '#app/compliance-html.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { problemResponses } from '../schemas.ts';
import { ComplianceReportSchema } from './compliance-schemas.ts';

const siteId = z.string().min(1).max(64);
const day = (example: string) => z.string().min(10).max(40).meta({ description: 'A date (UTC midnight) or an ISO instant', example });
/** The page fetches nothing: inline styles only. */
const HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'";

export function complianceReportRoutes(useCases: ReportUseCases) {
  return [
    route(
      {
        method: 'get',
        path: '/reports/compliance',
        operationId: 'complianceReport',
        tags: ['reports'],
        summary: 'Compliance evidence of a site: large-load facts, grid deployments and emergencies, capability tests',
        description:
          'The Texas SB 6 large-load facts (≥ 75 MW, interconnect, backup generation against 50% of demand) from the sites file; ' +
          "every grid deployment and emergency that started in [from, to) with the MW asked, achieved and the time to achieve from the site agent's " +
          'telemetry; and the curtailment capability tests that started in it. Each row names the records it comes from. ' +
          `At most ${COMPLIANCE_RANGE_DAYS} days. format=html (or Accept: text/html) answers a self-contained printable page.`,
        roles: ['finance', 'operator', 'admin'],
        request: {
          query: z.object({
            siteId,
            from: day('2024-07-01'),
            to: day('2024-08-01'),
            format: z
              .enum(['json', 'html'])
              .optional()
              .meta({ description: 'Default json, or html when the Accept header asks for text/html' }),
          }),
        },
        responses: {
          200: {
            description: 'the report',
            content: {
              'application/json': { schema: ComplianceReportSchema },
              'text/html': { schema: z.string().meta({ description: 'A printable HTML page with no external assets' }) },
            },
          },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const report = await useCases.complianceReport({
          siteId: q.siteId,
          fromMs: parseInstantOrDay(q.from, 'from'),
          toMs: parseInstantOrDay(q.to, 'to'),
        });
        const html = q.format === 'html' || (q.format === undefined && /\btext\/html\b/.test(c.req.header('accept') ?? ''));
        if (!html) return c.json(report, 200);
        return new Response(complianceHtml(report), {
          headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': HTML_POLICY },
        });
      },
    ),
  ];
}
