/**
 * One route of the API as a single definition: what it takes (zod schemas), who may call it, what it
 * answers, and its handler. `mountRoute` serves it with plain Hono — the role check, then each part
 * of the request validated by its schema — and `openApiDocument` (openapi.ts) documents the same
 * definition, so a route cannot be served undocumented or documented differently from how it is served.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { validator } from 'hono/validator';
import type * as z from 'zod';
import type { Role } from '#adapters/jwt.ts';
import { type AppEnv, type Authenticate, requireRole } from './auth.ts';
import { validationProblem } from './problems.ts';

export interface RouteRequest {
  params?: z.ZodType;
  query?: z.ZodType;
  headers?: z.ZodType;
  /** A required application/json body. */
  body?: z.ZodType;
}

/** A response as the document describes it (the OpenAPI response object, with zod schemas). */
export interface ResponseDoc {
  description: string;
  headers?: Record<string, { description: string; schema: { type: 'string' } }>;
  content?: Record<string, { schema: z.ZodType }>;
}

export interface RouteSpec<R extends RouteRequest = RouteRequest> {
  method: 'get' | 'post';
  /** OpenAPI form: `/overrides/{id}`. */
  path: `/${string}`;
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  /** The roles that may call it, or `public` for a route that needs no token. */
  roles: readonly Role[] | 'public';
  request?: R;
  responses: Record<number, ResponseDoc>;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/** The validated request, each part as its schema outputs it. */
export interface RouteInput<R extends RouteRequest> {
  params: Parsed<R['params']>;
  query: Parsed<R['query']>;
  headers: Parsed<R['headers']>;
  body: Parsed<R['body']>;
}

export interface Route {
  spec: RouteSpec;
  handle(c: Context<AppEnv>, input: RouteInput<RouteRequest>): Response | Promise<Response>;
}

export function route<const R extends RouteRequest>(
  spec: RouteSpec<R>,
  handle: (c: Context<AppEnv>, input: RouteInput<R>) => Response | Promise<Response>,
): Route {
  return { spec, handle: handle as Route['handle'] };
}

type Target = 'param' | 'query' | 'header' | 'json';

/** Hono's validator with a zod schema: the parsed value, or 400 naming every failing field. */
function zodPart(target: Target, schema: z.ZodType): MiddlewareHandler {
  return validator(target, async (value, c) => {
    const result = await schema.safeParseAsync(value);
    return result.success ? result.data : validationProblem(c, target, result.error.issues);
  });
}

const JSON_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** A body in another media type is refused (415) before it is read; so is a body sent without a content-type. */
const jsonOnly: MiddlewareHandler = async (c, next) => {
  const type = c.req.header('content-type');
  if (type ? !JSON_CONTENT_TYPE.test(type) : (await c.req.raw.clone().arrayBuffer()).byteLength > 0) {
    throw new HTTPException(415, { message: 'Unsupported Media Type' });
  }
  await next();
};

/** Serves a route on the app: role check first (a caller without the role learns nothing about the input), then validation. */
export function mountRoute(app: Hono<AppEnv>, r: Route, authenticate: Authenticate): void {
  const { method, path, roles, request = {} } = r.spec;
  const steps: MiddlewareHandler[] = [];
  if (roles !== 'public') steps.push(requireRole(authenticate, roles));
  if (request.query) steps.push(zodPart('query', request.query));
  if (request.params) steps.push(zodPart('param', request.params));
  if (request.headers) steps.push(zodPart('header', request.headers));
  if (request.body) steps.push(jsonOnly, zodPart('json', request.body));
  const valid = (c: Context<AppEnv>, target: Target, schema: z.ZodType | undefined) => (schema ? c.req.valid(target as never) : undefined);
  app.on([method.toUpperCase()], [path.replaceAll(/\{(\w+)\}/g, ':$1')], ...(steps as MiddlewareHandler<AppEnv>[]), (c) =>
    r.handle(c, {
      params: valid(c, 'param', request.params),
      query: valid(c, 'query', request.query),
      headers: valid(c, 'header', request.headers),
      body: valid(c, 'json', request.body),
    }),
  );
}
