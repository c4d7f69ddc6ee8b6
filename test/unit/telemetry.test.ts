/** Actual energy of an interval and the performance record of a grid deployment, from samples. */
import { describe, expect, it } from 'vitest';
import type { GridEvent } from '#domain/grid.ts';
import { SiteSchema } from '#domain/sites.ts';
import { actualsIndex, deploymentPerformance, intervalActual, isDeploymentFor, type LoadSample, miningTotals } from '#domain/telemetry.ts';

const T = Date.parse('2024-07-15T20:00:00Z');
const MIN = 60_000;
const site = SiteSchema.parse({
  id: 'rockdale',
  name: 'R',
  market: 'ERCOT',
  settlementPoint: 'HB_HUBAVG',
  timezone: 'America/Chicago',
  interconnectMw: 200,
  loads: [
    { id: 'a', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 },
    { id: 'b', kind: 'mining', powerMw: 50, efficiencyJPerTh: 21.5 },
    { id: 't', kind: 'ai', contractedMw: 10, priceUsdPerMwh: 100 },
  ],
});
const s = (loadId: string, atMs: number, actualMw: number, hashrateThs?: number): LoadSample => ({
  siteId: 'rockdale',
  loadId,
  atMs,
  actualMw,
  ...(hashrateThs ? { hashrateThs } : {}),
});
const event = (e: Partial<GridEvent>): GridEvent => ({
  id: 'e',
  type: 'DR_DEPLOYMENT',
  market: 'ERCOT',
  siteId: 'rockdale',
  mw: 50,
  startMs: T,
  endMs: T + 15 * MIN,
  ...e,
});

describe('intervalActual', () => {
  it('is the mean sampled MW over the interval length, samples outside left out', () => {
    const a = intervalActual([s('a', T, 100, 5e6), s('a', T + 5 * MIN, 50, 3e6), s('a', T + 15 * MIN, 0)], T, 15 * MIN);
    expect(a).toEqual({ mwh: 18.75, meanMw: 75, meanHashrateThs: 4e6, samples: 2 });
  });

  it('is null without a sample in the interval, and the index finds the same as a scan', () => {
    const samples = [s('a', T + MIN, 10), s('b', T + 16 * MIN, 20)];
    const of = actualsIndex(samples);
    expect(intervalActual(samples, T + 30 * MIN, 15 * MIN)).toBeNull();
    expect(of('a', T, 15 * MIN)).toEqual(intervalActual([samples[0]!], T, 15 * MIN));
    expect(of('b', T, 15 * MIN)).toBeNull();
  });
});

describe('deploymentPerformance', () => {
  const totals = (readings: [number, number, number][]) =>
    miningTotals(
      site,
      readings.flatMap(([t, a, b]) => [s('a', t, a), s('b', t, b)]),
    );

  it('sums mining loads only, once each has reported', () => {
    expect(miningTotals(site, [s('a', T, 10), s('t', T, 9), s('b', T + MIN, 5), s('a', T + 2 * MIN, 1)])).toEqual([
      { atMs: T + MIN, mw: 15 },
      { atMs: T + 2 * MIN, mw: 6 },
    ]);
  });

  it('measures asked, baseline, achieved and the time to 95% of the asked MW', () => {
    const p = deploymentPerformance(
      event({}),
      totals([
        [T - MIN, 100, 50],
        [T + 10_000, 100, 50],
        [T + 30_000, 100, 2],
        [T + 60_000, 100, 0],
      ]),
    );
    expect(p).toMatchObject({ askedMw: 50, baselineMw: 150, achievedMw: 50, secondsToAchieve: 30, met: true, samples: 3 });
  });

  it('is not met when the fleet never sheds enough, and has no baseline without readings before the start', () => {
    expect(
      deploymentPerformance(
        event({}),
        totals([
          [T - MIN, 100, 50],
          [T + MIN, 100, 20],
        ]),
      ),
    ).toMatchObject({ achievedMw: 30, secondsToAchieve: null, met: false });
    expect(deploymentPerformance(event({}), totals([[T + MIN, 0, 0]]))).toMatchObject({
      baselineMw: null,
      achievedMw: null,
      met: false,
      samples: 1,
    });
  });

  it('asks an emergency order for all the mining that ran before it', () => {
    const eea = event({ type: 'EEA', siteId: undefined, level: 2, mw: undefined });
    expect(isDeploymentFor(site, eea)).toBe(true);
    expect(
      deploymentPerformance(
        eea,
        totals([
          [T - MIN, 100, 50],
          [T + 2 * MIN, 0, 0],
        ]),
      ),
    ).toMatchObject({ askedMw: 150, achievedMw: 150, secondsToAchieve: 120 });
  });

  it('counts another site’s deployment, and an award, as no deployment of this site', () => {
    expect(isDeploymentFor(site, event({ siteId: 'tydal' }))).toBe(false);
    expect(isDeploymentFor(site, event({ type: 'AS_AWARD' }))).toBe(false);
  });
});
