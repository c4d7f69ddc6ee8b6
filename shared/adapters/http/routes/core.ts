/** GET /health, GET /sites. */
import * as z from 'zod';
import type { ApiUseCases } from '#app/api.ts';
import { ALL_ROLES } from '../auth.ts';
import { route } from '../route.ts';
import { SiteViewSchema, problemResponses } from '../schemas.ts';
import { siteView } from '../views.ts';

export function coreRoutes(useCases: ApiUseCases) {
  return [
    route(
      {
        method: 'get',
        path: '/health',
        operationId: 'health',
        tags: ['operations'],
        summary: 'Liveness',
        description: 'Anyone, without a token.',
        roles: 'public',
        // 429: the gateway throttles every route, this one included.
        responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } }, ...problemResponses(429) },
      },
      (c) => c.json({ status: 'ok' as const }, 200),
    ),

    route(
      {
        method: 'get',
        path: '/sites',
        operationId: 'listSites',
        tags: ['sites'],
        summary: 'The configured sites',
        roles: ALL_ROLES,
        responses: {
          200: { description: 'sites', content: { 'application/json': { schema: z.object({ items: z.array(SiteViewSchema) }) } } },
          ...problemResponses(401, 403, 429),
        },
      },
      (c) => c.json({ items: useCases.configuredSites().map(siteView) }, 200),
    ),
  ];
}
