/**
 * Finance P&L from recorded decisions and settlement prices (DESIGN §2 "Economics"), per site and
 * UTC day or month. Pure: every input is passed in.
 *
 * Per interval of Δ hours, settlement (real-time) price p, hashprice H by the interval rule:
 * - a mining load running at P MW in a mode of efficiency e: revenue `rev(H, e) × P × Δ`,
 *   energy cost `p × P × Δ`; curtailed: 0 (DESIGN margin formula).
 * - always-on: every mining load at full power, `(rev(H, e_full) − p) × P_full × Δ`; the
 *   curtailment value is the recorded net margin minus that.
 * - AI tenants: revenue `(grid MW + backup MW) × contract price × Δ`; their grid energy costs `p × MW × Δ`.
 * - grid programmes: ancillary-service awards and demand-response deployments of the site that
 *   carry a price, `MW × price × hours` of the window inside the period.
 * Intervals without a settlement price (or hashprice) are counted, not guessed: their
 * price-dependent amounts are left out and the row says how many there were. An AI tenant's revenue
 * is left out with its energy cost, so that a missing price never shows as free power. Intervals
 * decided on demo inputs are counted in `demoIntervals`.
 * - actuals (where the site agent reported telemetry): per mining load-interval with samples, the
 *   planned MWh beside the actual MWh (mean sampled MW × Δ), its energy at the settlement price, and
 *   its mining revenue from the reported hashrate (or the MWh at full-power efficiency without one).
 */
import type { Decision } from './decision.ts';
import { revenuePerMwh } from './economics.ts';
import type { GridEvent } from './grid.ts';
import type { AiLoad, MiningLoad, Site } from './sites.ts';
import { type ActualOf, actualMiningRevenue } from './telemetry.ts';
import { DAY_MS, HOUR_MS, iso, MINUTE_MS } from './time.ts';

export type Granularity = 'day' | 'month';

export interface PnlRow {
  siteId: string;
  /** `YYYY-MM-DD` (UTC day) or `YYYY-MM` (UTC month). */
  period: string;
  /** The part of the period inside the requested range, [from, to). */
  from: string;
  to: string;
  /** Decided intervals in the period. */
  intervals: number;
  /** Intervals with no stored settlement price: left out of every price-dependent amount, AI tenants' too. */
  unpricedIntervals: number;
  /** Intervals decided on demo market data (flag DEMO_INPUTS): their amounts are not real money. */
  demoIntervals: number;
  /** Intervals with no hashprice (stored or recorded): left out of mining revenue and margins. */
  noHashpriceIntervals: number;
  miningRevenueUsd: number;
  /** Mining loads' energy at the settlement price. */
  energyCostUsd: number;
  /** Mining revenue − mining energy cost. */
  netMarginUsd: number;
  miningMwh: number;
  /** Mining MW not drawn (configured MW − allocated MW), all intervals. */
  curtailedMwh: number;
  /** Net margin of running every mining load at full power in the same (priced) intervals. */
  alwaysOnNetUsd: number;
  /** netMarginUsd − alwaysOnNetUsd: what curtailing earned against always-on. */
  curtailmentValueUsd: number;
  aiRevenueUsd: number;
  /** AI tenants' grid energy at the settlement price. */
  aiEnergyCostUsd: number;
  gridProgrammeRevenueUsd: number;
  /** netMargin + AI revenue − AI energy cost + grid-programme revenue. */
  siteNetUsd: number;
  /** What ran, from the site agent's telemetry, over the mining load-intervals that have it; null when none has. */
  actual: ActualPnl | null;
}

export interface ActualPnl {
  /** Mining load-intervals with telemetry. */
  loadIntervals: number;
  /** MWh the decisions planned in those load-intervals. */
  plannedMwh: number;
  mwh: number;
  /** Of the actual MWh, at the settlement price (priced intervals only). */
  energyCostUsd: number;
  /** From the reported hashrate (priced and hashpriced intervals only). */
  miningRevenueUsd: number;
  netMarginUsd: number;
}

/** Settlement price of an interval, time-weighted over stored points; null when not fully covered. */
export type SettlementPrice = (intervalStartMs: number, lengthMs: number) => number | null;

