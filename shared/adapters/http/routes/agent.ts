/**
 * The site agent's routes (DESIGN §9), served by the agent-api Lambda: the dispatch plan it polls
 * (conditional GET) and the telemetry it posts. What is read back from the telemetry (actuals,
 * deployment performance) is a report: ./actuals.ts.
 */
import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AgentUseCases } from '#app/api.ts';
import { route } from '../route.ts';
import { DispatchPlanSchema, problemResponses, TelemetryBatchSchema, TelemetryResultSchema } from '../schemas.ts';

const siteParams = z.object({ siteId: z.string().min(1).max(64) });
const etagHeader = {
  ETag: { description: 'Send it back as If-None-Match: 304 while the plan is unchanged', schema: { type: 'string' as const } },
};

/** Does an If-None-Match header (a list of entity tags, or `*`) match this tag? Weak comparison (RFC 9110 §13.1.2). */
export function noneMatchHits(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => opaque(t) === opaque(etag));
}

export function agentRoutes(useCases: AgentUseCases) {
  return [
    route(
      {
        method: 'get',
        path: '/sites/{siteId}/dispatch',
        operationId: 'getSiteDispatch',
        tags: ['agent'],
        summary: 'What the site must do now and next',
        description:
          'The decided intervals from the one containing now: per mining load its threshold (or its forced MW and the cause: override, ' +
          "grid deployment, AS award, emergency, fail-safe), the hashprice and AS MW to hold; the site's loads, fail-safe, execution mode, " +
          'interconnect and AI contracted MW. The agent carries it out until validUntil, then the fail-safe. ' +
          'Conditional: with If-None-Match carrying the last ETag, 304 while nothing changed. An agent token may read only its own site.',
        roles: ['agent'],
        request: {
          params: siteParams,
          headers: z.object({ 'if-none-match': z.string().max(500).optional().meta({ description: 'The ETag last read' }) }),
        },
        responses: {
          200: { description: 'the plan', headers: etagHeader, content: { 'application/json': { schema: DispatchPlanSchema } } },
          304: { description: 'unchanged since the ETag sent', headers: etagHeader },
          ...problemResponses(400, 401, 403, 404, 429),
        },
      },
      async (_c, { params, headers }) => {
        const text = JSON.stringify(await useCases.siteDispatch({ siteId: params.siteId }));
        // The plan's own bytes name it: the same plan always has the same tag, whichever container serves it.
        const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 32)}"`;
        const common = { etag, 'cache-control': 'no-cache' };
        if (noneMatchHits(headers['if-none-match'], etag)) return new Response(null, { status: 304, headers: common });
        return new Response(text, { status: 200, headers: { ...common, 'content-type': 'application/json' } });
      },
    ),

    route(
      {
        method: 'post',
        path: '/sites/{siteId}/telemetry',
        operationId: 'postSiteTelemetry',
        tags: ['agent'],
        summary: 'Report what the site did: load samples and state changes',
        description:
          "Idempotent by (site, load, instant): a batch sent again (after a lost reply, or from the agent's disk queue) records nothing twice. " +
          'Each new state change publishes LoadCurtailed or LoadResumed. Every loadId must be a load of the site.',
        roles: ['agent'],
        request: { params: siteParams, body: TelemetryBatchSchema },
        responses: {
          200: { description: 'recorded (or already recorded)', content: { 'application/json': { schema: TelemetryResultSchema } } },
          ...problemResponses(400, 401, 403, 404, 413, 415, 429),
        },
      },
      async (c, { params, body }) => {
        const result = await useCases.recordTelemetry({
          siteId: params.siteId,
          samples: body.samples.map(({ at, ...s }) => ({ ...s, atMs: Date.parse(at) })),
          stateChanges: body.stateChanges.map(({ at, fleetSeconds, ...s }) => ({
            ...s,
            atMs: Date.parse(at),
            fleetMs: Math.round(fleetSeconds * 1000),
          })),
        });
        return c.json(result, 200);
      },
    ),
  ];
}
