/** The dispatch plan a site agent polls (GET /sites/{siteId}/dispatch): built from the stored current decisions. */
import { type DispatchPlan, dispatchPlan } from '#domain/dispatch.ts';
import type { Site } from '#domain/sites.ts';
import { HOUR_MS } from '#domain/time.ts';
import type { Clock } from '#ports/clock.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { allDecisions } from '../decision-log.ts';
import { siteOf } from '../sites.ts';

/** How far ahead the plan reaches: every interval already decided within it is included. */
export const DISPATCH_HORIZON_MS = 48 * HOUR_MS;

export interface DispatchDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
  marketData: Pick<MarketDataRepository, 'getGridEvents'>;
  clock: Clock;
}

/** The plan of a site now: the decided intervals from the one containing now, with the grid events they name. */
export async function siteDispatch(deps: DispatchDeps, q: { siteId: string }): Promise<DispatchPlan> {
  const site = siteOf(deps.sites, q.siteId);
  const now = deps.clock.nowMs();
  // From an hour back: the longest interval (an hour) that contains now starts at most that early.
  const fromMs = now - HOUR_MS;
  const toMs = now + DISPATCH_HORIZON_MS;
  const [decisions, gridEvents] = await Promise.all([
    allDecisions(deps.decisions, site.id, fromMs, toMs),
    deps.marketData.getGridEvents(site.market, fromMs, toMs),
  ]);
  return dispatchPlan(site, decisions, gridEvents, now);
}
