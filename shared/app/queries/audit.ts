/** Reading the audit trail. */
import type { Site } from '#domain/sites.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { Page, PageRequest } from '#ports/decisions.ts';
import { siteOf } from '../sites.ts';
import { checkRange, RANGE_LIMITS_DAYS } from './range.ts';

export interface AuditQuery extends PageRequest {
  fromMs: number;
  toMs: number;
  /** One site's records; default every site's. */
  siteId?: string;
}

/** Audit records in [fromMs, toMs), oldest first. */
export function auditTrail(deps: { sites: readonly Site[]; audit: AuditRepository }, q: AuditQuery): Promise<Page<AuditRecord>> {
  checkRange(q.fromMs, q.toMs, RANGE_LIMITS_DAYS.report);
  if (q.siteId !== undefined) siteOf(deps.sites, q.siteId);
  const { siteId, limit, nextToken } = q;
  return deps.audit.list(q.fromMs, q.toMs, {
    ...(siteId !== undefined ? { siteId } : {}),
    ...(limit ? { limit } : {}),
    ...(nextToken ? { nextToken } : {}),
  });
}
