/** Grid events and trader overrides: the inputs that can take a decision away from pure economics. */
import * as z from 'zod';

export const GRID_EVENT_TYPES = [
  'EEA', // Energy Emergency Alert, level 1–3
  'CONSERVATION_APPEAL',
  'DR_DEPLOYMENT', // demand-response deployment: curtail `mw`
  'AS_AWARD', // ancillary-service award: keep `mw` of curtailable load running, ready to curtail
  'AS_DEPLOYMENT', // ancillary-service deployment: curtail `mw`
  'SB6_DIRECTIVE', // the grid operator orders large loads off the grid or onto backup generation
] as const;
export type GridEventType = (typeof GRID_EVENT_TYPES)[number];

export const AS_PRODUCTS = ['REGUP', 'REGDN', 'RRS', 'NSPIN', 'ECRS', 'ERS'] as const;
export type AsProduct = (typeof AS_PRODUCTS)[number];

export interface GridEvent {
  id: string;
  type: GridEventType;
  /** Market the event belongs to (e.g. ERCOT). */
  market: string;
  /** Site it applies to; absent for system-wide events (EEA, appeals, SB 6 directives). */
  siteId?: string | undefined;
  level?: number | undefined;
  mw?: number | undefined;
  product?: AsProduct | undefined;
  /** Award or deployment price, USD/MW-h, where known. */
  priceUsdPerMwh?: number | undefined;
  startMs: number;
  endMs: number;
  note?: string | undefined;
}

export const OVERRIDE_ACTIONS = ['RUN', 'CURTAIL', 'CAP', 'RELEASE'] as const;
export type OverrideAction = (typeof OVERRIDE_ACTIONS)[number];

export interface Override {
  id: string;
  siteId: string;
  /** One load; absent = every mining load of the site. */
  loadId?: string | undefined;
  action: OverrideAction;
  capMw?: number | undefined;
  fromMs: number;
  toMs: number;
  reason: string;
  author: string;
  /** Needed to override a grid obligation; flagged on the decision. */
  acknowledgeObligation: boolean;
  createdAtMs: number;
}

export const GridEventBodySchema = z
  .object({
    type: z.enum(GRID_EVENT_TYPES),
    market: z.string().min(1).default('ERCOT'),
    siteId: z.string().min(1).optional(),
    level: z.number().int().min(1).max(3).optional(),
    mw: z.number().positive().optional(),
    product: z.enum(AS_PRODUCTS).optional(),
    priceUsdPerMwh: z.number().optional(),
    start: z.iso.datetime({ offset: true }),
    end: z.iso.datetime({ offset: true }),
    note: z.string().max(500).optional(),
  })
  .superRefine((e, ctx) => {
    if (Date.parse(e.end) <= Date.parse(e.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    if (e.type === 'EEA' && e.level === undefined) ctx.addIssue({ code: 'custom', path: ['level'], message: 'required for EEA' });
    if ((e.type === 'DR_DEPLOYMENT' || e.type === 'AS_AWARD' || e.type === 'AS_DEPLOYMENT') && e.mw === undefined) {
      ctx.addIssue({ code: 'custom', path: ['mw'], message: `required for ${e.type}` });
    }
    if ((e.type === 'DR_DEPLOYMENT' || e.type === 'AS_AWARD' || e.type === 'AS_DEPLOYMENT') && !e.siteId) {
      ctx.addIssue({ code: 'custom', path: ['siteId'], message: `required for ${e.type}` });
    }
  });
export type GridEventBody = z.infer<typeof GridEventBodySchema>;

/** Is an event or override window `[start, end)` active in the interval `[t, t + len)`? */
export function overlaps(startMs: number, endMs: number, t: number, lenMs: number): boolean {
  return startMs < t + lenMs && endMs > t;
}

/** Ids of a site's overrides in force during the interval `[t, t + lenMs)`, sorted. */
export function overridesInForce(overrides: readonly Override[], siteId: string, t: number, lenMs: number): string[] {
  return overrides
    .filter((o) => o.siteId === siteId && overlaps(o.fromMs, o.toMs, t, lenMs))
    .map((o) => o.id)
    .sort();
}
