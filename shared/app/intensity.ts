/**
 * The stored intensity series of a market: the fuel mix's average intensity per quarter hour, from ERCOT's workbook
 * (or the live dashboard), written with the settlement type of the rows it came from; and the live intensity job, which
 * stores the dashboard's quarter hours (and a provider's marginal intensity, where one is configured) so that decisions
 * made live find an intensity for their interval.
 */
import {
  type EmissionFactors,
  ERCOT_DEFAULT_EMISSION_FACTORS,
  emissionFactorsSchema,
  type GenerationSample,
  intensityByInterval,
} from '#domain/carbon.ts';
import { ValidationError } from '#domain/errors.ts';
import { HOUR_MS, iso, MINUTE_MS } from '#domain/time.ts';
import type { Clock } from '#ports/clock.ts';
import type { Logger } from '#ports/logger.ts';
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

/**
 * Emission factors from a setting: JSON `{ "<fuel>": lb/MWh | null }` laid over the defaults (a fuel left out keeps its
 * default, documented in domain/carbon.ts). A bad value is a ValidationError naming the variable and the fuel.
 */
export function emissionFactorsSetting(text: string | undefined, defaults: EmissionFactors, variable: string): EmissionFactors {
  if (text === undefined || text.trim() === '') return defaults;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ValidationError(variable, [{ path: variable, message: 'must be JSON such as {"Coal": 2200, "Gas-CC": 850}' }]);
  }
  const parsed = emissionFactorsSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: [variable, ...i.path.map(String)].join('.'), message: i.message }));
    throw new ValidationError(variable, issues);
  }
  return Object.freeze({ ...defaults, ...parsed.data });
}

/** The live fuel mix as quarter hours of generation per fuel (MWh), with how many readings each mean is of. */
export interface LiveFuelMixSource {
  readonly name: string;
  quarterHours(): Promise<{ market: string; fuel: string; intervalStartMs: number; mwh: number; readings: number }[]>;
}

/** A provider of marginal intensity (lb CO2/MWh): measured values in [fromMs, nowMs), its forecast to toMs. */
export interface MarginalIntensitySource {
  readonly name: string;
  marginal(window: { fromMs: number; nowMs: number; toMs: number }): Promise<IntensityPoint[]>;
}

export interface LiveIntensityDeps {
  marketData: Pick<MarketDataRepository, 'putIntensity'>;
  clock: Clock;
  log: Logger;
  fuelMix: LiveFuelMixSource;
  marginal?: MarginalIntensitySource;
}

export interface LiveIntensitySettings {
  /** Per-fuel factors of the dashboard's fuels. */
  factors: EmissionFactors;
  /** How far ahead the latest full quarter's intensity is stored as a FORECAST, for the intervals a run decides. */
  forecastHours: number;
  /** How far back a marginal source is asked for measured values. */
  lookbackHours: number;
}

export const LIVE_FUEL_MIX_SOURCE = 'ercot-fuel-mix-live';
/** The settlement type of the dashboard's values: below ERCOT's INITIAL run, so the workbook's figures replace them. */
export const LIVE_SETTLEMENT = 'LIVE';
/** A quarter hour still being measured (fewer readings than a full one): replaced by its full value on the next pull. */
export const PARTIAL_SETTLEMENT = 'PARTIAL';
/** Readings of a full quarter hour on the 5-minute dashboard. */
const FULL_QUARTER_READINGS = 3;
const QUARTER_MS = 15 * MINUTE_MS;

export interface LiveIntensityOutcome {
  average: { points: number; written: number; forecast: number; latest: string | null };
  marginal: { points: number; written: number } | null;
  errors: string[];
}

/**
 * Pulls the live fuel mix (and the marginal source, when there is one) and stores it. The dashboard only has the past,
 * while a run decides the hour ahead: the latest full quarter hour's intensity is stored for the next `forecastHours`
 * as a FORECAST (persistence, labelled so), which every measured value replaces. A failing source is reported and the
 * other still stored.
 */
export async function ingestLiveIntensityJob(deps: LiveIntensityDeps, settings: LiveIntensitySettings): Promise<LiveIntensityOutcome> {
  const out: LiveIntensityOutcome = { average: { points: 0, written: 0, forecast: 0, latest: null }, marginal: null, errors: [] };
  try {
    const quarters = await deps.fuelMix.quarterHours();
    const samples: SettledGenerationSample[] = quarters.map((q) => ({
      market: q.market,
      fuel: q.fuel,
      intervalStartMs: q.intervalStartMs,
      mwh: q.mwh,
      settlementType: q.readings >= FULL_QUARTER_READINGS ? LIVE_SETTLEMENT : PARTIAL_SETTLEMENT,
      intervalMinutes: 15,
    }));
    const points = averageIntensityPoints(samples, deps.fuelMix.name, settings.factors);
    const full = points.filter((p) => p.settlementType === LIVE_SETTLEMENT);
    const forecast = persistence(full, points, settings.forecastHours);
    out.average = {
      points: points.length,
      written: await deps.marketData.putIntensity([...points, ...forecast]),
      forecast: forecast.length,
      latest: full.length ? iso(full.at(-1)!.intervalStartMs) : null,
    };
  } catch (err) {
    out.errors.push(`${deps.fuelMix.name}: ${(err as Error).message}`);
  }
  if (deps.marginal) {
    const now = deps.clock.nowMs();
    try {
      const window = { fromMs: now - settings.lookbackHours * HOUR_MS, nowMs: now, toMs: now + settings.forecastHours * HOUR_MS };
      const points = await deps.marginal.marginal(window);
      out.marginal = { points: points.length, written: await deps.marketData.putIntensity(points) };
    } catch (err) {
      out.errors.push(`${deps.marginal.name}: ${(err as Error).message}`);
    }
  }
  for (const e of out.errors) deps.log.warn('live intensity source failed', { error: e });
  return out;
}

/** The latest full quarter's intensity for each quarter after it, up to `hours` ahead, where nothing fuller is computed. */
function persistence(full: readonly IntensityPoint[], all: readonly IntensityPoint[], hours: number): IntensityPoint[] {
  const last = full.at(-1);
  if (!last || hours <= 0) return [];
  const taken = new Set(all.filter((p) => p.market === last.market).map((p) => p.intervalStartMs));
  const out: IntensityPoint[] = [];
  for (let t = last.intervalStartMs + QUARTER_MS; t < last.intervalStartMs + QUARTER_MS + hours * HOUR_MS; t += QUARTER_MS) {
    if (taken.has(t)) continue;
    out.push({ ...last, intervalStartMs: t, generationMwh: null, settlementType: 'FORECAST' });
  }
  return out;
}
