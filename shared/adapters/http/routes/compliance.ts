/**
 * Compliance evidence: the report (JSON or a printable page), a read served by the reports Lambda, and the curtailment
 * capability tests an operator runs, served by the desk's (scheduling one is an override).
 */
import * as z from 'zod';
import type { DeskUseCases, ReportUseCases } from '#app/api.ts';
import type { CapabilityTestView } from '#app/capability-tests.ts';
import { COMPLIANCE_RANGE_DAYS } from '#app/compliance.ts';
import { complianceHtml } from '#app/compliance-html.ts';
import { ALL_ROLES } from '../auth.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { problemResponses } from '../schemas.ts';
import {
  CapabilityTestCreateSchema,
  CapabilityTestListSchema,
  CapabilityTestSchema,
  ComplianceReportSchema,
} from './compliance-schemas.ts';

const siteId = z.string().min(1).max(64);
const day = (example: string) => z.string().min(10).max(40).meta({ description: 'A date (UTC midnight) or an ISO instant', example });
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters')
  .optional()
  .meta({ description: 'Makes a retry safe: the same key and body return the same test (kept 24 h)' });
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

export function capabilityTestRoutes(useCases: DeskUseCases) {
  return [
    route(
      {
        method: 'post',
        path: '/sites/{siteId}/capability-tests',
        operationId: 'createCapabilityTest',
        tags: ['operations'],
        summary: 'Schedule a curtailment capability test: put a share of the mining fleet to sleep for a window',
        description:
          "Carried out as a site-wide CAP override at the fleet's nameplate less `percent` over [startAt, startAt + minutes), labelled with the " +
          "test's id: audited, re-decided at once and in the dispatch plan the site agent polls, like any forced state. After the window the " +
          "response measured by the agent's telemetry is recorded on the test (MW before, asked, achieved, seconds to achieve, pass/fail). " +
          'With an Idempotency-Key, a retry with the same body returns the same test; the same key with another body is refused (422).',
        roles: ['operator', 'admin'],
        request: {
          params: z.object({ siteId }),
          headers: z.object({ 'idempotency-key': idempotencyKey }),
          body: CapabilityTestCreateSchema,
        },
        responses: {
          201: {
            description: 'scheduled (or replayed)',
            headers: { Location: { description: 'The test', schema: { type: 'string' } } },
            content: { 'application/json': { schema: CapabilityTestSchema } },
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
      async (c, { params, headers, body }) => {
        const { test, replayed } = await useCases.scheduleCapabilityTest({
          siteId: params.siteId,
          author: c.get('principal').user,
          idempotencyKey: headers['idempotency-key'],
          request: {
            startMs: Date.parse(body.startAt),
            minutes: body.minutes,
            percent: body.percent,
            tolerancePct: body.tolerancePct,
            ...(body.reason !== undefined ? { reason: body.reason } : {}),
          },
        });
        c.header('Location', `/sites/${test.siteId}/capability-tests/${test.id}`);
        if (replayed) c.header('Idempotent-Replayed', 'true');
        return c.json(test satisfies CapabilityTestView, 201);
      },
    ),

    route(
      {
        method: 'get',
        path: '/sites/{siteId}/capability-tests',
        operationId: 'listCapabilityTests',
        tags: ['operations'],
        summary: "A site's capability tests that start in [from, to)",
        description: `By start; an ended test shows its recorded result, a running one what its telemetry shows so far. At most ${COMPLIANCE_RANGE_DAYS} days.`,
        roles: ALL_ROLES,
        request: { params: z.object({ siteId }), query: z.object({ from: day('2024-07-01'), to: day('2024-08-01') }) },
        responses: {
          200: { description: 'the tests', content: { 'application/json': { schema: CapabilityTestListSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params, query: q }) => {
        const items = await useCases.listCapabilityTests({
          siteId: params.siteId,
          fromMs: parseInstantOrDay(q.from, 'from'),
          toMs: parseInstantOrDay(q.to, 'to'),
        });
        return c.json({ items }, 200);
      },
    ),

    route(
      {
        method: 'get',
        path: '/sites/{siteId}/capability-tests/{id}',
        operationId: 'getCapabilityTest',
        tags: ['operations'],
        summary: 'One capability test with its measured response',
        roles: ALL_ROLES,
        request: { params: z.object({ siteId, id: z.string().min(1).max(64) }) },
        responses: {
          200: { description: 'the test', content: { 'application/json': { schema: CapabilityTestSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params }) => c.json(await useCases.getCapabilityTest({ siteId: params.siteId, id: params.id }), 200),
    ),
  ];
}
