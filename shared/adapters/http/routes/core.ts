/** GET /health, GET /sites. */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { ALL_ROLES, access, type AppEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { SiteSchema, problemResponses } from '../schemas.ts';

export function coreRoutes(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      operationId: 'health',
      tags: ['operations'],
      summary: 'Liveness',
      description: 'Anyone, without a token.',
      security: [],
      // 429: the gateway throttles every route, this one included.
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } }, ...problemResponses(429) },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/sites',
      operationId: 'listSites',
      tags: ['sites'],
      summary: 'The configured sites',
      responses: {
        200: { description: 'sites', content: { 'application/json': { schema: z.object({ items: z.array(SiteSchema) }) } } },
        ...problemResponses(401, 403, 429),
      },
    }),
    (c) => c.json({ items: [...deps.sites] as z.infer<typeof SiteSchema>[] }, 200),
  );

  return app;
}
