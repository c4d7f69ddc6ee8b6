/**
 * The emissions report of a site: per bucket (each decision interval, UTC hour, day or month) the grid energy its decisions
 * planned, the tCO2 it emits at each interval's intensity, the intensity that implies, the tCO2 curtailment avoided, and
 * the share of the period's consumption that fell in its highest-intensity decile of hours. Every planned figure sums the
 * `emissions` of stored decisions; intervals decided without an intensity are counted in `intervalsWithoutIntensity`, not
 * guessed. Where the site agent reported telemetry, each bucket also carries the actual MWh of the load-intervals it
 * covers and their actual tCO2 (actual MWh × the interval's intensity), beside the plan of the same load-intervals.
 */
import { LB_PER_TONNE } from '#domain/co2.ts';
import { type ActualEmissions, actualEmissions } from '#domain/emissions.ts';
import { ValidationError } from '#domain/errors.ts';
import { type ActualOf, actualsIndex } from '#domain/telemetry.ts';
import { DAY_MS, HOUR_MS, iso, MINUTE_MS } from '#domain/time.ts';
import type { TelemetryRepository } from '#ports/telemetry.ts';
import { decisionPages } from '../decision-log.ts';
import { ACTUALS_MAX_DAYS } from '../reports.ts';
import { siteOf } from '../sites.ts';
import type { DecisionQueryDeps } from './decisions.ts';
import { checkRange, RANGE_LIMITS_DAYS } from './range.ts';

export const EMISSIONS_GRANULARITIES = ['interval', 'hour', 'day', 'month'] as const;
export type EmissionsGranularity = (typeof EMISSIONS_GRANULARITIES)[number];

/** The widest range per granularity: a year of buckets, but interval rows only as far as a decision export goes. */
export const EMISSIONS_RANGE_DAYS: Record<EmissionsGranularity, number> = {
  interval: RANGE_LIMITS_DAYS.decisionExport,
  hour: RANGE_LIMITS_DAYS.report,
  day: RANGE_LIMITS_DAYS.report,
  month: RANGE_LIMITS_DAYS.report,
};

export interface EmissionsDeps extends DecisionQueryDeps {
  /** The site agents' telemetry, for actuals beside the plan; without it, no actuals. */
  telemetry?: Pick<TelemetryRepository, 'allSamples'>;
}

export interface EmissionsQuery {
  siteId: string;
  fromMs: number;
  toMs: number;
  granularity: EmissionsGranularity;
}

export interface EmissionsBucket {
  start: string;
  mwh: number;
  tCo2: number;
  /** tCO2 / MWh in lb per MWh; null without consumption. */
  lbCo2PerMwh: number | null;
  avoidedTCo2: number;
  /** The load-intervals of the bucket the site agent reported on; null where it reported none. */
  actual: ActualEmissions | null;
}

export interface EmissionsReport {
  siteId: string;
  from: string;
  to: string;
  granularity: EmissionsGranularity;
  /** Whether telemetry was read: only for ranges up to ACTUALS_MAX_DAYS, and where the API has a telemetry store. */
  actualsRead: boolean;
  buckets: EmissionsBucket[];
  totals: EmissionsBucket & { intervalsWithoutIntensity: number; topDecileShare: number | null };
}

function bucketStart(ms: number, g: Exclude<EmissionsGranularity, 'interval'>): number {
  if (g === 'hour') return Math.floor(ms / HOUR_MS) * HOUR_MS;
  const d = new Date(ms);
  return g === 'day' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) : Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

const r = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits;

/** MWh in the hours at or above the 90th percentile of hourly intensity, over all MWh. */
export function topDecileShare(hours: ReadonlyMap<number, { mwh: number; lb: number }>): number | null {
  const list = [...hours.values()].filter((h) => h.mwh > 0);
  const total = list.reduce((a, h) => a + h.mwh, 0);
  if (total <= 0) return null;
  const sorted = list.map((h) => h.lb / h.mwh).sort((a, b) => b - a);
  const cut = sorted[Math.max(0, Math.ceil(sorted.length / 10) - 1)]!;
  return r(list.filter((h) => h.lb / h.mwh >= cut).reduce((a, h) => a + h.mwh, 0) / total, 4);
}

interface Sum {
  mwh: number;
  lb: number;
  avoided: number;
  actual: { n: number; plannedMwh: number; plannedLb: number; mwh: number; lb: number } | null;
}

const emptySum = (): Sum => ({ mwh: 0, lb: 0, avoided: 0, actual: null });

