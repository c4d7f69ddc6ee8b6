/**
 * The OpenAPI 3.1 document of the routes the app serves, generated from their definitions (route.ts)
 * with zod's own JSON Schema conversion (`z.toJSONSchema`, whose output is the schema dialect of
 * OpenAPI 3.1). zod's metadata (`.meta()`) documents the schemas: `id` names a component of the
 * document, `description` and `example` are copied into the schema. Request parts are described
 * as zod parses them (input), responses as the app sends them (output). The local server builds it
 * on the first request for it; the api Lambda serves the copy written at build time beside its
 * bundle (infra/openapi-file.ts), so that neither this module nor zod's converter is in the bundle.
 */
import * as z from 'zod';
import type { ResponseDoc, Route } from './route.ts';

export const API_VERSION = '1.0.0';

const TAGS = [
  { name: 'operations', description: 'Health and engine runs' },
  { name: 'sites', description: 'Configured sites' },
  { name: 'decisions', description: 'The decision log' },
  { name: 'overrides', description: 'Trader overrides' },
  { name: 'audit', description: 'The append-only audit trail' },
  { name: 'reports', description: 'Finance reports' },
  { name: 'bids', description: 'Day-ahead bids' },
  {
    name: 'agent',
    description: 'The site agent: its dispatch plan, its telemetry, and the actuals and deployment performance read from it',
  },
];

type JsonSchema = Record<string, unknown>;

/** Converts schemas into one components section: every schema with a meta `id` once, referenced by `$ref` elsewhere. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  schema(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const {
      $schema: _s,
      $defs,
      ...root
    } = z.toJSONSchema(s, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema & {
      $defs?: Record<string, JsonSchema>;
    };
    for (const [id, def] of Object.entries($defs ?? {})) this.schemas[id] ??= relink(def) as JsonSchema;
    const id = z.globalRegistry.get(s)?.id;
    if (typeof id === 'string' && root.$ref === undefined) {
      this.schemas[id] ??= relink(root) as JsonSchema;
      return { $ref: `#/components/schemas/${id}` };
    }
    return relink(root) as JsonSchema;
  }
}

/** `#/$defs/X` (zod's local definitions) → `#/components/schemas/X`, everywhere in a converted schema. */
function relink(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(relink);
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    out[k] = k === '$ref' && typeof x === 'string' ? x.replace(/^#\/\$defs\//, '#/components/schemas/') : relink(x);
  }
  return out;
}

/** The properties of an object schema as OpenAPI parameters: required as zod requires them, the description on the parameter. */
function parameters(c: Components, where: 'path' | 'query' | 'header', schema: z.ZodType | undefined): object[] {
  if (!schema) return [];
  const obj = c.schema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(obj.properties ?? {}).map(([name, { description, ...s }]) => ({
    name,
    in: where,
    required: where === 'path' || (obj.required ?? []).includes(name),
    ...(description ? { description } : {}),
    schema: s,
  }));
}

function response(c: Components, r: ResponseDoc): object {
  return {
    description: r.description,
    ...(r.headers ? { headers: r.headers } : {}),
    ...(r.content
      ? {
          content: Object.fromEntries(
            Object.entries(r.content).map(([type, { schema }]) => [type, { schema: c.schema(schema, 'output') }]),
          ),
        }
      : {}),
  };
}

function operation(c: Components, { spec }: Route): object {
  const { roles, request = {}, responses, method: _m, path: _p, ...rest } = spec;
  const params = [
    ...parameters(c, 'path', request.params),
    ...parameters(c, 'query', request.query),
    ...parameters(c, 'header', request.headers),
  ];
  return {
    ...rest,
    ...(roles === 'public' ? { security: [] } : { security: [{ bearerAuth: [] }], 'x-roles': [...roles] }),
    ...(params.length ? { parameters: params } : {}),
    ...(request.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: c.schema(request.body, 'input') } } } }
      : {}),
    responses: Object.fromEntries(Object.entries(responses).map(([status, r]) => [status, response(c, r)])),
  };
}

/** The document as JSON text (what `GET /openapi.json` answers). */
export function openApiJson(routes: readonly Route[]): string {
  return JSON.stringify(openApiDocument(routes));
}

export function openApiDocument(routes: readonly Route[]): object {
  const c = new Components();
  const paths: Record<string, Record<string, object>> = {};
  for (const r of routes) (paths[r.spec.path] ??= {})[r.spec.method] = operation(c, r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Switchyard API',
      version: API_VERSION,
      description:
        'Power-dispatch decisions, trader overrides, the audit trail, finance reports, day-ahead bids and the site agent. ' +
        'Errors are application/problem+json (RFC 9457).',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '/', description: 'this deployment' }],
    tags: TAGS,
    paths,
    components: {
      schemas: c.schemas,
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            "Roles come from the groups claim (cognito:groups): trader, finance, admin, operator; a site agent's machine token (Cognito client " +
            'credentials, scope switchyard/agent) has the role agent, limited to its site. Each operation lists its roles in x-roles.',
        },
      },
    },
  };
}
