/**
 * The OpenAPI 3.1 document of the routes the app serves, generated from their definitions (route.ts)
 * by zod-to-openapi, which reads zod's own metadata (`.meta()`): zod is used as zod documents it,
 * never extended. Built once, on the first request for it.
 */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Route } from './route.ts';

export const API_VERSION = '1.0.0';

const TAGS = [
  { name: 'operations', description: 'Health and engine runs' },
  { name: 'sites', description: 'Configured sites' },
  { name: 'decisions', description: 'The decision log' },
  { name: 'overrides', description: 'Trader overrides' },
  { name: 'audit', description: 'The append-only audit trail' },
  { name: 'reports', description: 'Finance reports' },
  { name: 'bids', description: 'Day-ahead bids' },
];

function operation({ spec }: Route): RouteConfig {
  const { roles, request = {}, ...rest } = spec;
  return {
    ...rest,
    ...(roles === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }], 'x-roles': [...roles] }),
    request: {
      ...(request.params ? { params: request.params as NonNullable<RouteConfig['request']>['params'] } : {}),
      ...(request.query ? { query: request.query as NonNullable<RouteConfig['request']>['query'] } : {}),
      ...(request.headers ? { headers: request.headers as NonNullable<RouteConfig['request']>['headers'] } : {}),
      ...(request.body ? { body: { required: true, content: { 'application/json': { schema: request.body } } } } : {}),
    },
  };
}

export function openApiDocument(routes: readonly Route[]): object {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description:
      'Roles come from the groups claim (cognito:groups): trader, finance, admin, operator. Each operation lists its roles in x-roles.',
  });
  for (const r of routes) registry.registerPath(operation(r));
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: API_VERSION,
      description:
        'Power-dispatch decisions, trader overrides, the audit trail, finance reports and day-ahead bids. ' +
        'Errors are application/problem+json (RFC 9457).',
      // OpenAPI 3.1 licence by SPDX identifier (the generator's config type predates the field).
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' } as { name: string },
    },
    servers: [{ url: '/', description: 'this deployment' }],
    tags: TAGS,
  });
}
