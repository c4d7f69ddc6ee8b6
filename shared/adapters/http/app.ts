/**
 * The HTTP API: one Hono app, served by the `api` Lambda behind API Gateway and by the local
 * server — same app, same code. It is given its use cases (deps.ts); the api function and the
 * local server build them.
 */
// Hono's `tiny` preset (its PatternRouter): the smallest router, plenty for fifteen routes, and 6 KB off the api bundle.

import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { Hono } from 'hono/tiny';
import type { AppEnv } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { errorHandler, problem } from './problems.ts';
import { mountRoute, type Route } from './route.ts';
import { agentRoutes } from './routes/agent.ts';
import { coreRoutes } from './routes/core.ts';
import { decisionRoutes } from './routes/decisions.ts';
import { emissionsRoutes } from './routes/emissions.ts';
import { financeRoutes } from './routes/finance.ts';
import { overrideRoutes } from './routes/overrides.ts';
import { runRoutes } from './routes/runs.ts';

export type { ApiDeps } from './deps.ts';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** Every route the API serves, in the order the document lists them. */
export function apiRoutes(deps: Pick<ApiDeps, 'useCases' | 'clock' | 'localRoutes'>): Route[] {
  const { useCases, clock } = deps;
  return [
    ...(deps.localRoutes ?? []),
    ...coreRoutes(useCases),
    ...decisionRoutes(useCases),
    ...overrideRoutes(useCases, clock),
    ...financeRoutes(useCases),
    ...emissionsRoutes(useCases),
    ...runRoutes(useCases, clock),
    ...agentRoutes(useCases),
  ];
}

/** `/sites/{siteId}/decisions` as a pattern of concrete paths (a parameter is one path segment). */
function patternOf(path: string): RegExp {
  const parts = path.split(/\{[^}]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, (ch) => `\\${ch}`));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

export function createApp(deps: ApiDeps) {
  const maxBody = deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const app = new Hono<AppEnv>();
  const routes = apiRoutes(deps);
  app.onError(errorHandler(deps.log));
  // A path the API serves, asked with a method it does not take, is 405 with the methods it does (Allow).
  const allowed = (path: string): string[] => {
    const methods = new Set<string>();
    for (const r of routes) if (patternOf(r.spec.path).test(path)) methods.add(r.spec.method.toUpperCase());
    if (path === '/openapi.json') methods.add('GET');
    return [...methods];
  };
  app.notFound((c) => {
    const methods = allowed(c.req.path);
    if (methods.length > 0 && !methods.includes(c.req.method)) {
      const allow = methods.join(', ');
      return problem(c, 405, `${c.req.method} is not allowed on ${c.req.path} (allowed: ${allow})`, undefined, { allow });
    }
    return problem(c, 404, `no route for ${c.req.method} ${c.req.path}`);
  });
  if (deps.corsOrigin) {
    app.use(
      '*',
      cors({
        origin: deps.corsOrigin,
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key'],
        exposeHeaders: ['ETag', 'Location', 'Idempotent-Replayed', 'Retry-After'],
        maxAge: 600,
      }),
    );
  }
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBody,
      onError: (c) =>
        problem(c, 413, `request body is larger than ${maxBody} bytes`, [{ path: 'body', message: `must be at most ${maxBody} bytes` }]),
    }),
  );

  for (const r of routes) mountRoute(app, r, deps.authenticate);
  let document: string | undefined;
  app.get('/openapi.json', () => {
    document ??= deps.openApiDocument(routes);
    return new Response(document, { headers: { 'content-type': 'application/json' } });
  });
  deps.mountLocal?.(app);
  return app;
}
