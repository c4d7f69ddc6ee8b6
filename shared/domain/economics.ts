/**
 * The economics of DESIGN §2, exactly: the backtest and the finance reports depend on them.
 * Hashprice H is USD per PH/s per day.
 */
import { DAY_MS, parseUtcDay, utcDay } from './time.ts';

/** Daily network data of one UTC day (the layout of the btc network CSV). */
export interface NetworkDay {
  date: string;
  priceUsd: number;
  hashrateThs: number;
  feesBtc: number;
  issuanceBtc: number;
}

/**
 * Hashprice for each day of a daily network series:
 * `H(d) = (issuance(d) + fees(d)) × price(d) / (mean(hashrate over d−6..d) / 1000)`,
 * the mean taken over the days of that window present in the data. Input in any order.
 */
export function hashpriceSeriesFromNetwork(days: readonly NetworkDay[]): { date: string; usdPerPhDay: number }[] {
  const sorted = [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const byMs = sorted.map((d) => ({ d, ms: parseUtcDay(d.date) }));
  const out: { date: string; usdPerPhDay: number }[] = [];
  let lo = 0;
  let sum = 0;
  for (let i = 0; i < byMs.length; i++) {
    const cur = byMs[i]!;
    sum += cur.d.hashrateThs;
    while (byMs[lo]!.ms < cur.ms - 6 * DAY_MS) sum -= byMs[lo++]!.d.hashrateThs;
    const meanThs = sum / (i - lo + 1);
    out.push({ date: cur.d.date, usdPerPhDay: ((cur.d.issuanceBtc + cur.d.feesBtc) * cur.d.priceUsd) / (meanThs / 1000) });
  }
  return out;
}

/** `H = 86400 × 1e15 / (D × 2^32) × (S + f) × p`: difficulty D, subsidy S and mean fees per block f in BTC, price p. */
export function hashpriceFromDifficulty(difficulty: number, subsidyBtc: number, feesPerBlockBtc: number, priceUsd: number): number {
  return ((86400 * 1e15) / (difficulty * 2 ** 32)) * (subsidyBtc + feesPerBlockBtc) * priceUsd;
}

/** Block subsidy in BTC at a block height (halvings every 210,000 blocks). */
export function subsidyAtHeight(height: number): number {
  return 50 / 2 ** Math.floor(height / 210_000);
}

/** Mining revenue per MWh consumed, which is also the load's breakeven energy price. */
export function revenuePerMwh(hashpriceUsdPerPhDay: number, efficiencyJPerTh: number, poolFeePct: number): number {
  return (hashpriceUsdPerPhDay * (1 - poolFeePct / 100)) / (0.024 * efficiencyJPerTh);
}

export interface IntervalMargin {
  revenueUsd: number;
  energyCostUsd: number;
  netUsd: number;
}

/** Margin of a mining load running at `mw` for `hours` at energy price `price` (all 0 when curtailed). */
export function intervalMargin(revPerMwh: number, price: number, mw: number, hours: number): IntervalMargin {
  const revenueUsd = revPerMwh * mw * hours;
  const energyCostUsd = price * mw * hours;
  return { revenueUsd, energyCostUsd, netUsd: revenueUsd - energyCostUsd };
}

/** The UTC day whose hashprice an interval starting at `intervalStartMs` uses: the last complete day. */
export function hashpriceDayFor(intervalStartMs: number): string {
  return utcDay(intervalStartMs - DAY_MS);
}

/**
 * A daily hashprice series indexed for the interval rule: day `date(t) − 1`, or the latest earlier day present.
 */
export class HashpriceSeries {
  private readonly days: number[];
  private readonly values: number[];
  private readonly labels: string[];

  constructor(points: readonly { date: string; usdPerPhDay: number }[]) {
    const sorted = [...points].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
    this.days = sorted.map((p) => parseUtcDay(p.date));
    this.values = sorted.map((p) => p.usdPerPhDay);
    this.labels = sorted.map((p) => p.date);
  }

  get size(): number {
    return this.days.length;
  }

  /** The hashprice an interval starting at `intervalStartMs` uses, with the day it came from; null when none is known. */
  forInterval(intervalStartMs: number): { usdPerPhDay: number; day: string; dayMs: number } | null {
    const wanted = Math.floor(intervalStartMs / DAY_MS) * DAY_MS - DAY_MS;
    let lo = 0;
    let hi = this.days.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.days[mid]! <= wanted) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return null;
    return { usdPerPhDay: this.values[found]!, day: this.labels[found]!, dayMs: this.days[found]! };
  }
}
