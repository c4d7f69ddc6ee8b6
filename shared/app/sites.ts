/** Looking up a configured site or load by id, with an error that names the field. */
import { UnknownIdError } from '#domain/errors.ts';
import type { Site } from '#domain/sites.ts';

export function siteOf(sites: readonly Site[], siteId: string, field = 'siteId'): Site {
  const site = sites.find((s) => s.id === siteId);
  if (!site) throw new UnknownIdError(`unknown site "${siteId}" (configured: ${sites.map((s) => s.id).join(', ')})`, field);
  return site;
}
