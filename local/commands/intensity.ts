/**
 * `switchyard intensity --market ERCOT --from <ISO> --to <ISO> [--kind AVERAGE|MARGINAL] [--format csv|json]`: the stored
 * carbon intensity of every quarter hour with start in [from, to), in UTC. CSV is `interval_start_utc,lb_co2_per_mwh`,
 * one row per stored interval; JSON adds the generation and settlement type of each.
 */
import { MARKETS } from '#domain/sites.ts';
import { INTENSITY_KINDS, type IntensityKind, type MarketDataRepository } from '#ports/market-data.ts';
import { choiceFlag, formatFlag, parseFlags, utcText, windowFlags } from '../args.ts';
import { openLocalContext } from '../context.ts';
import type { Command } from './types.ts';

export interface IntensityArgs {
  market: string;
  kind: IntensityKind;
  fromMs: number;
  toMs: number;
  format: 'csv' | 'json';
}

export function parseIntensityArgs(argv: string[]): IntensityArgs {
  const flags = parseFlags(argv, {
    market: { type: 'string' },
    kind: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
  });
  const { fromMs, toMs } = windowFlags(flags);
  return {
    market: choiceFlag(flags.market, 'market', MARKETS),
    kind: flags.kind === undefined ? 'AVERAGE' : choiceFlag(flags.kind, 'kind', INTENSITY_KINDS),
    fromMs,
    toMs,
    format: formatFlag(flags.format),
  };
}

export async function intensityOutput(repo: MarketDataRepository, a: IntensityArgs): Promise<string> {
  const points = await repo.getIntensity(a.market, a.kind, a.fromMs, a.toMs);
  if (a.format === 'json') {
    const items = points.map((p) => ({
      interval_start_utc: utcText(p.intervalStartMs),
      interval_minutes: p.intervalMinutes,
      lb_co2_per_mwh: p.lbCo2PerMwh,
      generation_mwh: p.generationMwh,
      settlement_type: p.settlementType,
      source: p.source,
    }));
    return `${JSON.stringify({ market: a.market, kind: a.kind, from: utcText(a.fromMs), to: utcText(a.toMs), items })}\n`;
  }
  const lines = ['interval_start_utc,lb_co2_per_mwh'];
  for (const p of points) lines.push(`${utcText(p.intervalStartMs)},${p.lbCo2PerMwh}`);
  return `${lines.join('\n')}\n`;
}

export const intensity: Command = {
  name: 'intensity',
  summary: 'print the stored grid carbon intensity of a market in a UTC window',
  usage: 'switchyard intensity --market ERCOT --from <ISO> --to <ISO> [--kind AVERAGE|MARGINAL] [--format csv|json]',
  async run(argv) {
    const args = parseIntensityArgs(argv);
    const ctx = await openLocalContext();
    try {
      process.stdout.write(await intensityOutput(ctx.repos.marketData, args));
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
