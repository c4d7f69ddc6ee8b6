/** GET /health, GET /sites, GET /sites/{siteId}/decisions. */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { NotFoundError, ValidationError } from '#domain/errors.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS } from '#domain/time.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import { ALL_ROLES, requireRole, type AppEnv, type Authenticate } from '../auth.ts';
import { DecisionSchema, SiteSchema, isoInstant, problemResponses } from '../schemas.ts';

export interface CoreRouteDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
  authenticate: Authenticate;
  /** The widest [from, to) one JSON request may ask for. */
  maxRangeDays?: number;
}

const security = [{ bearerAuth: [] }];

export function siteOr404(sites: readonly Site[], siteId: string): Site {
  const site = sites.find((s) => s.id === siteId);
  if (!site) throw new NotFoundError(`unknown site "${siteId}"`);
  return site;
}

/** Parses a [from, to) range of ISO instants; names the failing parameter. */
export function parseRange(from: string, to: string, maxDays: number): { fromMs: number; toMs: number } {
  const fromMs = Date.parse(from);
  const toMs = Date.parse(to);
  if (fromMs >= toMs) throw new ValidationError('query', [{ path: 'to', message: 'must be after from' }]);
  if (toMs - fromMs > maxDays * DAY_MS) throw new ValidationError('query', [{ path: 'to', message: `the range may span at most ${maxDays} days` }]);
  return { fromMs, toMs };
}

export function coreRoutes(deps: CoreRouteDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const maxDays = deps.maxRangeDays ?? 31;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/health',
      summary: 'Liveness',
      responses: { 200: { description: 'ok', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } } },
    }),
    (c) => c.json({ status: 'ok' as const }, 200),
  );

  app.use('/sites', requireRole(deps.authenticate, ALL_ROLES));
  app.use('/sites/*', requireRole(deps.authenticate, ALL_ROLES));

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sites',
      summary: 'The configured sites',
      security,
      responses: {
        200: { description: 'sites', content: { 'application/json': { schema: z.object({ items: z.array(SiteSchema) }) } } },
        ...problemResponses(401, 403),
      },
    }),
    (c) => c.json({ items: [...deps.sites] as z.infer<typeof SiteSchema>[] }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/sites/{siteId}/decisions',
      summary: "A site's current decisions in [from, to)",
      security,
      request: {
        params: z.object({ siteId: z.string().min(1) }),
        query: z.object({
          from: isoInstant,
          to: isoInstant,
          limit: z.coerce.number().int().min(1).max(1000).optional(),
          nextToken: z.string().optional(),
          source: z.enum(['AUTO', 'OVERRIDE']).optional(),
          reason: z.string().min(1).optional(),
        }),
      },
      responses: {
        200: {
          description: 'current revision per interval, ascending',
          content: { 'application/json': { schema: z.object({ items: z.array(DecisionSchema), nextToken: z.string().optional() }) } },
        },
        ...problemResponses(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { siteId } = c.req.valid('param');
      const q = c.req.valid('query');
      siteOr404(deps.sites, siteId);
      const { fromMs, toMs } = parseRange(q.from, q.to, maxDays);
      const page = await deps.decisions.bySite(siteId, fromMs, toMs, {
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.nextToken ? { nextToken: q.nextToken } : {}),
        ...(q.source ? { source: q.source } : {}),
        ...(q.reason ? { reason: q.reason } : {}),
      } as never);
      return c.json(page as never, 200);
    },
  );

  return app;
}
