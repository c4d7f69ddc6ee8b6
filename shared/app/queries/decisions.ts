/**
 * Reading the decision log: a page of a site's current decisions, all of them for an export, every
 * revision of one interval, and every site's decisions of one UTC day.
 */
import type { Decision } from '#domain/decision.ts';
import { UnknownIdError } from '#domain/errors.ts';
import type { Site } from '#domain/sites.ts';
import { iso } from '#domain/time.ts';
import type { DecisionFilter, DecisionRepository, Page, PageRequest } from '#ports/decisions.ts';
import { decisionPages } from '../decision-log.ts';
import { siteOf } from '../sites.ts';
import { checkRange, RANGE_LIMITS_DAYS } from './range.ts';

export interface DecisionQueryDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
}

export interface SiteDecisionsQuery {
  siteId: string;
  fromMs: number;
  toMs: number;
  filter?: DecisionFilter;
}

/** One page of a site's current decisions in [fromMs, toMs), ascending. */
export async function siteDecisionPage(deps: DecisionQueryDeps, q: SiteDecisionsQuery & PageRequest): Promise<Page<Decision>> {
  siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, RANGE_LIMITS_DAYS.decisionPage);
  return deps.decisions.bySite(q.siteId, q.fromMs, q.toMs, { ...q.filter, ...paging(q) });
}

export interface DecisionExport {
  site: Site;
  /** Every page, ascending; read lazily. */
  pages: AsyncGenerator<Decision[]>;
}

/** Every current decision of a site in [fromMs, toMs), page by page. */
export function siteDecisionExport(deps: DecisionQueryDeps, q: SiteDecisionsQuery): DecisionExport {
  const site = siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, RANGE_LIMITS_DAYS.decisionExport);
  return { site, pages: decisionPages(deps.decisions, q.siteId, q.fromMs, q.toMs, q.filter) };
}

/** Every revision of one interval, oldest first; an interval never decided is not found. */
export async function decisionRevisions(deps: DecisionQueryDeps, q: { siteId: string; intervalStartMs: number }): Promise<Decision[]> {
  siteOf(deps.sites, q.siteId);
  const start = iso(q.intervalStartMs);
  const items = await deps.decisions.revisions(q.siteId, start);
  if (items.length === 0) throw new UnknownIdError(`no decision for ${q.siteId} at ${start}`, 'intervalStart');
  return items;
}

/** Every site's current decisions of one UTC day (YYYY-MM-DD), by interval start then site. */
export function decisionsOfDay(
  deps: Pick<DecisionQueryDeps, 'decisions'>,
  q: { date: string; filter?: DecisionFilter } & PageRequest,
): Promise<Page<Decision>> {
  return deps.decisions.byDay(q.date, { ...q.filter, ...paging(q) });
}

function paging({ limit, nextToken }: PageRequest): PageRequest {
  return { ...(limit ? { limit } : {}), ...(nextToken ? { nextToken } : {}) };
}
