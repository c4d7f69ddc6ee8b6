/**
 * The configuration audit as a job: the sites configuration a process runs with is compared with the
 * recorded one once per process (a Lambda container, a local runtime or command) and again only
 * when the configuration it is given changes.
 */
import type { Site } from '#domain/sites.ts';
import type { AuditRecord } from '#ports/audit.ts';
import type { Logger } from '#ports/logger.ts';
import { type ConfigAuditDeps, recordSitesConfig, sitesHash } from '../config-audit.ts';

export type ConfigAudit = (sites: readonly Site[], nowMs: number) => Promise<AuditRecord[]>;

export interface ConfigAuditJobDeps extends ConfigAuditDeps {
  log: Logger;
}

/** `actor` and `reason` name who deployed the change (a deploy, a local user and file). */
export function configAuditJob(deps: ConfigAuditJobDeps, actor: string, reason?: string): ConfigAudit {
  let checked: string | undefined;
  return async (sites, nowMs) => {
    const hash = sitesHash(sites);
    if (checked === hash) return [];
    const changes = await recordSitesConfig(deps, sites, actor, nowMs, reason);
    if (changes.length) deps.log.info('sites configuration recorded in the audit trail', { sites: changes.map((c) => c.entity.id) });
    checked = hash;
    return changes;
  };
}
