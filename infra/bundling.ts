/**
 * How every Lambda is bundled — one set of esbuild settings, used by the CDK stack
 * (NodejsFunction's local esbuild) and by `bench/bundles.ts` / the bundle tests (esbuild's API),
 * so the bundle measured and tested is the bundle deployed.
 *
 * - ESM output (`index.mjs`) for Node 22, minified, with a linked source map (no sources content,
 *   so the asset stays small); `NODE_OPTIONS=--enable-source-maps` turns stack traces back into TS.
 * - `module` before `main`, so packages that ship ESM (the AWS SDK, Powertools, Hono) are tree-shaken.
 * - A banner defines `require` for CommonJS dependencies bundled into an ES module
 *   (otherwise: "Dynamic require of "node:…" is not supported").
 * - Only SSM is external (`@aws-sdk/client-ssm`, ≈ 76 KB): the stack configures feed secrets in
 *   Secrets Manager, so SSM is read only when someone sets an `*_PARAM` setting by hand, and is then
 *   loaded with `import()` from the AWS SDK v3 the Node.js 22 runtime ships (the runtime resolves
 *   ES-module imports through NODE_PATH, which holds /var/runtime/node_modules) — at first use, never
 *   at cold start (shared/adapters/feeds/credentials.ts). Everything else, the rest of the SDK
 *   included, is bundled: the SDK deployed is the one tested, and tree-shaken into the bundle it
 *   imports in a third of the time the runtime's copy takes to load (≈ 60 ms against ≈ 190 ms for
 *   run-interval). The bundle tests import each bundle from a folder whose node_modules holds the
 *   externals only.
 * - Every package is bundled as it documents itself (zod as `import * as z from 'zod'`, which
 *   esbuild tree-shakes), with two aliases: the SDK's default credential chain reduced to the
 *   environment variables Lambda sets (infra/lambda-credentials.ts), and the SDK's event-stream
 *   serde, which no bundled operation uses, left out (infra/smithy-event-streams-lean.ts).
 *   test/infra/bundles.test.ts builds the api bundle without each to show that it still keeps out what
 *   it says (without the first, the api bundle would exceed the budget).
 * - Only options NodejsFunction forwards (infra/functions.ts) may be used here: the bundle tests
 *   check that the stack's asset is byte for byte the bundle they test.
 */
import { copyFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

/** The repository root (where package.json and package-lock.json live). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Node version of the Lambda runtime (NODEJS_22_X). */
export const NODE_TARGET = 'node22';

/** The bundled sites file sits next to the code: /var/task/sites.json in Lambda. */
export const BUNDLED_SITES_FILE = 'sites.json';
export const LAMBDA_TASK_ROOT = '/var/task';

export const esbuildSettings = {
  target: NODE_TARGET,
  platform: 'node',
  format: 'esm',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: "import{createRequire as __switchyardCreateRequire}from'node:module';const require=__switchyardCreateRequire(import.meta.url);",
  /** Loaded from the runtime's SDK on first use only (see above); must only ever be `import()`ed. */
  external: ['@aws-sdk/client-ssm'] as string[],
  alias: {
    /** ≈ 130 KB of credential providers (with the STS and SSO clients) Lambda never needs. */
    '@aws-sdk/credential-provider-node': './infra/lambda-credentials.ts',
    /** ≈ 15 KB of event-stream serde that no operation of the bundled clients uses. */
    '@smithy/core/event-streams': './infra/smithy-event-streams-lean.ts',
    /** ≈ 4 KB of SigV4a signing for EventBridge global endpoints, which are not used. */
    '@aws-sdk/signature-v4-multi-region': './infra/sigv4-multi-region-lean.ts',
  } as Record<string, string>,
  logLevel: 'warning',
} as const;

/** Output file name NodejsFunction uses for ESM bundles; the handler is `index.handler`. */
export const BUNDLE_FILE = 'index.mjs';

/** Every Lambda: `functions/<name>/handler.ts`, exporting `handler`. */
export const FUNCTION_NAMES = [
  'run-interval',
  'api',
  'reports',
  'agent-api',
  'ingest-prices',
  'ingest-hashprice',
  'ingest-grid-events',
  'ingest-nordpool',
  'ingest-intensity',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export function handlerEntry(name: FunctionName): string {
  return join(PROJECT_ROOT, 'functions', name, 'handler.ts');
}

/** esbuild API options equal to the CLI arguments NodejsFunction passes for the settings above. */
export function esbuildBuildOptions(entry: string, outdir: string): BuildOptions {
  return {
    entryPoints: [entry],
    bundle: true,
    outfile: join(outdir, BUNDLE_FILE),
    target: esbuildSettings.target,
    platform: esbuildSettings.platform,
    format: esbuildSettings.format,
    minify: esbuildSettings.minify,
    sourcemap: esbuildSettings.sourcemap,
    sourcesContent: esbuildSettings.sourcesContent,
    mainFields: [...esbuildSettings.mainFields],
    banner: { js: esbuildSettings.banner },
    external: [...esbuildSettings.external],
    alias: { ...esbuildSettings.alias },
    absWorkingDir: PROJECT_ROOT,
    logLevel: esbuildSettings.logLevel,
  };
}

export interface BuiltBundle {
  name: FunctionName;
  /** The bundle (`<dir>/index.mjs`), with its source map and the sites file beside it. */
  file: string;
  dir: string;
  bytes: number;
}

/**
 * Bundles one handler with esbuild's API exactly as the stack does (same options), and copies the
 * sites file next to it as the stack's afterBundling hook does.
 */
export async function buildBundle(name: FunctionName, dir: string, sitesFile: string): Promise<BuiltBundle> {
  const { build } = await import('esbuild');
  await build(esbuildBuildOptions(handlerEntry(name), dir));
  copyFileSync(sitesFile, join(dir, BUNDLED_SITES_FILE));
  if (name === 'api') (await import('./openapi-file.ts')).writeOpenApiFile(join(dir, 'openapi.json'));
  const file = join(dir, BUNDLE_FILE);
  return { name, file, dir, bytes: statSync(file).size };
}
