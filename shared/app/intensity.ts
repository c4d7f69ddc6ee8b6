/**
 * The stored intensity series of a market: the fuel mix's average intensity per quarter hour, from ERCOT's workbook
 * (or the live dashboard), written with the settlement type of the rows it came from.
 */
import { type EmissionFactors, ERCOT_DEFAULT_EMISSION_FACTORS, type GenerationSample, intensityByInterval } from '#domain/carbon.ts';
import { type IntensityPoint, type MarketDataRepository, settlementRank } from '#ports/market-data.ts';

export interface SettledGenerationSample extends GenerationSample {
  market: string;
  settlementType: string;
  intervalMinutes: number;
}

/**
 * One AVERAGE point per market and interval. An interval whose fuels came from rows of different settlement runs
 * takes the least settled of them, so that a later, fully FINAL ingest can still replace it.
 */
export function averageIntensityPoints(
  samples: readonly SettledGenerationSample[],
  source: string,
  factors: EmissionFactors = ERCOT_DEFAULT_EMISSION_FACTORS,
): IntensityPoint[] {
  const byMarket = new Map<string, SettledGenerationSample[]>();
  for (const s of samples) {
    const list = byMarket.get(s.market);
    if (list) list.push(s);
    else byMarket.set(s.market, [s]);
  }
  const out: IntensityPoint[] = [];
  for (const [market, list] of byMarket) {
    const meta = new Map<number, { type: string; minutes: number }>();
    for (const s of list) {
      const m = meta.get(s.intervalStartMs);
      if (!m || settlementRank(s.settlementType) < settlementRank(m.type)) {
        meta.set(s.intervalStartMs, { type: s.settlementType, minutes: s.intervalMinutes });
      }
    }
    for (const i of intensityByInterval(list, factors)) {
      if (i.lbCo2PerMwh === null) continue;
      const m = meta.get(i.intervalStartMs)!;
      out.push({
        market,
        kind: 'AVERAGE',
        intervalStartMs: i.intervalStartMs,
        intervalMinutes: m.minutes,
        lbCo2PerMwh: round(i.lbCo2PerMwh, 3),
        generationMwh: round(i.generationMwh, 3),
        settlementType: m.type,
        source,
      });
    }
  }
  return out;
}

/** Computes and stores the series; returns points computed and written (the rest were already more settled). */
export async function ingestIntensity(
  repo: MarketDataRepository,
  samples: readonly SettledGenerationSample[],
  source: string,
  factors?: EmissionFactors,
): Promise<{ points: number; written: number }> {
  const points = averageIntensityPoints(samples, source, factors);
  const written = await repo.putIntensity(points);
  return { points: points.length, written };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
