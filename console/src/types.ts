/** The API's records as the console reads them: the very types the API's schemas define (types only; no zod in the bundle). */
import type * as z from 'zod';
import type { AuditPageSchema, AuditRecordSchema, PnlRowSchema, RunRecordSchema, SiteBidsSchema } from '#adapters/http/schemas.ts';

export type { DecisionView as Decision, OverrideView as Override, SiteView as Site } from '#adapters/http/views.ts';
export type AuditRecord = z.infer<typeof AuditRecordSchema>;
export type AuditPage = z.infer<typeof AuditPageSchema>;
export type PnlRow = z.infer<typeof PnlRowSchema>;
export type RunRecord = z.infer<typeof RunRecordSchema>;
export type SiteBids = z.infer<typeof SiteBidsSchema>;

export interface Load {
  id: string;
  kind: 'mining' | 'ai';
  powerMw?: number;
  contractedMw?: number;
}

/** What a site agent reports (GET /sites/{id}/actuals, where the API has it). */
export interface Actual {
  intervalStart?: string;
  at?: string;
  loadId?: string;
  mw?: number;
  actualMw?: number;
}
