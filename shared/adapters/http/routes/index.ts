/**
 * Every route of the HTTP API, in its three groups, one per Lambda behind the gateway (the paths each
 * group answers are in ../gateway.ts): the desk's (./desk.ts), the reports' (./reports.ts) and the site
 * agents' (./agent.ts). Each Lambda imports its own group's file only, so its bundle holds only those
 * routes and their schemas; the local server mounts all three, as one app.
 */
import type { ApiUseCases } from '#app/api.ts';
import type { Clock } from '#ports/clock.ts';
import type { Route } from '../route.ts';
import { agentRoutes } from './agent.ts';
import { deskRoutes } from './desk.ts';
import { reportRoutes } from './reports.ts';

/** Every route the API serves, in the order the document lists them. */
export function apiRoutes(deps: { useCases: ApiUseCases; clock: Clock; localRoutes?: readonly Route[] | undefined }): Route[] {
  const { useCases, clock } = deps;
  return [...(deps.localRoutes ?? []), ...deskRoutes(useCases, clock), ...reportRoutes(useCases), ...agentRoutes(useCases)];
}
