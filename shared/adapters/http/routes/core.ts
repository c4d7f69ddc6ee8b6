/** GET /health, GET /sites. */
import * as z from 'zod';
import type { DeskUseCases } from '#app/api.ts';
import { ALL_ROLES } from '../auth.ts';
import { route } from '../route.ts';
import { HealthSchema, problemResponses, SiteViewSchema } from '../schemas.ts';
import { siteView } from '../views.ts';

/** What a caller of /health is told to wait while the store is down (the local runtime restarts it within seconds). */
const HEALTH_RETRY_AFTER_SECONDS = 5;

export function coreRoutes(useCases: DeskUseCases) {
  return [
    route(
      {
        method: 'get',
        path: '/health',
        operationId: 'health',
        tags: ['operations'],
        summary: 'Health of each part the API depends on',
        description:
          'Anyone, without a token. The store, the event bus and the freshness of each feed. 200 when the API can serve (a stale feed is ' +
          '`degraded`); 503 with the same body and `Retry-After` when a part it needs (the store) is down.',
        roles: 'public',
        // 429: the gateway throttles every route, this one included.
        responses: {
          200: { description: 'the API can serve', content: { 'application/json': { schema: HealthSchema } } },
          503: { description: 'a part the API needs is down', content: { 'application/json': { schema: HealthSchema } } },
          ...problemResponses(429),
        },
      },
      async (c) => {
        const report = await useCases.healthReport();
        if (report.status === 'down') return c.json(report, 503, { 'retry-after': String(HEALTH_RETRY_AFTER_SECONDS) });
        return c.json(report, 200);
      },
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
