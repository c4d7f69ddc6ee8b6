/**
 * The Nord Pool ingest job, as the ingest-nordpool Lambda runs it in the afternoon slots after the
 * day-ahead auction (infra/schedules.ts): for the bidding zone of every NORDPOOL site, the next
 * delivery day's result from the feed chain (Nord Pool, then ENTSO-E when Nord Pool fails; see
 * shared/adapters/feeds/day-ahead-chain.ts), today's too when none is stored (an outage yesterday),
 * stored with its revision (shared/app/day-ahead.ts: a later revision replaces an earlier one and
 * the replacement is audited); then the ECB euro reference rate of the day, once it can be out
 * (≈ 16:00 CET) and is not stored yet; then the staleness of the Nord Pool sites' day-ahead feeds.
 *
 * "Not published yet" (Nord Pool's 204) is the normal answer of an early slot: the later slots ask
 * again. Only on the last slot of the day (`lastAttempt`) is a day still unpublished an error, so
 * that the invocation fails where the error alarm and the dead-letter queue see it. A day already
 * stored as Final is not asked for again unless the request names it.
 */
import { type DayAheadSource, deliveryDayOf } from '#adapters/feeds/day-ahead.ts';
import { fetchDayAhead, type SourceFailure } from '#adapters/feeds/day-ahead-chain.ts';
import type { EcbRateDay } from '#adapters/feeds/ecb-fx.ts';
import { DAY_MS, parseUtcDay, utcDay } from '#domain/time.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { FxRatePoint } from '#ports/market-data.ts';
import { DAY_AHEAD_MARKET, type DayAheadOutcome, fxRatePoints, storeDayAhead } from '../day-ahead.ts';
import { latestRateDayKnownAt } from '../market-view.ts';
import { nodesOf } from '../pull.ts';
import { feedsForSites, publishStaleness } from '../staleness.ts';
import type { FeedCheck, FeedCheckDeps } from './feed-staleness.ts';
import { announcePrices, newPriceRecorder, type PricesStored } from './price-redecide.ts';

/** Where the stored rates say they came from. */
export const ECB_RATES_SOURCE = 'ecb';

export interface NordPoolIngestDeps extends FeedCheckDeps {
  /** Where a replaced day-ahead revision is recorded. */
  audit: AuditRepository;
  /** The day-ahead sources in chain order, built only when there is a day to ask for (the Lambda reads the token then). */
  sources(): Promise<readonly DayAheadSource[]>;
  /** The latest ECB reference rates (`eurofxref-daily.xml`). */
  rates(): Promise<readonly EcbRateDay[]>;
}

export interface NordPoolIngestRequest {
  /** One delivery day (YYYY-MM-DD, CET/CEST) to fetch whatever is stored; default: the next one, and today's when missing. */
  deliveryDay?: string;
  /** The last slot of the day: a delivery day that is still not published is an error. */
  lastAttempt?: boolean;
}

export interface DayAheadIngest {
  area: string;
  deliveryDay: string;
  status: DayAheadOutcome | 'not-published' | 'failed' | 'final-already';
  /** The source that answered (`nordpool`, `entsoe`). */
  source?: string;
  revision?: { version: number; state: string };
  /** Why it is not published, or why every source failed. */
  detail?: string;
  /** Sources passed over before the one that answered. */
  failedOver?: SourceFailure[];
}

export interface NordPoolIngestOutcome extends FeedCheck {
  days: DayAheadIngest[];
  /** The EUR→USD rates stored, or why none were asked for. */
  rates: { stored: FxRatePoint[]; skipped?: string };
  /** Series whose newest interval is new, each announced by a PricesStored event. */
  stored: PricesStored[];
  /** One line per failure: `<area> <day>: …` or `ecb: …`. */
  errors: string[];
}

const nextDay = (day: string) => utcDay(parseUtcDay(day) + DAY_MS);