/** Settlement prices from stored points of any length (e.g. 5-, 15- or 60-minute RT prices). */
export function settlementPrices(
  points: readonly { intervalStartMs: number; intervalMinutes: number; priceUsdPerMwh: number }[],
): SettlementPrice {
  const sorted = [...points].sort((a, b) => a.intervalStartMs - b.intervalStartMs);
  const starts = sorted.map((p) => p.intervalStartMs);
  return (t, len) => {
    // The last point starting at or before t, then walk forward over the interval.
    let lo = 0;
    let hi = starts.length - 1;
    let i = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) {
        i = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (i < 0) return null;
    let covered = t;
    let sum = 0;
    for (; i < sorted.length && covered < t + len; i++) {
      const p = sorted[i]!;
      const end = p.intervalStartMs + p.intervalMinutes * MINUTE_MS;
      if (p.intervalStartMs > covered || end <= covered) {
        if (end <= covered) continue;
        return null; // a gap
      }
      const upTo = Math.min(end, t + len);
      sum += p.priceUsdPerMwh * (upTo - covered);
      covered = upTo;
    }
    return covered >= t + len ? sum / len : null;
  };
}

/** Start of the UTC day or month containing `ms`, and of the next one. */
export function periodOf(ms: number, g: Granularity): { startMs: number; endMs: number; label: string } {
  if (g === 'day') {
    const startMs = Math.floor(ms / DAY_MS) * DAY_MS;
    return { startMs, endMs: startMs + DAY_MS, label: iso(startMs).slice(0, 10) };
  }
  const d = new Date(ms);
  const startMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  return { startMs, endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1), label: iso(startMs).slice(0, 7) };
}

export interface PnlInputs {
  site: Site;
  /** Current decisions of the site in [fromMs, toMs), any order. */
  decisions: readonly Decision[];
  price: SettlementPrice;
  /** Hashprice (USD/PH/day) an interval uses by the DESIGN rule; null when none is stored. */
  hashprice: (intervalStartMs: number) => number | null;
  gridEvents: readonly GridEvent[];
  fromMs: number;
  toMs: number;
  granularity: Granularity;
  /** The site agent's actuals; absent: no actual columns. */
  actuals?: ActualOf;
}

const PROGRAMME_EVENTS = new Set(['AS_AWARD', 'DR_DEPLOYMENT']);

