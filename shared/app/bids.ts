/**
 * Prepare the day-ahead bids of an operating day: read what is known (day-ahead prices, hashprice,
 * load forecast and the month's actual load so far), build each site's bids with the domain, store
 * them, and publish one `BidsPrepared` event per site.
 */
import { type HourBidInputs, operatingDayHours, type SiteBids, siteBids } from '#domain/bids.ts';
import { ValidationError } from '#domain/errors.ts';
import { peakProbability } from '#domain/forecast.ts';
import type { HashpriceInput } from '#domain/policy.ts';
import type { Site } from '#domain/sites.ts';
import { DAY_MS, HOUR_MS, localParts, parseUtcDay, utcDay } from '#domain/time.ts';
import type { BidRepository } from '#ports/bids.ts';
import type { Clock } from '#ports/clock.ts';
import type { DomainEvent, EventPublisher } from '#ports/events.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';

export interface PrepareBidsDeps {
  marketData: MarketDataRepository;
  clock: Clock;
  /** Where bids are stored; omit to only prepare them. */
  bids?: BidRepository;
  /** Where `BidsPrepared` events go; omit to skip publishing. */
  publisher?: EventPublisher;
}

export interface PrepareBidsResult {
  bids: SiteBids[];
  events: DomainEvent[];
  /** Ids of events that could not be sent (the bids are stored regardless). */
  unpublished: string[];
}

/** The `BidsPrepared` event of one site's bids: everything a scheduling entity needs to submit them. */
export function bidsPreparedEvent(bids: SiteBids, atMs: number): DomainEvent {
  return {
    detailType: 'BidsPrepared',
    id: `bids#${bids.siteId}#${bids.operatingDay}#${bids.preparedAt}`,
    timeMs: atMs,
    detail: {
      siteId: bids.siteId,
      operatingDay: bids.operatingDay,
      market: bids.market,
      settlementPoint: bids.settlementPoint,
      engineVersion: bids.engineVersion,
      preparedAt: bids.preparedAt,
      hashprice: bids.hashprice,
      hours: bids.hours.map((h) => ({
        hourStart: h.hourStart,
        localHour: h.localHour,
        steps: h.steps,
        thresholdsUsdPerMwh: h.thresholdsUsdPerMwh,
        asOffers: h.asOffers,
        flags: h.flags,
      })),
    },
  };
}

/** Inputs of each hour of a site's operating day, from what the repository knows at `nowMs`. */
export async function hourInputs(repo: MarketDataRepository, site: Site, operatingDay: string, nowMs: number): Promise<HourBidInputs[]> {
  const hours = operatingDayHours(operatingDay, site.timezone);
  const from = hours[0]!;
  const to = hours[hours.length - 1]! + HOUR_MS;
  const da = new Map<number, number>();
  if (site.market === 'FIXED') for (const h of hours) da.set(h, site.fixedPriceUsdPerMwh!);
  else
    for (const p of await repo.getPrices(site.market, site.settlementPoint!, 'DA', from, to))
      da.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.priceUsdPerMwh);

  // Coincident-peak risk, only in the configured months.
  const month = localParts(from + 12 * HOUR_MS, site.timezone).month;
  const forecast = new Map<number, number>();
  let monthPeak: number | null = null;
  if (site.fourCp.enabled && site.fourCp.months.includes(month)) {
    for (const p of await repo.getSystemLoad(site.market, 'FORECAST', from, to))
      forecast.set(Math.floor(p.intervalStartMs / HOUR_MS) * HOUR_MS, p.mw);
    const monthStart = operatingDayHours(`${operatingDay.slice(0, 8)}01`, site.timezone)[0]!;
    for (const p of await repo.getSystemLoad(site.market, 'ACTUAL', monthStart, nowMs)) {
      if (p.intervalStartMs + p.intervalMinutes * 60_000 <= nowMs && (monthPeak === null || p.mw > monthPeak)) monthPeak = p.mw;
    }
  }
  const dayMax = forecast.size > 0 ? Math.max(...forecast.values()) : null;

  const hashCache = new Map<string, HashpriceInput | null>();
  const out: HourBidInputs[] = [];
  for (const h of hours) {
    const wanted = utcDay(h - DAY_MS);
    let hp = hashCache.get(wanted);
    if (hp === undefined) {
      const p = await repo.latestHashprice(wanted);
      hp = p && {
        usdPerPhDay: p.usdPerPhDay,
        day: p.date,
        ageDays: Math.round((parseUtcDay(utcDay(h)) - parseUtcDay(p.date)) / DAY_MS),
        source: p.source,
        demo: p.source === 'demo',
      };
      hashCache.set(wanted, hp);
    }
    const lf = forecast.get(h) ?? null;
    out.push({
      hourStartMs: h,
      hashprice: hp,
      daUsdPerMwh: da.get(h) ?? null,
      peakProbability:
        lf === null
          ? 0
          : peakProbability({ intervalMinutes: 60, loadForecastMw: lf, dayForecastMaxMw: dayMax, monthPeakSoFarMw: monthPeak }),
    });
  }
  return out;
}

export async function prepareBids(deps: PrepareBidsDeps, sites: readonly Site[], operatingDay: string): Promise<PrepareBidsResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(operatingDay) || !Number.isFinite(parseUtcDay(operatingDay))) {
    throw new ValidationError('bids', [{ path: 'date', message: `must be a day such as 2024-07-01 (got "${operatingDay}")` }]);
  }
  const nowMs = deps.clock.nowMs();
  const bids: SiteBids[] = [];
  for (const site of sites) bids.push(siteBids(site, operatingDay, await hourInputs(deps.marketData, site, operatingDay, nowMs), nowMs));
  if (deps.bids) for (const b of bids) await deps.bids.put(b);
  const events = bids.map((b) => bidsPreparedEvent(b, nowMs));
  let unpublished: string[] = [];
  if (deps.publisher) {
    const r = await deps.publisher.publish(events);
    unpublished = r.failed.map((f) => f.id);
  }
  return { bids, events, unpublished };
}
