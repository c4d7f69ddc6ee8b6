/**
 * Finance reports: P&L per site and UTC day or month from the recorded (current) decisions, the
 * stored real-time settlement prices, the stored hashprice and the site's priced grid-programme
 * events. The arithmetic is `pnlRows` in the domain.
 */
import { HashpriceSeries } from '#domain/economics.ts';
import { type Granularity, type PnlRow, pnlRows, settlementPrices } from '#domain/pnl.ts';
import type { Site } from '#domain/sites.ts';
import { actualsIndex } from '#domain/telemetry.ts';
import { DAY_MS, HOUR_MS, utcDay } from '#domain/time.ts';
import type { DecisionRepository } from '#ports/decisions.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { allDecisions } from './decision-log.ts';
import { checkRange, RANGE_LIMITS_DAYS } from './queries/range.ts';
import { siteOf } from './sites.ts';

export interface ReportDeps {
  sites: readonly Site[];
  decisions: DecisionRepository;
  marketData: MarketDataRepository;
  /** The site agents' telemetry, for actuals beside the plan; without it, no actuals. */
  telemetry?: Pick<TelemetryRepository, 'allSamples'>;
}

/** Actuals are read for ranges up to this long (raw samples; a longer report shows the plan alone). */
export const ACTUALS_MAX_DAYS = 31;

export interface PnlQuery {
  /** One site, or every configured site. */
  siteId?: string;
  fromMs: number;
  toMs: number;
  granularity: Granularity;
}

/** P&L rows of [fromMs, toMs) (at most a year), one per site and period. */
export async function pnlReport(deps: ReportDeps, q: PnlQuery): Promise<PnlRow[]> {
  checkRange(q.fromMs, q.toMs, RANGE_LIMITS_DAYS.report);
  const sites = q.siteId !== undefined ? [siteOf(deps.sites, q.siteId)] : [...deps.sites];
  // Hashprice of the day before the range's first day, or the latest earlier one, through the last day.
  const firstDay = utcDay(q.fromMs - DAY_MS);
  const [earlier, inRange] = await Promise.all([
    deps.marketData.latestHashprice(firstDay),
    deps.marketData.getHashprices(firstDay, utcDay(q.toMs)),
  ]);
  const hashprices = new HashpriceSeries([...(earlier ? [earlier] : []), ...inRange.filter((p) => p.date !== earlier?.date)]);
  const hashprice = (t: number) => hashprices.forInterval(t)?.usdPerPhDay ?? null;

  const perSite = await Promise.all(
    sites.map(async (site) => {
      const withActuals = deps.telemetry && q.toMs - q.fromMs <= ACTUALS_MAX_DAYS * DAY_MS;
      const [decisions, prices, gridEvents, samples] = await Promise.all([
        allDecisions(deps.decisions, site.id, q.fromMs, q.toMs),
        site.market === 'FIXED' || !site.settlementPoint
          ? Promise.resolve([])
          : // From an hour earlier: a settlement interval longer than a decision's may start before the range.
            deps.marketData.getPrices(site.market, site.settlementPoint, 'RT', q.fromMs - HOUR_MS, q.toMs),
        deps.marketData.getGridEvents(site.market, q.fromMs, q.toMs),
        withActuals ? deps.telemetry!.allSamples(site.id, q.fromMs, q.toMs) : undefined,
      ]);
      const actuals = samples?.length ? { actuals: actualsIndex(samples) } : {};
      return pnlRows({
        site,
        decisions,
        price: settlementPrices(prices),
        hashprice,
        gridEvents,
        fromMs: q.fromMs,
        toMs: q.toMs,
        granularity: q.granularity,
        ...actuals,
      });
    }),
  );
  return perSite.flat();
}
