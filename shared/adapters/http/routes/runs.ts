/** Operations: recent runs, and a run triggered by hand. */
import * as z from 'zod';
import type { DeskUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import { route } from '../route.ts';
import { problemResponses, RunListSchema, RunRequestSchema, RunSummarySchema } from '../schemas.ts';

export function runRoutes(useCases: DeskUseCases, clock: Clock) {
  return [
    route(
      {
        method: 'get',
        path: '/runs',
        operationId: 'listRuns',
        tags: ['operations'],
        summary: 'Recent runs, newest first',
        roles: ['operator', 'admin'],
        request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(24) }) },
        responses: {
          200: { description: 'runs', content: { 'application/json': { schema: RunListSchema } } },
          ...problemResponses(400, 401, 403, 429),
        },
      },
      async (c, { query }) => c.json({ items: await useCases.recentRuns(query.limit) }, 200),
    ),

    route(
      {
        method: 'post',
        path: '/runs',
        operationId: 'triggerRun',
        tags: ['operations'],
        summary: 'Decide one hour now',
        description:
          'Runs the engine for the hour containing `at` (default: now) for every site, as the scheduled run does; intervals already decided are left as they are.',
        roles: ['operator'],
        request: { body: RunRequestSchema },
        responses: {
          200: { description: 'what the run did', content: { 'application/json': { schema: RunSummarySchema } } },
          ...problemResponses(400, 401, 403, 413, 415, 429),
        },
      },
      async (c, { body }) => {
        const atMs = body.at !== undefined ? Date.parse(body.at) : clock.nowMs();
        const summary = await useCases.triggerRun({ atMs, trigger: `api:${c.get('principal').user}` });
        return c.json(summary, 200);
      },
    ),
  ];
}
