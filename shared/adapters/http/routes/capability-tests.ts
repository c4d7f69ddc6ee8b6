/** The curtailment capability tests an operator runs, served by the desk's Lambda (scheduling one is an override). */
import * as z from 'zod';
import type { DeskUseCases } from '#app/api.ts';
import { CAPABILITY_RANGE_DAYS, type CapabilityTestView } from '#app/capability-tests.ts';
import { ALL_ROLES } from '../auth.ts';
import { parseInstantOrDay } from '../params.ts';
import { route } from '../route.ts';
import { problemResponses } from '../schemas.ts';
import { CapabilityTestCreateSchema, CapabilityTestListSchema, CapabilityTestSchema } from './capability-test-schemas.ts';

const siteId = z.string().min(1).max(64);
const day = (example: string) => z.string().min(10).max(40).meta({ description: 'A date (UTC midnight) or an ISO instant', example });
const idempotencyKey = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters')
  .optional()
  .meta({ description: 'Makes a retry safe: the same key and body return the same test (kept 24 h)' });

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
        description: `By start; an ended test shows its recorded result, a running one what its telemetry shows so far. At most ${CAPABILITY_RANGE_DAYS} days.`,
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
