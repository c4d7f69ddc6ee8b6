/**
 * Which Lambda answers which request behind API Gateway (infra/api.ts builds the gateway's routes
 * from this table): the reports and the site agents have Lambdas of their own, the `api` Lambda
 * answers everything else (`ANY /{proxy+}`, and the public `GET /health` and `GET /openapi.json`).
 * As in the gateway, the most specific route wins: a literal segment over a parameter, a parameter
 * over `{proxy+}`.
 *
 * Separate Lambdas keep each bundle to the code of its routes, and keep the agents' polling (every
 * site, every 5 s) and a finance export from taking the concurrency the desk's overrides need.
 * A report's paths are routed with `ANY`, so its own Lambda answers a wrong method with 405.
 */

export type HttpLambda = 'api' | 'reports' | 'agent-api';

export interface GatewayRoute {
  method: 'ANY' | 'GET' | 'POST';
  /** API Gateway's path syntax: `{name}` is one segment, a final `{proxy+}` one or more. */
  path: string;
}

export const GATEWAY_ROUTES: Readonly<Record<HttpLambda, readonly GatewayRoute[]>> = {
  // Only the catch-all and the public routes (infra/api.ts); a route listed here would win over a less specific one below.
  api: [],
  reports: [
    { method: 'ANY', path: '/audit' },
    { method: 'ANY', path: '/bids' },
    { method: 'ANY', path: '/reports/{proxy+}' },
    { method: 'ANY', path: '/sites/{siteId}/actuals' },
    { method: 'ANY', path: '/sites/{siteId}/performance' },
  ],
  // Behind the agent authorizer and its scope (infra/api.ts): an agent token reaches these two and nothing else.
  'agent-api': [
    { method: 'GET', path: '/sites/{siteId}/dispatch' },
    { method: 'POST', path: '/sites/{siteId}/telemetry' },
  ],
};

/** How specific a route is, as the gateway ranks them: per segment, a literal 2, a parameter 1, `{proxy+}` 0. */
function specificity(route: GatewayRoute): number[] {
  return route.path.split('/').map((w) => (w.endsWith('+}') ? 0 : w.startsWith('{') ? 1 : 2));
}

function moreSpecific(a: number[], b: number[]): boolean {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? -1) !== (b[i] ?? -1)) return (a[i] ?? -1) > (b[i] ?? -1);
  return false;
}

function matches(route: GatewayRoute, method: string, path: string): boolean {
  if (route.method !== 'ANY' && route.method !== method.toUpperCase()) return false;
  const want = route.path.split('/');
  const got = path.split('/');
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.endsWith('+}')) return got.length > i && got.slice(i).every((s) => s !== '');
    const g = got[i];
    const parameter = w.startsWith('{') && w.endsWith('}');
    if (g === undefined || (parameter ? g === '' : w !== g)) return false;
  }
  return got.length === want.length;
}

/** The Lambda a request reaches, as the gateway picks it: the most specific route of the table above, else the catch-all `api`. */
export function lambdaFor(method: string, path: string): HttpLambda {
  let best: { lambda: HttpLambda; rank: number[] } | undefined;
  for (const [lambda, routes] of Object.entries(GATEWAY_ROUTES) as [HttpLambda, readonly GatewayRoute[]][]) {
    for (const r of routes) {
      if (matches(r, method, path) && (!best || moreSpecific(specificity(r), best.rank))) best = { lambda, rank: specificity(r) };
    }
  }
  return best?.lambda ?? 'api';
}
