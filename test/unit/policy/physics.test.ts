import { describe, expect, it } from 'vitest';
import {
  choosePowerMode,
  compareEfficiency,
  fitInterconnect,
  hysteresisBand,
  levelBounds,
  powerOptions,
  smallestOption,
} from '#domain/physics.ts';
import { type MiningLoad, MiningLoadSchema } from '#domain/sites.ts';
import { T0 } from '../../support/fixtures.ts';

const MIN = 60_000;
const load = (extra: Partial<MiningLoad> = {}): MiningLoad =>
  MiningLoadSchema.parse({ id: 'm', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2, ...extra });
const withEco = load({ modes: [{ id: 'eco', powerMw: 70, efficiencyJPerTh: 15 }] });

describe('power options', () => {
  it('lists full power and each mode, highest MW first', () => {
    expect(powerOptions(withEco).map((o) => [o.modeId, o.mw])).toEqual([
      [undefined, 100],
      ['eco', 70],
    ]);
    expect(smallestOption(powerOptions(withEco)).modeId).toBe('eco');
  });

  it('orders fleets most efficient first, then by id', () => {
    const fleets = [load({ id: 'b', efficiencyJPerTh: 21.5 }), load({ id: 'c' }), load({ id: 'a' })];
    expect(fleets.sort(compareEfficiency).map((l) => l.id)).toEqual(['a', 'c', 'b']);
  });
});

describe('level bounds', () => {
  it('leaves a load free without a previous level', () => {
    expect(levelBounds(load({ minRunMinutes: 60 }), powerOptions(load()), undefined, T0, 15)).toEqual({
      minMw: 0,
      maxMw: 100,
      minRun: false,
      minOff: false,
    });
  });

  it('holds a running load at its smallest option through its minimum run time, and not after', () => {
    const l = load({ minRunMinutes: 60, modes: [{ id: 'eco', powerMw: 70, efficiencyJPerTh: 15 }] });
    expect(levelBounds(l, powerOptions(l), { mw: 100, sinceMs: T0 - 30 * MIN }, T0, 15)).toMatchObject({ minMw: 70, minRun: true });
    expect(levelBounds(l, powerOptions(l), { mw: 100, sinceMs: T0 - 60 * MIN }, T0, 15)).toMatchObject({ minMw: 0, minRun: false });
  });

  it('holds a stopped load off through its minimum off time', () => {
    const l = load({ minOffMinutes: 30 });
    expect(levelBounds(l, powerOptions(l), { mw: 0, sinceMs: T0 - 15 * MIN }, T0, 15)).toMatchObject({ maxMw: 0, minOff: true });
  });

  it('keeps a slow load within one interval of ramp of its previous level', () => {
    const l = load({ rampMinutes: 60 });
    expect(levelBounds(l, powerOptions(l), { mw: 50, sinceMs: T0 - 120 * MIN }, T0, 15)).toMatchObject({ minMw: 25, maxMw: 75 });
    // A load that ramps within an interval is not bounded.
    expect(levelBounds(load({ rampMinutes: 5 }), powerOptions(l), { mw: 50, sinceMs: T0 - 120 * MIN }, T0, 15)).toMatchObject({
      minMw: 0,
      maxMw: 100,
    });
  });
});

describe('hysteresis band', () => {
  it('is 0 without a previous state, +h while running, and −h less the restart cost per MWh when stopped', () => {
    const l = load({ restartCostUsd: 1000 });
    expect(hysteresisBand(l, 100, null, 5, 15)).toBe(0);
    expect(hysteresisBand(l, 100, true, 5, 15)).toBe(5);
    // $1000 over 100 MW × 1 h.
    expect(hysteresisBand(l, 100, false, 5, 15)).toBe(-15);
  });
});

describe('power-mode choice', () => {
  // At $50/PH/day and 2% fee: full power (17.5 J/TH) pays 116.67/MWh, eco (15 J/TH) 136.11/MWh.
  it('runs full power when it pays most, a reduced mode when only that pays, and nothing above both', () => {
    const opts = powerOptions(withEco);
    const rev = 116.6667;
    expect(choosePowerMode(withEco, opts, 50, rev, 40, null, 0, 15).option?.modeId).toBeUndefined();
    expect(choosePowerMode(withEco, opts, 50, rev, 40, null, 0, 15).option?.mw).toBe(100);
    expect(choosePowerMode(withEco, opts, 50, rev, 120, null, 0, 15).option?.modeId).toBe('eco');
    expect(choosePowerMode(withEco, opts, 50, rev, 140, null, 0, 15).option).toBeUndefined();
  });

  it('lets the band keep a running load on above its breakeven', () => {
    const l = load();
    expect(choosePowerMode(l, powerOptions(l), 50, 116.67, 119, true, 5, 15)).toMatchObject({ option: { mw: 100 }, band: 5 });
    expect(choosePowerMode(l, powerOptions(l), 50, 116.67, 119, null, 5, 15)).toEqual({ option: undefined, band: 0 });
  });
});

describe('fitting the interconnect', () => {
  it('keeps a level that fits, else takes the largest option that fits, else what is left', () => {
    const opts = powerOptions(withEco);
    expect(fitInterconnect(opts, 100, undefined, 120)).toEqual({ mw: 100, modeId: undefined, limited: false });
    expect(fitInterconnect(opts, 100, undefined, 80)).toEqual({ mw: 70, modeId: 'eco', limited: true });
    expect(fitInterconnect(opts, 100, undefined, 40)).toEqual({ mw: 40, modeId: undefined, limited: true });
    expect(fitInterconnect(opts, 100, undefined, -1)).toEqual({ mw: 0, modeId: undefined, limited: true });
  });
});
