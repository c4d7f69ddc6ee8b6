/** The configured sites. */
import type { Site } from '#domain/sites.ts';

export function configuredSites(deps: { sites: readonly Site[] }): readonly Site[] {
  return deps.sites;
}
