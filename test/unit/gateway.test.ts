/**
 * The gateway's table (shared/adapters/http/gateway.ts) against the route groups the Lambdas mount
 * (shared/adapters/http/routes/desk.ts, reports.ts, agent.ts): every route reaches the Lambda that serves it, with any
 * method — so a wrong method is that Lambda's 405, not another Lambda's 404.
 */
import { describe, expect, it } from 'vitest';
import { type HttpLambda, lambdaFor } from '#adapters/http/gateway.ts';
import { agentRoutes } from '#adapters/http/routes/agent.ts';
import { deskRoutes } from '#adapters/http/routes/desk.ts';
import { reportRoutes } from '#adapters/http/routes/reports.ts';
import type { AgentUseCases, DeskUseCases, ReportUseCases } from '#app/api.ts';

// Building the routes does not call their use cases.
const groups: Record<HttpLambda, { method: string; path: string }[]> = {
  api: deskRoutes({} as DeskUseCases, { nowMs: () => 0 }).map((r) => r.spec),
  reports: reportRoutes({} as ReportUseCases).map((r) => r.spec),
  'agent-api': agentRoutes({} as AgentUseCases).map((r) => r.spec),
};
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'x-1');

describe('the gateway table', () => {
  it.each(Object.entries(groups).flatMap(([lambda, specs]) => specs.map((s) => [lambda, s.method.toUpperCase(), s.path] as const)))(
    '%s serves %s %s, and the gateway sends it there',
    (lambda, method, path) => {
      expect(lambdaFor(method, concrete(path))).toBe(lambda);
    },
  );

  it('sends every method of a report path to the reports Lambda, and of a desk path to api', () => {
    expect(lambdaFor('DELETE', '/reports/pnl')).toBe('reports');
    expect(lambdaFor('PUT', '/sites/rockdale/actuals')).toBe('reports');
    expect(lambdaFor('DELETE', '/sites/rockdale/decisions')).toBe('api');
  });

  it('keeps agent paths to the methods an agent calls (behind its authorizer); anything else is the desk catch-all', () => {
    expect(lambdaFor('GET', '/sites/rockdale/dispatch')).toBe('agent-api');
    expect(lambdaFor('POST', '/sites/rockdale/dispatch')).toBe('api');
  });

  it('matches a parameter as one segment and {proxy+} as one or more', () => {
    expect(lambdaFor('GET', '/sites/rockdale/extra/actuals')).toBe('api');
    expect(lambdaFor('GET', '/reports')).toBe('api');
    expect(lambdaFor('GET', '/reports/emissions/x')).toBe('reports');
  });

  it('picks the most specific route: a parameter wins over the catch-all', () => {
    expect(lambdaFor('GET', '/sites/rockdale/performance')).toBe('reports');
    expect(lambdaFor('GET', '/sites/rockdale/capability-tests')).toBe('api');
  });
});
