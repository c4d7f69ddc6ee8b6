/**
 * `switchyard prices --market ERCOT --node HB_HUBAVG --kind RT --from <ISO> --to <ISO> [--format csv|json]`
 * (DESIGN §6): every stored interval with start in [from, to), in UTC. CSV is
 * `interval_start_utc,price_usd_per_mwh`, one row per interval.
 */
import { MARKETS } from '#domain/sites.ts';
import type { MarketDataRepository, PriceKind } from '#ports/market-data.ts';
import { choiceFlag, instantFlag, parseFlags, requireFlag } from '../args.ts';
import { openLocalContext } from '../context.ts';
import { UsageError, type Command } from './types.ts';

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
  const fromMs = instantFlag(flags.from, 'from');
  const toMs = instantFlag(flags.to, 'to');
  if (toMs <= fromMs) throw new UsageError('--to must be after --from');
  return {
    market: choiceFlag(flags.market, 'market', MARKETS),
    node: requireFlag(flags.node, 'node'),
    kind: choiceFlag(flags.kind, 'kind', ['RT', 'DA'] as const),
    fromMs,
    toMs,
    format: flags.format === undefined ? 'csv' : choiceFlag(flags.format, 'format', ['csv', 'json'] as const),
  };
}

/** `2024-01-01T06:00:00Z`: whole seconds, as the intervals are. */
function utcText(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, 19)}Z` : s;
}

/** The command's output for stored prices. */
export async function pricesOutput(repo: MarketDataRepository, a: PricesArgs): Promise<string> {
  const points = await repo.getPrices(a.market, a.node, a.kind, a.fromMs, a.toMs);
  if (a.format === 'json') {
    const items = points.map((p) => ({ interval_start_utc: utcText(p.intervalStartMs), interval_minutes: p.intervalMinutes, price_usd_per_mwh: p.priceUsdPerMwh }));
    return `${JSON.stringify({ market: a.market, node: a.node, kind: a.kind, from: utcText(a.fromMs), to: utcText(a.toMs), items })}\n`;
  }
  const lines = ['interval_start_utc,price_usd_per_mwh'];
  for (const p of points) lines.push(`${utcText(p.intervalStartMs)},${p.priceUsdPerMwh}`);
  return `${lines.join('\n')}\n`;
}

export const prices: Command = {
  name: 'prices',
  summary: 'print stored prices of one node in a UTC window',
  usage: 'switchyard prices --market ERCOT --node HB_HUBAVG --kind RT|DA --from <ISO> --to <ISO> [--format csv|json]',
  async run(argv) {
    const args = parsePricesArgs(argv);
    const ctx = await openLocalContext();
    try {
      process.stdout.write(await pricesOutput(ctx.repos.marketData, args));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
