/** The demo market's grid intensity: plausible for ERCOT, deterministic, seeded beside the demo prices and labelled demo. */
import { describe, expect, it } from 'vitest';
import { demoIntensity, seedDemoMarketData } from '#adapters/demo-market.ts';
import { HOUR_MS } from '#domain/time.ts';
import type { IntensityPoint, MarketDataRepository } from '#ports/market-data.ts';
import { site } from '../support/fixtures.ts';

const DAY = Date.parse('2024-07-15T05:00:00Z'); // midnight in Texas (CDT)

describe('demo intensity', () => {
  it('averages near the ERCOT mean (eGRID2023 ERCT 733.9 lb/MWh), lowest around the solar noon, the same each time', () => {
    const day = Array.from({ length: 96 }, (_, q) => demoIntensity(DAY + q * 15 * 60_000));
    const mean = day.reduce((a, b) => a + b, 0) / day.length;
    const at = (hourLocal: number) => demoIntensity(DAY + hourLocal * HOUR_MS);

    expect(Math.abs(mean - 733.9) / 733.9).toBeLessThan(0.1);
    expect(at(13)).toBeLessThan(at(20) - 200);
    expect(day).toEqual(Array.from({ length: 96 }, (_, q) => demoIntensity(DAY + q * 15 * 60_000)));
  });

  it('is seeded for ERCOT sites per quarter-hour through the next day, labelled demo so that a real point replaces it', async () => {
    const stored: IntensityPoint[] = [];
    const repo = new Proxy({} as MarketDataRepository, {
      get: (_t, name) => (name === 'putIntensity' ? async (points: IntensityPoint[]) => stored.push(...points) : async () => undefined),
    });

    await seedDemoMarketData(repo, [site()], DAY, DAY + 2 * HOUR_MS);

    const starts = stored.map((p) => p.intervalStartMs);
    expect(starts[0]).toBe(DAY);
    expect(starts.at(-1)).toBe(Date.parse('2024-07-16T23:45:00Z'));
    expect(starts.every((t, i) => i === 0 || t - starts[i - 1]! === 15 * 60_000)).toBe(true);
    expect(new Set(stored.map((p) => `${p.market} ${p.kind} ${p.intervalMinutes} ${p.settlementType} ${p.source}`))).toEqual(
      new Set(['ERCOT AVERAGE 15 DEMO demo']),
    );
  });
});
