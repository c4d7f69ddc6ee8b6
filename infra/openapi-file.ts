/**
 * The api Lambda's OpenAPI document, generated at build time from the route definitions and written
 * beside the bundle (`openapi.json`), so that the generator and zod's JSON Schema conversion stay
 * out of the api bundle. The stack's afterBundling hook runs this file; the bundle tests call
 * `writeOpenApiFile` the same way.
 *
 *   tsx infra/openapi-file.ts <path/to/openapi.json>
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openApiJson } from '#adapters/http/openapi.ts';
import { apiRoutes } from '#adapters/http/routes/index.ts';
import type { ApiUseCases } from '#app/api.ts';

export const OPENAPI_FILE = 'openapi.json';

/** The document the api Lambda serves: the routes of all three HTTP Lambdas (no local sign-in), described without serving them. */
export function lambdaOpenApiJson(): string {
  // Route definitions only hold the use cases for their handlers, which nothing here calls.
  const useCases = new Proxy({} as ApiUseCases, {
    get: (_target, name) => () => {
      throw new Error(`use case ${String(name)} called while describing the routes`);
    },
  });
  return openApiJson(apiRoutes({ useCases, clock: { nowMs: () => 0 } }));
}

export function writeOpenApiFile(path: string): void {
  writeFileSync(path, lambdaOpenApiJson());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx infra/openapi-file.ts <path/to/openapi.json>');
  writeOpenApiFile(out);
}
