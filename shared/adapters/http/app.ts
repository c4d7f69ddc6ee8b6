/**
 * The HTTP API: one Hono app, served by the `api` Lambda behind API Gateway and by the local
 * server — same app, same code.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { bodyLimit } from 'hono/body-limit';
import type { OverrideDeps } from '#app/overrides.ts';
import { runInterval } from '#app/run-interval.ts';
import { runDeps } from '#app/scheduled-run.ts';
import type { AppEnv } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { errorHandler, problem, validationProblem } from './problems.ts';
import { coreRoutes } from './routes/core.ts';
import { decisionRoutes } from './routes/decisions.ts';
import { financeRoutes } from './routes/finance.ts';
import { overrideRoutes } from './routes/overrides.ts';
import { runRoutes } from './routes/runs.ts';

export type { ApiDeps } from './deps.ts';

export const API_VERSION = '1.0.0';
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

export function createApp(deps: ApiDeps) {
  // The engine's dependencies: re-decisions are made exactly as scheduled runs make decisions.
  const engine = runDeps({
    sites: deps.sites,
    repos: { decisions: deps.decisions, marketData: deps.marketData, runs: deps.runs, overrides: deps.overrides },
    publisher: deps.publisher,
    clock: deps.clock,
    log: deps.log,
    ...(deps.demo !== undefined ? { demo: deps.demo } : {}),
  });
  const overrideDeps: OverrideDeps = { ...engine, audit: deps.audit, idempotency: deps.idempotency };
  const triggerRun = deps.triggerRun ?? ((req) => runInterval(engine, req));
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.target, result.error.issues);
    },
  });
  app.onError(errorHandler(deps.log));
  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  if (deps.corsOrigin) {
    app.use(
      '*',
      cors({
        origin: deps.corsOrigin,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key'],
        exposeHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  app.use('*', bodyLimit({ maxSize: maxBody, onError: (c) => problem(c, 413, `request body is larger than ${maxBody} bytes`, [{ path: 'body', message: `must be at most ${maxBody} bytes` }]) }));

  app.route('/', coreRoutes(deps));
  app.route('/', decisionRoutes(deps));
  app.route('/', overrideRoutes(deps, overrideDeps));
  app.route('/', financeRoutes(deps));
  app.route('/', runRoutes(deps, triggerRun));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'Roles come from the groups claim (cognito:groups): trader, finance, admin, operator. Each operation lists its roles in x-roles.',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: API_VERSION,
      description: 'Power-dispatch decisions, trader overrides, the audit trail, finance reports and day-ahead bids. Errors are application/problem+json (RFC 9457).',
      // OpenAPI 3.1 licence by SPDX identifier (the generator's config type predates the field).
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as { name: string },
    },
    servers: [{ url: '/', description: 'this deployment' }],
    tags: [
      { name: 'operations', description: 'Health and engine runs' },
      { name: 'sites', description: 'Configured sites' },
      { name: 'decisions', description: 'The decision log' },
      { name: 'overrides', description: 'Trader overrides' },
      { name: 'audit', description: 'The append-only audit trail' },
      { name: 'reports', description: 'Finance reports' },
      { name: 'bids', description: 'Day-ahead bids' },
    ],
  });
  return app;
}
