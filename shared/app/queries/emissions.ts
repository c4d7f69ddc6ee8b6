/**
 * The emissions report of a site: per bucket (UTC hour, day or month) the grid energy its decisions planned, the tCO2
 * it emits at each interval's intensity, the intensity that implies, the tCO2 curtailment avoided, and the share of the
 * period's consumption that fell in its highest-intensity decile of hours. Every figure sums the `emissions` of stored
 * decisions; intervals decided without an intensity are counted in `intervalsWithoutIntensity`, not guessed.
 */
import { LB_PER_TONNE } from '#domain/co2.ts';
import { ValidationError } from '#domain/errors.ts';
import { HOUR_MS, iso } from '#domain/time.ts';
import { decisionPages } from '../decision-log.ts';
import { siteOf } from '../sites.ts';
import type { DecisionQueryDeps } from './decisions.ts';
import { checkRange, RANGE_LIMITS_DAYS } from './range.ts';

export const EMISSIONS_GRANULARITIES = ['hour', 'day', 'month'] as const;
export type EmissionsGranularity = (typeof EMISSIONS_GRANULARITIES)[number];

export interface EmissionsBucket {
  start: string;
  mwh: number;
  tCo2: number;
  /** tCO2 / MWh in lb per MWh; null without consumption. */
  lbCo2PerMwh: number | null;
  avoidedTCo2: number;
}

export interface EmissionsReport {
  siteId: string;
  from: string;
  to: string;
  granularity: EmissionsGranularity;
  buckets: EmissionsBucket[];
  totals: EmissionsBucket & { intervalsWithoutIntensity: number; topDecileShare: number | null };
}

function bucketStart(ms: number, g: EmissionsGranularity): number {
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

export async function emissionsReport(
  deps: DecisionQueryDeps,
  q: { siteId: string; fromMs: number; toMs: number; granularity: EmissionsGranularity },
): Promise<EmissionsReport> {
  siteOf(deps.sites, q.siteId);
  checkRange(q.fromMs, q.toMs, RANGE_LIMITS_DAYS.report);
  if (!EMISSIONS_GRANULARITIES.includes(q.granularity)) {
    throw new ValidationError('query', [{ path: 'granularity', message: `must be one of ${EMISSIONS_GRANULARITIES.join(', ')}` }]);
  }
  const buckets = new Map<number, { mwh: number; lb: number; avoided: number }>();
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
      const b = buckets.get(bucketStart(t, q.granularity)) ?? { mwh: 0, lb: 0, avoided: 0 };
      b.mwh += e.plannedMwh;
      b.lb += lb;
      b.avoided += e.avoidedTCo2;
      buckets.set(bucketStart(t, q.granularity), b);
      const h = hours.get(bucketStart(t, 'hour')) ?? { mwh: 0, lb: 0 };
      h.mwh += e.plannedMwh;
      h.lb += lb;
      hours.set(bucketStart(t, 'hour'), h);
    }
  }
  const row = (start: number, b: { mwh: number; lb: number; avoided: number }): EmissionsBucket => ({
    start: iso(start),
    mwh: r(b.mwh, 3),
    tCo2: r(b.lb / LB_PER_TONNE, 3),
    lbCo2PerMwh: b.mwh > 0 ? r(b.lb / b.mwh, 1) : null,
    avoidedTCo2: r(b.avoided, 3),
  });
  const all = { mwh: 0, lb: 0, avoided: 0 };
  for (const b of buckets.values()) {
    all.mwh += b.mwh;
    all.lb += b.lb;
    all.avoided += b.avoided;
  }
  return {
    siteId: q.siteId,
    from: iso(q.fromMs),
    to: iso(q.toMs),
    granularity: q.granularity,
    buckets: [...buckets].sort((a, b) => a[0] - b[0]).map(([s, b]) => row(s, b)),
    totals: { ...row(q.fromMs, all), intervalsWithoutIntensity: missing, topDecileShare: topDecileShare(hours) },
  };
}

/** `bucket_start_utc,mwh,tco2,lb_co2_per_mwh,avoided_tco2`, one row per bucket. */
export function emissionsCsv(report: EmissionsReport): string {
  const lines = ['bucket_start_utc,mwh,tco2,lb_co2_per_mwh,avoided_tco2'];
  for (const b of report.buckets) lines.push(`${b.start},${b.mwh},${b.tCo2},${b.lbCo2PerMwh ?? ''},${b.avoidedTCo2}`);
  return `${lines.join('\n')}\n`;
}