export async function ingestNordPoolJob(deps: NordPoolIngestDeps, req: NordPoolIngestRequest = {}): Promise<NordPoolIngestOutcome> {
  const nowMs = deps.clock.nowMs();
  const areas = nodesOf(deps.sites, DAY_AHEAD_MARKET);
  const out: Pick<NordPoolIngestOutcome, 'days' | 'rates' | 'stored' | 'errors'> = {
    days: [],
    rates: { stored: [] },
    stored: [],
    errors: [],
  };
  if (areas.length === 0) {
    deps.log.warn('no NORDPOOL sites with a bidding zone: nothing to pull');
    return { ...out, rates: { stored: [], skipped: 'no NORDPOOL sites' }, ages: [], stale: [], published: { sent: [], failed: [] } };
  }

  const recorder = newPriceRecorder(deps.marketData);
  const today = deliveryDayOf(nowMs);
  let sources: readonly DayAheadSource[] | undefined;
  for (const area of areas) {
    const wanted = req.deliveryDay ? [req.deliveryDay] : [today, nextDay(today)];
    for (const day of wanted) {
      const stored = await deps.marketData.getDayAheadRevision(DAY_AHEAD_MARKET, area, day);
      // Today's result was published yesterday: asked for only when it is missing. A Final day is not asked again.
      if (!req.deliveryDay && stored && (day === today || stored.state === 'Final')) {
        if (day !== today)
          out.days.push({ area, deliveryDay: day, status: 'final-already', revision: { version: stored.version, state: stored.state } });
        continue;
      }
      sources ??= await deps.sources();
      out.days.push(await oneDay(deps, recorder.repo, sources, area, day, req.lastAttempt ?? false, nowMs));
    }
  }
  for (const d of out.days) {
    if (d.status === 'failed' || (d.status === 'not-published' && req.lastAttempt))
      out.errors.push(`${d.area} ${d.deliveryDay}: ${d.detail}`);
  }

  out.rates = await ingestRates(deps, nowMs, out.errors);
  out.stored = recorder.stored(nowMs);
  const announced = await announcePrices(deps.publisher, out.stored, nowMs);
  // Not re-sent: the decisions it informs wait for the next new price or the hourly run.
  for (const f of announced.failed) deps.log.warn('PricesStored not sent', { eventId: f.id, error: f.error });

  // Only the feeds this job fills: the Nord Pool sites' day-ahead prices.
  const feeds = feedsForSites(deps.sites).filter((f) => f.type === 'price' && f.market === DAY_AHEAD_MARKET);
  const { ages, published } = await publishStaleness(deps.marketData, deps.publisher, feeds, nowMs);
  const stale = ages.filter((a) => a.stale).map((a) => a.feed);
  for (const feed of stale) deps.log.warn('market data stale', { feed });
  return { ...out, ages, stale, published };
}

async function oneDay(
  deps: NordPoolIngestDeps,
  repo: NordPoolIngestDeps['marketData'],
  sources: readonly DayAheadSource[],
  area: string,
  deliveryDay: string,
  lastAttempt: boolean,
  nowMs: number,
): Promise<DayAheadIngest> {
  const at = { area, deliveryDay };
  try {
    const r = await fetchDayAhead(sources, deliveryDay, area);
    const failedOver = r.failed.length ? { failedOver: r.failed } : {};
    for (const f of r.failed) deps.log.warn('day-ahead source failed, trying the next', { ...at, source: f.source, error: f.message });
    if (r.status === 'not-published') {
      if (lastAttempt) deps.log.error('day-ahead result not published by the last attempt', { ...at, detail: r.detail });
      else deps.log.info('day-ahead result not published yet', { ...at, detail: r.detail });
      return { ...at, status: 'not-published', source: r.source, detail: r.detail, ...failedOver };
    }
    const [s] = await storeDayAhead(repo, deps.audit, [r.day], { source: r.source, nowMs });
    deps.log.info('day-ahead stored', {
      ...at,
      source: r.source,
      outcome: s!.outcome,
      version: s!.revision.version,
      state: s!.revision.state,
    });
    return { ...at, status: s!.outcome, source: r.source, revision: s!.revision, ...failedOver };
  } catch (err) {
    deps.log.error('day-ahead ingest failed', { ...at, error: (err as Error).message });
    return { ...at, status: 'failed', detail: (err as Error).message };
  }
}

/** The rate of the newest day whose rate can be out by now, unless it is stored already. */
async function ingestRates(deps: NordPoolIngestDeps, nowMs: number, errors: string[]): Promise<NordPoolIngestOutcome['rates']> {
  const day = latestRateDayKnownAt(nowMs);
  const stored = await deps.marketData.latestFxRate('EUR', 'USD', day);
  if (stored?.date === day) return { stored: [], skipped: `the rate of ${day} is stored` };
  try {
    const points = fxRatePoints(await deps.rates(), ECB_RATES_SOURCE);
    await deps.marketData.putFxRates(points);
    deps.log.info('reference rates stored', { days: points.map((p) => p.date), wanted: day });
    return { stored: points };
  } catch (err) {
    errors.push(`ecb: ${(err as Error).message}`);
    deps.log.error('reference rates failed', { error: (err as Error).message });
    return { stored: [] };
  }
}
