/** Trader overrides: create (idempotent with Idempotency-Key), list, read, cancel (If-Match). */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { cancelOverride, createOverride, getOverride, listOverrides, type OverrideDeps, type OverrideResult } from '#app/overrides.ts';
import { ALL_ROLES, access, type AppEnv } from '../auth.ts';
import type { ApiDeps } from '../deps.ts';
import { ifMatchVersion } from '../params.ts';
import { etag } from '../problems.ts';
import { OverrideCancelSchema, OverrideChangeSchema, OverrideCreateSchema, OverrideListSchema, OverrideSchema, problemResponses } from '../schemas.ts';
import { overrideView } from '../views.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const etagHeader = { ETag: { description: 'The version, for If-Match', schema: { type: 'string' as const } } };

export function overrideRoutes(deps: ApiDeps, useCases: OverrideDeps) {
  const app = new OpenAPIHono<AppEnv>();
  const change = (r: OverrideResult) => ({
    ...overrideView(r.override, deps.clock.nowMs()),
    revisions: r.revisions,
    eventsUnsent: r.eventsFailed,
  });

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['trader']),
      method: 'post',
      path: '/sites/{siteId}/overrides',
      operationId: 'createOverride',
      tags: ['overrides'],
      summary: 'Create an override and re-decide the affected intervals',
      description:
        'Forces RUN / CURTAIL / CAP (or RELEASE) for one load or every mining load of the site over [from, to). ' +
        'Intervals of the window that are decided and have not ended get a new revision (source OVERRIDE) at once; ' +
        'OverrideCreated and DecisionRevised events are published. With an Idempotency-Key, a retry with the same body returns the same override; ' +
        'the same key with another body is refused (422).',
      request: {
        params: z.object({ siteId: z.string().min(1).max(64) }),
        headers: z.object({
          'idempotency-key': z
            .string()
            .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters')
            .optional()
            .openapi({ description: 'Makes a retry safe: the same key and body return the same override (kept 24 h)' }),
        }),
        body: { required: true, content: { 'application/json': { schema: OverrideCreateSchema } } },
      },
      responses: {
        201: { description: 'created (or replayed)', headers: { ...etagHeader, Location: { description: 'The override', schema: { type: 'string' } } }, content: { 'application/json': { schema: OverrideChangeSchema } } },
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
      },
    }),
    async (c) => {
      const { siteId } = c.req.valid('param');
      const body = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const result = await createOverride(useCases, {
        siteId,
        author: c.get('principal').user,
        idempotencyKey: key,
        request: {
          action: body.action,
          loadId: body.loadId,
          capMw: body.capMw,
          fromMs: Date.parse(body.from),
          toMs: Date.parse(body.to),
          reason: body.reason,
          acknowledgeObligation: body.acknowledgeObligation,
        },
      });
      c.header('ETag', etag(result.override.version));
      c.header('Location', `/overrides/${result.override.id}`);
      if (result.replayed) c.header('Idempotent-Replayed', 'true');
      return c.json(change(result), 201);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/overrides',
      operationId: 'listOverrides',
      tags: ['overrides'],
      summary: 'Overrides of a site, or of every site',
      request: {
        query: z.object({
          siteId: z.string().min(1).max(64).optional(),
          active: z.enum(['true', 'false']).optional().openapi({ description: 'true: not cancelled and not ended (in force or to come); false: the others' }),
        }),
      },
      responses: {
        200: { description: 'overrides, by window start', content: { 'application/json': { schema: OverrideListSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const items = await listOverrides(useCases, { ...(q.siteId !== undefined ? { siteId: q.siteId } : {}), ...(q.active ? { active: q.active === 'true' } : {}) });
      const now = deps.clock.nowMs();
      return c.json({ items: items.map((o) => overrideView(o, now)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ALL_ROLES),
      method: 'get',
      path: '/overrides/{id}',
      operationId: 'getOverride',
      tags: ['overrides'],
      summary: 'One override, with its version as ETag',
      request: { params: idParam },
      responses: {
        200: { description: 'the override', headers: etagHeader, content: { 'application/json': { schema: OverrideSchema } } },
        ...problemResponses(400, 401, 403, 404, 429),
      },
    }),
    async (c) => {
      const o = await getOverride(useCases, c.req.valid('param').id);
      c.header('ETag', etag(o.version));
      return c.json(overrideView(o, deps.clock.nowMs()), 200);
    },
  );

  app.openapi(
    createRoute({
      ...access(deps.authenticate, ['trader']),
      method: 'post',
      path: '/overrides/{id}/cancel',
      operationId: 'cancelOverride',
      tags: ['overrides'],
      summary: 'Cancel an override and re-decide the affected intervals',
      description:
        'Needs If-Match with the version last read (428 without it). A stale version, or losing to a concurrent change, is 412; ' +
        'an override that is already cancelled is 409.',
      request: {
        params: idParam,
        headers: z.object({ 'if-match': z.string().max(100).optional().openapi({ description: 'The ETag (version) last read, e.g. "1"' }) }),
        body: { required: true, content: { 'application/json': { schema: OverrideCancelSchema } } },
      },
      responses: {
        200: { description: 'cancelled', headers: etagHeader, content: { 'application/json': { schema: OverrideChangeSchema } } },
        ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 428, 429),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const expectedVersion = ifMatchVersion(c.req.valid('header')['if-match']);
      const result = await cancelOverride(useCases, { id, expectedVersion, actor: c.get('principal').user, reason: c.req.valid('json').reason });
      c.header('ETag', etag(result.override.version));
      return c.json(change(result), 200);
    },
  );

  return app;
}
