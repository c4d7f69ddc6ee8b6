/** Operations: recent runs, and a run triggered by hand. */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { RunRequest, RunSummary } from '#app/run-interval.ts';
import { access, type AppEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { RunListSchema, RunRequestSchema, RunSummarySchema, problemResponses } from '../schemas.ts';

export function runRoutes(deps: ApiDeps, triggerRun: (req: RunRequest) => Promise<RunSummary>) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['operator', 'admin']),
      method: 'get',
      path: '/runs',
      operationId: 'listRuns',
      tags: ['operations'],
      summary: 'Recent runs, newest first',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(200).default(24) }) },
      responses: {
        200: { description: 'runs', content: { 'application/json': { schema: RunListSchema } } },
        ...problemResponses(400, 401, 403, 429),
      },
    }),
    async (c) => c.json({ items: await deps.runs.recent(c.req.valid('query').limit) }, 200),
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['operator']),
      method: 'post',
      path: '/runs',
      operationId: 'triggerRun',
      tags: ['operations'],
      summary: 'Decide one hour now',
      description: 'Runs the engine for the hour containing `at` (default: now) for every site, as the scheduled run does; intervals already decided are left as they are.',
      request: { body: { required: true, content: { 'application/json': { schema: RunRequestSchema } } } },
      responses: {
        200: { description: 'what the run did', content: { 'application/json': { schema: RunSummarySchema } } },
        ...problemResponses(400, 401, 403, 413, 415, 429),
      },
    }),
    async (c) => {
      const { at } = c.req.valid('json');
      const summary = await triggerRun({ atMs: at !== undefined ? Date.parse(at) : deps.clock.nowMs(), trigger: `api:${c.get('principal').user}` });
      return c.json(summary, 200);
    },
  );

  return app;
}
