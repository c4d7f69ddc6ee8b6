/**
 * Configuration changes in the audit trail. The sites configuration is deployed with the code (a
 * file), so the system notices a change when it first runs with it: each site added, changed or
 * removed gets a CONFIG_CHANGED record with its before and after. Concurrent starts record a
 * change once (the stored configuration is replaced under a version condition).
 */
import { createHash } from 'node:crypto';
import type { Site } from '#domain/sites.ts';
import { iso } from '#domain/time.ts';
import type { AuditRecord, AuditRepository } from '#ports/audit.ts';
import type { ConfigStore } from '#ports/config.ts';

export interface ConfigAuditDeps {
  config: ConfigStore;
  audit: AuditRepository;
}

export function sitesHash(sites: readonly Site[]): string {
  return createHash('sha256').update(JSON.stringify(sites)).digest('hex');
}

/** Records the sites configuration if it differs from the one recorded last; returns the audit records written. */
export async function recordSitesConfig(
  deps: ConfigAuditDeps,
  sites: readonly Site[],
  actor: string,
  nowMs: number,
  reason = 'sites configuration deployed',
): Promise<AuditRecord[]> {
  const hash = sitesHash(sites);
  const stored = await deps.config.current();
  if (stored?.hash === hash) return [];
  const version = (stored?.version ?? 0) + 1;
  const at = iso(nowMs);
  if (!(await deps.config.replace({ version, hash, sites: [...sites], recordedAt: at }, stored?.version ?? 0))) return [];

  const before = new Map((stored?.sites ?? []).map((s) => [s.id, s]));
  const after = new Map(sites.map((s) => [s.id, s]));
  const records: AuditRecord[] = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(id) ?? null;
    const a = after.get(id) ?? null;
    if (b && a && JSON.stringify(b) === JSON.stringify(a)) continue;
    records.push({
      id: `config:sites:v${String(version).padStart(6, '0')}:${id}`,
      at,
      actor,
      action: 'CONFIG_CHANGED',
      entity: { type: 'site', id },
      siteId: id,
      before: b as Record<string, unknown> | null,
      after: a as Record<string, unknown> | null,
      reason: stored ? reason : 'first configuration recorded',
    });
  }
  for (const r of records) await deps.audit.append(r);
  return records;
}