/** One row per period overlapping [fromMs, toMs), in order; periods without decisions have zeros. */
export function pnlRows(inp: PnlInputs): PnlRow[] {
  const { site } = inp;
  const rows = new Map<string, PnlRow>();
  const order: PnlRow[] = [];
  for (let t = inp.fromMs; t < inp.toMs; ) {
    const p = periodOf(t, inp.granularity);
    const row = emptyRow(site.id, p.label, Math.max(p.startMs, inp.fromMs), Math.min(p.endMs, inp.toMs));
    rows.set(p.label, row);
    order.push(row);
    t = p.endMs;
  }
  const mining = new Map(site.loads.filter((l): l is MiningLoad => l.kind === 'mining').map((l) => [l.id, l]));
  const ai = new Map(site.loads.filter((l): l is AiLoad => l.kind === 'ai').map((l) => [l.id, l]));

  for (const d of inp.decisions) {
    const t = Date.parse(d.intervalStart);
    if (t < inp.fromMs || t >= inp.toMs) continue;
    const row = rows.get(periodOf(t, inp.granularity).label)!;
    const hours = d.intervalMinutes / 60;
    const p = site.market === 'FIXED' ? (site.fixedPriceUsdPerMwh ?? null) : inp.price(t, d.intervalMinutes * MINUTE_MS);
    const h = inp.hashprice(t) ?? d.inputs.hashprice?.usdPerPhDay ?? null;
    row.intervals++;
    if (p === null) row.unpricedIntervals++;
    if (d.flags.includes('DEMO_INPUTS')) row.demoIntervals++;
    if (h === null) row.noHashpriceIntervals++;
    const seen = new Set<string>();
    for (const a of d.allocations) {
      seen.add(a.loadId);
      if (a.kind === 'mining') {
        const load = mining.get(a.loadId);
        const fullMw = load?.powerMw ?? a.mw;
        row.miningMwh += a.mw * hours;
        row.curtailedMwh += Math.max(0, fullMw - a.mw) * hours;
        const act = load && inp.actuals?.(a.loadId, t, d.intervalMinutes * MINUTE_MS);
        if (load && act) {
          const x = (row.actual ??= { loadIntervals: 0, plannedMwh: 0, mwh: 0, energyCostUsd: 0, miningRevenueUsd: 0, netMarginUsd: 0 });
          x.loadIntervals++;
          x.plannedMwh += a.mw * hours;
          x.mwh += act.mwh;
          if (p !== null && h !== null) {
            x.energyCostUsd += p * act.mwh;
            x.miningRevenueUsd += actualMiningRevenue(act, load, h, d.intervalMinutes * MINUTE_MS);
          }
        }
        if (!load || p === null || h === null) continue;
        const eff = (a.modeId && load.modes.find((m) => m.id === a.modeId)?.efficiencyJPerTh) || load.efficiencyJPerTh;
        const rev = revenuePerMwh(h, eff, load.poolFeePct) * a.mw * hours;
        const cost = p * a.mw * hours;
        row.miningRevenueUsd += rev;
        row.energyCostUsd += cost;
        row.alwaysOnNetUsd += (revenuePerMwh(h, load.efficiencyJPerTh, load.poolFeePct) - p) * load.powerMw * hours;
      } else {
        const load = ai.get(a.loadId);
        if (p === null) continue;
        if (load) row.aiRevenueUsd += (a.mw + (a.backupGenMw ?? 0)) * load.priceUsdPerMwh * hours;
        row.aiEnergyCostUsd += p * a.mw * hours;
      }
    }
    // A mining load the decision did not mention (configured since) would have run always-on.
    if (p !== null && h !== null) {
      for (const load of mining.values()) {
        if (!seen.has(load.id)) row.alwaysOnNetUsd += (revenuePerMwh(h, load.efficiencyJPerTh, load.poolFeePct) - p) * load.powerMw * hours;
      }
    }
  }

  for (const e of inp.gridEvents) {
    if (!PROGRAMME_EVENTS.has(e.type) || e.siteId !== site.id || e.priceUsdPerMwh === undefined || e.mw === undefined) continue;
    for (const row of order) {
      const a = Math.max(e.startMs, Date.parse(row.from));
      const b = Math.min(e.endMs, Date.parse(row.to));
      if (b > a) row.gridProgrammeRevenueUsd += e.mw * e.priceUsdPerMwh * ((b - a) / HOUR_MS);
    }
  }

  // Cents, with the derived amounts computed from the rounded parts so that the row adds up.
  for (const row of order) {
    for (const k of SUMMED_MONEY) row[k] = round(row[k], 2);
    row.netMarginUsd = round(row.miningRevenueUsd - row.energyCostUsd, 2);
    row.curtailmentValueUsd = round(row.netMarginUsd - row.alwaysOnNetUsd, 2);
    row.siteNetUsd = round(row.netMarginUsd + row.aiRevenueUsd - row.aiEnergyCostUsd + row.gridProgrammeRevenueUsd, 2);
    row.miningMwh = round(row.miningMwh, 3);
    row.curtailedMwh = round(row.curtailedMwh, 3);
    const x = row.actual;
    if (x) {
      x.energyCostUsd = round(x.energyCostUsd, 2);
      x.miningRevenueUsd = round(x.miningRevenueUsd, 2);
      x.netMarginUsd = round(x.miningRevenueUsd - x.energyCostUsd, 2);
      x.plannedMwh = round(x.plannedMwh, 3);
      x.mwh = round(x.mwh, 3);
    }
  }
  return order;
}

const SUMMED_MONEY = [
  'miningRevenueUsd',
  'energyCostUsd',
  'alwaysOnNetUsd',
  'aiRevenueUsd',
  'aiEnergyCostUsd',
  'gridProgrammeRevenueUsd',
] as const;

function emptyRow(siteId: string, period: string, fromMs: number, toMs: number): PnlRow {
  return {
    siteId,
    period,
    from: iso(fromMs),
    to: iso(toMs),
    intervals: 0,
    unpricedIntervals: 0,
    demoIntervals: 0,
    noHashpriceIntervals: 0,
    miningRevenueUsd: 0,
    energyCostUsd: 0,
    netMarginUsd: 0,
    miningMwh: 0,
    curtailedMwh: 0,
    alwaysOnNetUsd: 0,
    curtailmentValueUsd: 0,
    aiRevenueUsd: 0,
    aiEnergyCostUsd: 0,
    gridProgrammeRevenueUsd: 0,
    siteNetUsd: 0,
    actual: null,
  };
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
