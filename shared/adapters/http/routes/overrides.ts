/** Trader overrides: create (idempotent with Idempotency-Key), list, read, cancel (If-Match). */
import * as z from 'zod';
import type { DeskUseCases } from '#app/api.ts';
import type { OverrideResult } from '#app/overrides.ts';
import type { Clock } from '#ports/clock.ts';
import { ALL_ROLES } from '../auth.ts';
import { ifMatchVersion } from '../params.ts';
import { etag } from '../problems.ts';
import { route } from '../route.ts';
import {
  OverrideCancelSchema,
  OverrideChangeSchema,
  OverrideCreateSchema,
  OverrideListSchema,
  OverrideSchema,
  problemResponses,
} from '../schemas.ts';
import { overrideView } from '../views.ts';

const idParam = z.object({ id: z.string().min(1).max(64) });
const etagHeader = { ETag: { description: 'The version, for If-Match', schema: { type: 'string' as const } } };

export function overrideRoutes(useCases: DeskUseCases, clock: Clock) {
  const change = (r: OverrideResult) => ({
    ...overrideView(r.override, clock.nowMs()),
    revisions: r.revisions,
    eventsUnsent: r.eventsFailed,
  });

  return [
    route(
      {
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
        roles: ['trader'],
        request: {
          params: z.object({ siteId: z.string().min(1).max(64) }),
          headers: z.object({
            'idempotency-key': z
              .string()
              .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1–255 visible ASCII characters')
              .optional()
              .meta({ description: 'Makes a retry safe: the same key and body return the same override (kept 24 h)' }),
          }),
          body: OverrideCreateSchema,
        },
        responses: {
          201: {
            description: 'created (or replayed)',
            headers: { ...etagHeader, Location: { description: 'The override', schema: { type: 'string' } } },
            content: { 'application/json': { schema: OverrideChangeSchema } },
          },
          ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429),
        },
      },
      async (c, { params, headers, body }) => {
        const result = await useCases.createOverride({
          siteId: params.siteId,
          author: c.get('principal').user,
          idempotencyKey: headers['idempotency-key'],
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
    ),

    route(
      {
        method: 'get',
        path: '/overrides',
        operationId: 'listOverrides',
        tags: ['overrides'],
        summary: 'Overrides of a site, or of every site',
        roles: ALL_ROLES,
        request: {
          query: z.object({
            siteId: z.string().min(1).max(64).optional(),
            active: z
              .enum(['true', 'false'])
              .optional()
              .meta({ description: 'true: not cancelled and not ended (in force or to come); false: the others' }),
          }),
        },
        responses: {
          200: { description: 'overrides, by window start', content: { 'application/json': { schema: OverrideListSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { query: q }) => {
        const items = await useCases.listOverrides({
          ...(q.siteId !== undefined ? { siteId: q.siteId } : {}),
          ...(q.active ? { active: q.active === 'true' } : {}),
        });
        const now = clock.nowMs();
        return c.json({ items: items.map((o) => overrideView(o, now)) }, 200);
      },
    ),

    route(
      {
        method: 'get',
        path: '/overrides/{id}',
        operationId: 'getOverride',
        tags: ['overrides'],
        summary: 'One override, with its version as ETag',
        roles: ALL_ROLES,
        request: { params: idParam },
        responses: {
          200: { description: 'the override', headers: etagHeader, content: { 'application/json': { schema: OverrideSchema } } },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (c, { params }) => {
        const o = await useCases.getOverride(params.id);
        c.header('ETag', etag(o.version));
        return c.json(overrideView(o, clock.nowMs()), 200);
      },
    ),

    route(
      {
        method: 'post',
        path: '/overrides/{id}/cancel',
        operationId: 'cancelOverride',
        tags: ['overrides'],
        summary: 'Cancel an override and re-decide the affected intervals',
        description:
          'Needs If-Match with the version last read (428 without it). A stale version, or losing to a concurrent change, is 412; ' +
          'an override that is already cancelled is 409.',
        roles: ['trader'],
        request: {
          params: idParam,
          headers: z.object({ 'if-match': z.string().max(100).optional().meta({ description: 'The ETag (version) last read, e.g. "1"' }) }),
          body: OverrideCancelSchema,
        },
        responses: {
          200: { description: 'cancelled', headers: etagHeader, content: { 'application/json': { schema: OverrideChangeSchema } } },
          ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 428, 429),
        },
      },
      async (c, { params, headers, body }) => {
        const expectedVersion = ifMatchVersion(headers['if-match']);
        const actor = c.get('principal').user;
        const result = await useCases.cancelOverride({ id: params.id, expectedVersion, actor, reason: body.reason });
        c.header('ETag', etag(result.override.version));
        return c.json(change(result), 200);
      },
    ),
  ];
}
