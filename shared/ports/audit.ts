/**
 * The audit trail (DESIGN §2 "Overrides", §8): append-only records of every override change and
 * configuration change — who, when, what, why, before and after. Nothing edits or deletes them.
 */
import type { Page, PageRequest } from './decisions.ts';

/**
 * DAY_AHEAD_REPLACED: a later day-ahead revision (e.g. Nord Pool's Final after its Preliminary) replaced stored prices.
 * PRICES_CORRECTED: an ingest changed stored prices (the counts, and a sample of intervals old → new).
 */
export const AUDIT_ACTIONS = [
  'OVERRIDE_CREATED',
  'OVERRIDE_CANCELLED',
  'CONFIG_CHANGED',
  'DAY_AHEAD_REPLACED',
  'PRICES_CORRECTED',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntity {
  /** e.g. `override`, `sites`. */
  type: string;
  id: string;
}

export interface AuditRecord {
  /**
   * Deterministic for one change (e.g. `override:<id>:v000001:OVERRIDE_CREATED`), so that a retried
   * write of the same change cannot add a second record.
   */
  id: string;
  /** When the change happened (UTC ISO). */
  at: string;
  /** Who made it: the token's user. */
  actor: string;
  action: AuditAction;
  entity: AuditEntity;
  /** The site the change belongs to, when it belongs to one. */
  siteId?: string;
  /** The entity before and after the change (null when it did not exist / no longer exists). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  reason: string;
}

export interface AuditRepository {
  /** Appends a record once: a second append of the same id leaves the first and returns 'exists'. */
  append(record: AuditRecord): Promise<'written' | 'exists'>;
  /** Records with `at` in [fromMs, toMs), oldest first; one site's only when `siteId` is given. */
  list(fromMs: number, toMs: number, page?: PageRequest & { siteId?: string }): Promise<Page<AuditRecord>>;
}
