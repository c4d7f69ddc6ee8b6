/**
 * `switchyard bids --date <day> [--sites <file>] [--format table|json]`: prepares the day-ahead
 * bids of a local operating day from the stored market data, stores them, publishes `BidsPrepared`,
 * and prints them.
 */
import { readSitesFile } from '#adapters/sites-file.ts';
import { prepareBids } from '#app/bids.ts';
import { nordPoolOrders, nordPoolOrdersCsv } from '#app/nordpool-orders.ts';
import type { SiteBids } from '#domain/bids.ts';
import { parseInstant } from '#domain/time.ts';
import { choiceFlag, parseFlags, requireFlag } from '../args.ts';
import { openLocalContext } from '../context.ts';
import { type Command, UsageError } from './types.ts';

const money = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(2));

/** A trader's view: one line per hour with the day-ahead price, each load's threshold, and the curve. */
export function formatBids(all: readonly SiteBids[]): string {
  const out: string[] = [];
  for (const b of all) {
    out.push(
      `${b.siteId} · operating day ${b.operatingDay} · ${b.settlementPoint ?? b.market} · hashprice ${b.hashprice ? `$${b.hashprice.usdPerPhDay.toFixed(2)}/PH/day (${b.hashprice.day})` : 'unknown'}`,
    );
    const loadIds = Object.keys(b.hours[0]?.thresholdsUsdPerMwh ?? {});
    out.push(['hour', 'DA $/MWh', ...loadIds.map((id) => `${id} ≤ $/MWh`), 'peak p', 'curve (MW at ≤ $/MWh)'].join('\t'));
    for (const h of b.hours) {
      const curve = h.steps.map((s) => `${s.mw}@${s.priceUsdPerMwh}`).join(' ');
      out.push(
        [
          String(h.localHour).padStart(2, '0'),
          money(h.daUsdPerMwh),
          ...loadIds.map((id) => money(h.thresholdsUsdPerMwh[id])),
          h.peakProbability.toFixed(3),
          curve,
        ].join('\t'),
      );
    }
    const offers = b.hours[0]?.asOffers ?? [];
    if (offers.length > 0)
      out.push(
        `ancillary offers per hour: ${[...new Set(offers.map((o) => `${o.loadId} ${o.mw} MW`))].join(', ')} into ${[...new Set(offers.map((o) => o.product))].join('/')}, priced at the hour's opportunity cost`,
      );
    out.push('');
  }
  return out.join('\n');
}

export const bids: Command = {
  name: 'bids',
  summary: 'prepare, store and print the day-ahead bids of an operating day (and publish BidsPrepared)',
  usage: 'switchyard bids --date <YYYY-MM-DD> [--sites <file>] [--format table|json|nordpool]',
  async run(argv) {
    const flags = parseFlags(argv, { date: { type: 'string' }, sites: { type: 'string' }, format: { type: 'string' } });
    const date = requireFlag(flags.date, 'date');
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(parseInstant(`${date}T00:00:00Z`)))
      throw new UsageError(`--date must be a day such as 2024-07-01 (got "${date}")`);
    const format = flags.format === undefined ? 'table' : choiceFlag(flags.format, 'format', ['table', 'json', 'nordpool'] as const);
    // A sites file given is read before the store is opened: a bad file leaves nothing behind.
    const given = flags.sites ? readSitesFile(flags.sites).sites : undefined;
    const ctx = await openLocalContext();
    try {
      const sites = given ?? ctx.sites();
      if (format === 'nordpool') {
        // The Nord Pool sites' day-ahead curve orders for delivery day --date, printed, not stored.
        process.stdout.write(nordPoolOrdersCsv(await nordPoolOrders(ctx.repos.marketData, sites, date, ctx.clock.nowMs())));
        return 0;
      }
      const result = await prepareBids(
        { marketData: ctx.repos.marketData, bids: ctx.repos.bids, clock: ctx.clock, publisher: ctx.publisher },
        sites,
        date,
      );
      process.stdout.write(format === 'json' ? `${JSON.stringify(result.bids, null, 2)}\n` : formatBids(result.bids));
      if (result.unpublished.length > 0)
        process.stderr.write(
          `switchyard bids: ${result.unpublished.length} BidsPrepared event(s) not sent: ${result.unpublished.join(', ')}\n`,
        );
      return result.unpublished.length > 0 ? 1 : 0;
    } finally {
      await ctx.close();
    }
  },
};
