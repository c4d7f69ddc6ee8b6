/**
 * The operator console's static files, served by the local API beside its routes (in AWS they are in S3
 * behind CloudFront). GET only; a path that is neither a route nor a file falls through to the 404 problem.
 */
import type { Hono } from 'hono';
import type { AppEnv } from './auth.ts';

export interface StaticFile {
  body: Uint8Array<ArrayBuffer>;
  contentType: string;
}

/** Files by URL path (`/index.html`, `/docs/index.html`, …). */
export type StaticFiles = ReadonlyMap<string, StaticFile>;

/**
 * What a browser is told for every console file: no framing, no sniffing, no referrer to other origins, and
 * scripts, styles and fetches from this origin only (Swagger UI on /docs sets inline styles).
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/** `/` is the console, `/docs` the API reference. */
function fileOf(path: string): string {
  if (path === '/') return '/index.html';
  if (path === '/docs' || path === '/docs/') return '/docs/index.html';
  return path;
}

export function mountStatic(app: Hono<AppEnv>, files: StaticFiles): void {
  app.get('*', (c) => {
    const f = files.get(fileOf(c.req.path));
    if (!f) return c.notFound();
    // The files are rebuilt at every start: revalidate rather than cache a stale bundle.
    return new Response(f.body, { headers: { 'content-type': f.contentType, 'cache-control': 'no-cache', ...CONSOLE_SECURITY_HEADERS } });
  });
}
