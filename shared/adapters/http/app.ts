/**
 * The HTTP API: one Hono app, served by the `api` Lambda behind API Gateway and by the local
 * server — same app, same code.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '#ports/logger.ts';
import type { AppEnv, Authenticate } from './auth.ts';
import { errorHandler, problem, validationProblem } from './problems.ts';
import { coreRoutes, type CoreRouteDeps } from './routes/core.ts';

export interface ApiDeps extends CoreRouteDeps {
  authenticate: Authenticate;
  log: Logger;
  /** Origin allowed to call the API from a browser (a dashboard). */
  corsOrigin?: string;
  maxBodyBytes?: number;
}

export const API_VERSION = '1.0.0';

export function createApp(deps: ApiDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => {
      if (!result.success) return validationProblem(c, result.target, result.error.issues);
    },
  });
  app.onError(errorHandler(deps.log));
  app.notFound((c) => problem(c, 404, `no route for ${c.req.method} ${c.req.path}`));
  if (deps.corsOrigin) {
    app.use('*', cors({ origin: deps.corsOrigin, allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key'], exposeHeaders: ['ETag'] }));
  }
  app.use('*', bodyLimit({ maxSize: deps.maxBodyBytes ?? 64 * 1024, onError: (c) => problem(c, 413, `request body is larger than ${deps.maxBodyBytes ?? 64 * 1024} bytes`) }));

  app.route('/', coreRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Switchyard API', version: API_VERSION, description: 'Power-dispatch decisions, overrides, audit and reports.' },
  });
  return app;
}
