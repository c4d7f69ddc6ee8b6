/**
 * `switchyard prices --market ERCOT --node HB_HUBAVG --kind RT|DA|RT5 --from <ISO> --to <ISO> [--format csv|json]`
 * (DESIGN §6): every stored interval with start in [from, to), in UTC. CSV is
 * `interval_start_utc,price_usd_per_mwh`, one row per interval; for RT5 the start is the SCED run's timestamp,
 * seconds included. Prices are printed in the currency they were stored in: a Nord Pool area's
 * (`--market NORDPOOL --node NO3`) are in EUR, and the column says so (`price_eur_per_mwh`).
 * A node that no configured site uses and that has nothing stored is an error, not an empty table.
 */
import { MARKETS, type Site } from '#domain/sites.ts';
import { type MarketDataRepository, PRICE_KINDS, type PriceKind, type PricePoint, priceCurrency } from '#ports/market-data.ts';
import { choiceFlag, formatFlag, parseFlags, requireFlag, utcText, windowFlags } from '../args.ts';
import { openLocalContext } from '../context.ts';
import type { Command } from './types.ts';

export interface PricesArgs {
  market: string;
  node: string;
  kind: PriceKind;
  fromMs: number;
  toMs: number;
  format: 'csv' | 'json';
}

export function parsePricesArgs(argv: string[]): PricesArgs {
  const flags = parseFlags(argv, {
    market: { type: 'string' },
    node: { type: 'string' },
    kind: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
  });
  const { fromMs, toMs } = windowFlags(flags);
  return {
    market: choiceFlag(flags.market, 'market', MARKETS),
    node: requireFlag(flags.node, 'node'),
    kind: choiceFlag(flags.kind, 'kind', PRICE_KINDS),
    fromMs,
    toMs,
    format: formatFlag(flags.format),
  };
}

/** A node nobody configured and nothing is stored for: most likely a typo, so it fails rather than print an empty table. */
export class UnknownNodeError extends Error {
  override readonly name = 'UnknownNodeError';
}

/** The settlement points of the configured sites of a market, sorted. */
export function configuredNodes(sites: readonly Site[], market: string): string[] {
  return [...new Set(sites.filter((s) => s.market === market && s.settlementPoint).map((s) => s.settlementPoint!))].sort();
}

const END_OF_TIME_MS = Date.parse('9999-01-01T00:00:00Z');

async function anythingStored(repo: MarketDataRepository, market: string, node: string): Promise<boolean> {
  const newest = await Promise.all(PRICE_KINDS.map((kind) => repo.latestPrice(market, node, kind, END_OF_TIME_MS)));
  return newest.some((p) => p !== null);
}

/**
 * The command's output for stored prices. `knownNodes` gives the configured sites' settlement points of the market;
 * it is asked only when the window is empty, so that printing stored prices never depends on the sites file.
 */
export async function pricesOutput(
  repo: MarketDataRepository,
  a: PricesArgs,
  knownNodes: () => readonly string[] = () => [],
): Promise<string> {
  const points = await repo.getPrices(a.market, a.node, a.kind, a.fromMs, a.toMs);
  const known = points.length === 0 ? knownNodes() : [];
  if (points.length === 0 && !known.includes(a.node) && !(await anythingStored(repo, a.market, a.node))) {
    const list = known.length > 0 ? `known nodes: ${known.join(', ')}` : `no ${a.market} site has a settlement point configured`;
    throw new UnknownNodeError(
      `--node ${a.node}: not a settlement point of a configured ${a.market} site, and no prices are stored for it (${list})`,
    );
  }
  const column = priceColumn(points);
  if (a.format === 'json') {
    const items = points.map((p) => ({
      interval_start_utc: utcText(p.intervalStartMs),
      interval_minutes: p.intervalMinutes,
      [column]: p.priceUsdPerMwh,
    }));
    const currency = column === 'price_usd_per_mwh' ? {} : { currency: priceCurrency(points[0]!) };
    const head = { market: a.market, node: a.node, kind: a.kind, from: utcText(a.fromMs), to: utcText(a.toMs), ...currency };
    return `${JSON.stringify({ ...head, items })}\n`;
  }
  const lines = [`interval_start_utc,${column}`];
  for (const p of points) lines.push(`${utcText(p.intervalStartMs)},${p.priceUsdPerMwh}`);
  return `${lines.join('\n')}\n`;
}

/** `price_usd_per_mwh`, or the stored currency's column; a window mixing currencies cannot be one column. */
function priceColumn(points: readonly PricePoint[]): string {
  const currencies = [...new Set(points.map(priceCurrency))];
  if (currencies.length > 1) throw new Error(`the window mixes prices in ${currencies.join(' and ')}; ask for a narrower one`);
  return `price_${(currencies[0] ?? 'USD').toLowerCase()}_per_mwh`;
}

export const prices: Command = {
  name: 'prices',
  summary: 'print stored prices of one node in a UTC window',
  usage: 'switchyard prices --market ERCOT|NORDPOOL --node HB_HUBAVG|NO3 --kind RT|DA|RT5 --from <ISO> --to <ISO> [--format csv|json]',
  async run(argv) {
    const args = parsePricesArgs(argv);
    const ctx = await openLocalContext();
    try {
      process.stdout.write(await pricesOutput(ctx.repos.marketData, args, () => configuredNodes(ctx.sites(), args.market)));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
