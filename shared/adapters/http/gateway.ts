/**
 * Which Lambda answers which request behind API Gateway (infra/api.ts builds the gateway's routes
 * from this table): the reports and the site agents have Lambdas of their own, the `api` Lambda
 * answers everything else (`ANY /{proxy+}`, and the public `GET /health` and `GET /openapi.json`).
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

export const GATEWAY_ROUTES: Readonly<Record<Exclude<HttpLambda, 'api'>, readonly GatewayRoute[]>> = {
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

/**
 * The Lambda a request reaches, as the gateway picks it: a route of the table above (they do not overlap, and each is
 * more specific than the catch-all), else the catch-all `api`.
 */
export function lambdaFor(method: string, path: string): HttpLambda {
  for (const [lambda, routes] of Object.entries(GATEWAY_ROUTES) as [Exclude<HttpLambda, 'api'>, readonly GatewayRoute[]][]) {
    if (routes.some((r) => matches(r, method, path))) return lambda;
  }
  return 'api';
}
