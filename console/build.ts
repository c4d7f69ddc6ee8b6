/**
 * Builds the operator console into static files with the project's esbuild: the app (Preact + htm views,
 * uPlot charts) as one minified ES module and one stylesheet, its page, and the API docs page (Swagger UI
 * from swagger-ui-dist, loaded only on /docs). The local runtime builds in memory at every start (about a
 * tenth of a second), so a fresh clone needs no build step and the served files are never stale;
 * `npm run build:console` writes the same files to console/dist for the AWS deployment.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { StaticFile } from '#adapters/http/static.ts';
import { type ConsoleConfig, LOCAL_CONFIG } from './src/config.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CONSOLE_DIST = join(HERE, 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
};
const typeOf = (path: string) => TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

export interface BuildOptions {
  /** Written as /config.json; default: the local runtime's (same origin, one-time-code sign-in). None: leave it out (AWS deploys its own). */
  config?: ConsoleConfig | null;
  /** Also write the files here. */
  outdir?: string;
  /** false: readable output with inline source maps, for debugging (default true). */
  minify?: boolean;
}

/** The console's files by URL path. */
export async function buildConsole(opts: BuildOptions = {}): Promise<Map<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const add = (path: string, body: Uint8Array | string) =>
    files.set(path, { body: typeof body === 'string' ? new TextEncoder().encode(body) : new Uint8Array(body), contentType: typeOf(path) });

  const result = await build({
    absWorkingDir: HERE,
    entryPoints: { app: 'src/main.ts', 'docs/docs': 'src/docs.ts' },
    bundle: true,
    format: 'esm',
    target: 'es2022',
    minify: opts.minify ?? true,
    ...(opts.minify === false ? { sourcemap: 'inline' as const } : {}),
    legalComments: 'none',
    outdir: 'out',
    write: false,
    logLevel: 'silent',
  });
  for (const f of result.outputFiles) add(`/${f.path.slice(join(HERE, 'out').length + 1)}`, f.contents);

  add('/index.html', readFileSync(join(HERE, 'index.html')));
  add('/docs/index.html', readFileSync(join(HERE, 'docs/index.html')));
  const swagger = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const f of ['swagger-ui-bundle.js', 'swagger-ui.css']) add(`/docs/${f}`, readFileSync(join(swagger, f)));
  const config = opts.config === undefined ? LOCAL_CONFIG : opts.config;
  if (config) add('/config.json', JSON.stringify(config));

  if (opts.outdir) {
    for (const [path, f] of files) {
      const target = join(opts.outdir, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, f.body);
    }
  }
  return files;
}

/** The app's own JavaScript (not the docs viewer), gzipped bytes, for the budget. */
export function isAppScript(path: string): boolean {
  return path.endsWith('.js') && !path.startsWith('/docs/');
}

// `tsx console/build.ts [--out <dir>]`: the AWS deployment's files (its /config.json is written by the stack).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = performance.now();
  const at = process.argv.indexOf('--out');
  const outdir = at > 0 && process.argv[at + 1] ? process.argv[at + 1]! : CONSOLE_DIST;
  const files = await buildConsole({ config: null, outdir });
  const bytes = [...files.values()].reduce((n, f) => n + f.body.byteLength, 0);
  process.stdout.write(
    `console: ${files.size} files, ${Math.round(bytes / 1024)} KB in ${outdir} (${Math.round(performance.now() - started)} ms)\n`,
  );
}
