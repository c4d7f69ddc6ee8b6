/** Reading the decision log: every page of a range, for exports and reports. */
import type { Decision } from '#domain/decision.ts';
import type { DecisionFilter, DecisionRepository } from '#ports/decisions.ts';

/** The current decisions of a site in [fromMs, toMs), page by page (ascending). */
export async function* decisionPages(
  decisions: DecisionRepository,
  siteId: string,
  fromMs: number,
  toMs: number,
  filter: DecisionFilter = {},
  pageSize = 500,
): AsyncGenerator<Decision[]> {
  let nextToken: string | undefined;
  do {
    const page = await decisions.bySite(siteId, fromMs, toMs, { ...filter, limit: pageSize, ...(nextToken ? { nextToken } : {}) });
    if (page.items.length) yield page.items;
    nextToken = page.nextToken;
  } while (nextToken);
}

export async function allDecisions(
  decisions: DecisionRepository,
  siteId: string,
  fromMs: number,
  toMs: number,
  filter: DecisionFilter = {},
): Promise<Decision[]> {
  const out: Decision[] = [];
  for await (const page of decisionPages(decisions, siteId, fromMs, toMs, filter)) out.push(...page);
  return out;
}