function addActual(s: Sum, a: ActualEmissions, lbPerMwh: number): void {
  const x = (s.actual ??= { n: 0, plannedMwh: 0, plannedLb: 0, mwh: 0, lb: 0 });
  x.n += a.loadIntervals;
  x.plannedMwh += a.plannedMwh;
  x.plannedLb += a.plannedMwh * lbPerMwh;
  x.mwh += a.mwh;
  x.lb += a.mwh * lbPerMwh;
}

function merge(into: Sum, s: Sum): void {
  into.mwh += s.mwh;
  into.lb += s.lb;
  into.avoided += s.avoided;
  if (s.actual) {
    const x = (into.actual ??= { n: 0, plannedMwh: 0, plannedLb: 0, mwh: 0, lb: 0 });
    x.n += s.actual.n;
    x.plannedMwh += s.actual.plannedMwh;
    x.plannedLb += s.actual.plannedLb;
    x.mwh += s.actual.mwh;
    x.lb += s.actual.lb;
  }
}

function row(start: number, b: Sum): EmissionsBucket {
  const a = b.actual;
  return {
    start: iso(start),
    mwh: r(b.mwh, 3),
    tCo2: r(b.lb / LB_PER_TONNE, 3),
    lbCo2PerMwh: b.mwh > 0 ? r(b.lb / b.mwh, 1) : null,
    avoidedTCo2: r(b.avoided, 3),
    actual: a
      ? {
          loadIntervals: a.n,
          plannedMwh: r(a.plannedMwh, 3),
          plannedTCo2: r(a.plannedLb / LB_PER_TONNE, 3),
          mwh: r(a.mwh, 3),
          tCo2: r(a.lb / LB_PER_TONNE, 3),
        }
      : null,
  };
}

export async function emissionsReport(deps: EmissionsDeps, q: EmissionsQuery): Promise<EmissionsReport> {
  siteOf(deps.sites, q.siteId);
  if (!EMISSIONS_GRANULARITIES.includes(q.granularity)) {
    throw new ValidationError('query', [{ path: 'granularity', message: `must be one of ${EMISSIONS_GRANULARITIES.join(', ')}` }]);
  }
  checkRange(q.fromMs, q.toMs, EMISSIONS_RANGE_DAYS[q.granularity]);
  const withActuals = deps.telemetry !== undefined && q.toMs - q.fromMs <= ACTUALS_MAX_DAYS * DAY_MS;
  const samples = withActuals ? await deps.telemetry!.allSamples(q.siteId, q.fromMs, q.toMs) : [];
  const actualOf: ActualOf | null = samples.length ? actualsIndex(samples) : null;

  const buckets = new Map<number, Sum>();
  const hours = new Map<number, { mwh: number; lb: number }>();
  let missing = 0;
  for await (const page of decisionPages(deps.decisions, q.siteId, q.fromMs, q.toMs)) {
    for (const d of page) {
      const e = d.emissions;
      if (!e) {
        missing++;
        continue;
      }
      const t = Date.parse(d.intervalStart);
      const lb = e.plannedMwh * e.lbCo2PerMwh;
      const key = q.granularity === 'interval' ? t : bucketStart(t, q.granularity);
      const b = buckets.get(key) ?? emptySum();
      b.mwh += e.plannedMwh;
      b.lb += lb;
      b.avoided += e.avoidedTCo2;
      const len = d.intervalMinutes * MINUTE_MS;
      const actual = actualOf ? actualEmissions(e, (loadId) => actualOf(loadId, t, len)?.mwh ?? null) : null;
      if (actual) addActual(b, actual, e.lbCo2PerMwh);
      buckets.set(key, b);
      const h = hours.get(bucketStart(t, 'hour')) ?? { mwh: 0, lb: 0 };
      h.mwh += e.plannedMwh;
      h.lb += lb;
      hours.set(bucketStart(t, 'hour'), h);
    }
  }
  const all = emptySum();
  for (const b of buckets.values()) merge(all, b);
  return {
    siteId: q.siteId,
    from: iso(q.fromMs),
    to: iso(q.toMs),
    granularity: q.granularity,
    actualsRead: withActuals,
    buckets: [...buckets].sort((a, b) => a[0] - b[0]).map(([s, b]) => row(s, b)),
    totals: { ...row(q.fromMs, all), intervalsWithoutIntensity: missing, topDecileShare: topDecileShare(hours) },
  };
}
