/**
 * A site's timeline as uPlot series: prices and thresholds ($/MWh), curtailment and overrides as
 * shaded bands (a 0/1 series on their own scale), planned and actual MW. Pure, so the benchmark and
 * the view build it the same way.
 */
import type uPlot from 'uplot';
import type { Actual, Decision, Override, Site } from '../types.ts';
import { actualMs, actualMw } from './data.ts';

export interface TimelineData {
  data: uPlot.AlignedData;
  /** Decision of each x index (undefined at a point that only closes a step or marks an override edge). */
  decisionOf: (Decision | undefined)[];
  miningLoads: string[];
  hasActuals: boolean;
}

export function timelineData(
  site: Site,
  decisions: Decision[],
  overrides: Override[],
  actuals: Actual[] | null,
  fromMs: number,
  toMs: number,
): TimelineData {
  const miningLoads = (site.loads as { id: string; kind: string }[]).filter((l) => l.kind === 'mining').map((l) => l.id);
  const inForce = overrides.filter((o) => o.status === 'ACTIVE' || o.cancelledAt !== undefined);
  const windows = inForce.map((o) => {
    const from = Date.parse(o.from);
    const to = o.cancelledAt ? Math.min(Date.parse(o.to), Math.max(from, Date.parse(o.cancelledAt))) : Date.parse(o.to);
    return [from, to] as const;
  });

  // x: every decision start, the end of each decision not followed at once by another, override edges in range.
  const byStart = new Map<number, Decision>();
  for (const d of decisions) byStart.set(Date.parse(d.intervalStart), d);
  const xs = new Set<number>(byStart.keys());
  for (const d of decisions) xs.add(Date.parse(d.intervalStart) + d.intervalMinutes * 60_000);
  for (const [a, b] of windows) {
    if (a >= fromMs && a < toMs) xs.add(a);
    if (b > fromMs && b <= toMs) xs.add(b);
  }
  const x = [...xs].sort((a, b) => a - b);

  const actualByStart = new Map<number, number>();
  for (const a of actuals ?? []) {
    const t = actualMs(a);
    actualByStart.set(t, (actualByStart.get(t) ?? 0) + actualMw(a));
  }
  const actualStarts = [...actualByStart.keys()].sort((a, b) => a - b);

  const n = x.length;
  const rt = new Array<number | null>(n);
  const da = new Array<number | null>(n);
  const thresholds = miningLoads.map(() => new Array<number | null>(n));
  const curtailed = new Array<number | null>(n);
  const overridden = new Array<number | null>(n);
  const planned = new Array<number | null>(n);
  const actual = new Array<number | null>(n);
  const decisionOf = new Array<Decision | undefined>(n);
  let ai = 0;
  for (let i = 0; i < n; i++) {
    const t = x[i]!;
    const d = byStart.get(t);
    decisionOf[i] = d;
    rt[i] = d?.inputs.price?.expectedUsdPerMwh ?? null;
    da[i] = d?.inputs.price?.daUsdPerMwh ?? null;
    for (let k = 0; k < miningLoads.length; k++) {
      thresholds[k]![i] = d?.allocations.find((a) => a.loadId === miningLoads[k])?.curtailAboveUsdPerMwh ?? null;
    }
    // A band where a mining load is curtailed (wholly or partly); null elsewhere, so no baseline is drawn.
    curtailed[i] = d?.allocations.some((a) => a.kind === 'mining' && (a.action === 'CURTAIL' || a.action === 'PARTIAL')) ? 1 : null;
    // Overrides are few: a point is inside one if any window holds it.
    overridden[i] = windows.some(([a, b]) => t >= a && t < b) ? 1 : null;
    planned[i] = d ? d.economics.runningMw + d.economics.aiServedMw : null;
    // Actuals: the last report within the decision's interval (x ascends, so one pointer walks the reports).
    while (ai < actualStarts.length && actualStarts[ai]! < t) ai++;
    let last: number | null = null;
    if (d)
      for (let j = ai; j < actualStarts.length && actualStarts[j]! < t + d.intervalMinutes * 60_000; j++)
        last = actualByStart.get(actualStarts[j]!)!;
    actual[i] = last;
  }
  return {
    data: [x.map((t) => t / 1000), rt, da, ...thresholds, curtailed, overridden, planned, actual] as uPlot.AlignedData,
    decisionOf,
    miningLoads,
    hasActuals: actualByStart.size > 0,
  };
}
