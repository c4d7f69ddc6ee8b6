import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ERCOT_DEFAULT_EMISSION_FACTORS,
  emissionFactorsSchema,
  intensityByInterval,
  LB_PER_TONNE,
  tonnesCo2,
  weightedMeanIntensity,
} from '#domain/carbon.ts';
import { ValidationError } from '#domain/errors.ts';

const T0 = Date.parse('2024-07-01T05:00:00Z');
const Q = 15 * 60_000;
const FACTORS = { Coal: 2_000, Gas: 1_000, Wind: 0, WSL: null };

describe('intensityByInterval', () => {
  it('is Σ generation × factor / Σ generation per interval', () => {
    const [i] = intensityByInterval(
      [
        { intervalStartMs: T0, fuel: 'Coal', mwh: 100 },
        { intervalStartMs: T0, fuel: 'Gas', mwh: 200 },
        { intervalStartMs: T0, fuel: 'Wind', mwh: 700 },
      ],
      FACTORS,
    );
    expect(i).toEqual({ intervalStartMs: T0, generationMwh: 1_000, co2Lb: 400_000, lbCo2PerMwh: 400 });
  });

  it('leaves a fuel with a null factor (storage charging) out of both sums', () => {
    const [i] = intensityByInterval(
      [
        { intervalStartMs: T0, fuel: 'Gas', mwh: 100 },
        { intervalStartMs: T0, fuel: 'WSL', mwh: -50 },
      ],
      FACTORS,
    );
    expect([i!.generationMwh, i!.lbCo2PerMwh]).toEqual([100, 1_000]);
  });

  it('groups by interval and returns them in ascending order, whatever the input order', () => {
    const out = intensityByInterval(
      [
        { intervalStartMs: T0 + Q, fuel: 'Coal', mwh: 1 },
        { intervalStartMs: T0, fuel: 'Wind', mwh: 1 },
        { intervalStartMs: T0 + Q, fuel: 'Wind', mwh: 1 },
      ],
      FACTORS,
    );
    expect(out.map((i) => [i.intervalStartMs, i.lbCo2PerMwh])).toEqual([
      [T0, 0],
      [T0 + Q, 1_000],
    ]);
  });

  it('gives null intensity when nothing, or a net negative, was generated', () => {
    const out = intensityByInterval([{ intervalStartMs: T0, fuel: 'Wind', mwh: -0.2 }], FACTORS);
    expect(out[0]!.lbCo2PerMwh).toBeNull();
    expect(intensityByInterval([], FACTORS)).toEqual([]);
  });

  it('refuses a fuel without a factor, naming every such fuel, rather than counting it as zero', () => {
    const run = () =>
      intensityByInterval(
        [
          { intervalStartMs: T0, fuel: 'Fusion', mwh: 1 },
          { intervalStartMs: T0, fuel: 'Tidal', mwh: 1 },
        ],
        FACTORS,
      );
    expect(run).toThrow(ValidationError);
    expect(run).toThrow('emission factors: Fusion: no emission factor for this fuel; Tidal: no emission factor for this fuel');
  });

  it('stays between the lowest and highest factor of the fuels generating (property)', () => {
    const fuel = fc.constantFrom('Coal', 'Gas', 'Wind');
    const sample = fc.record({ fuel, mwh: fc.double({ min: 0.001, max: 5_000, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 20 }), (rows) => {
        const [i] = intensityByInterval(
          rows.map((r) => ({ ...r, intervalStartMs: T0 })),
          FACTORS,
        );
        const used = rows.map((r) => FACTORS[r.fuel as 'Coal' | 'Gas' | 'Wind']);
        expect(i!.lbCo2PerMwh!).toBeGreaterThanOrEqual(Math.min(...used) - 1e-9);
        expect(i!.lbCo2PerMwh!).toBeLessThanOrEqual(Math.max(...used) + 1e-9);
      }),
    );
  });
});

describe('weightedMeanIntensity', () => {
  it('weights each interval by its generation, unlike a plain mean of intensities', () => {
    const intervals = [
      { generationMwh: 900, co2Lb: 900 * 200 },
      { generationMwh: 100, co2Lb: 100 * 1_200 },
    ];
    expect(weightedMeanIntensity(intervals)).toBe(300);
  });

  it('is null when nothing was generated', () => {
    expect(weightedMeanIntensity([])).toBeNull();
  });
});

describe('emission factors', () => {
  it('defaults cover every ERCOT fuel, with zero for the non-emitting ones and storage charging excluded', () => {
    expect(Object.keys(ERCOT_DEFAULT_EMISSION_FACTORS).sort()).toEqual(
      ['Biomass', 'Coal', 'Gas', 'Gas-CC', 'Hydro', 'Nuclear', 'Other', 'Solar', 'WSL', 'Wind'].sort(),
    );
    expect(ERCOT_DEFAULT_EMISSION_FACTORS.WSL).toBeNull();
    expect([ERCOT_DEFAULT_EMISSION_FACTORS.Wind, ERCOT_DEFAULT_EMISSION_FACTORS.Nuclear]).toEqual([0, 0]);
    expect(ERCOT_DEFAULT_EMISSION_FACTORS.Coal! > ERCOT_DEFAULT_EMISSION_FACTORS.Gas!).toBe(true);
    expect(ERCOT_DEFAULT_EMISSION_FACTORS.Gas! > ERCOT_DEFAULT_EMISSION_FACTORS['Gas-CC']!).toBe(true);
    expect(emissionFactorsSchema.safeParse(ERCOT_DEFAULT_EMISSION_FACTORS).success).toBe(true);
  });

  it.each([
    ['a negative factor', { Coal: -1 }],
    ['an implausible factor', { Coal: 22_000 }],
    ['a factor as text', { Coal: '2200' }],
  ])('settings reject %s', (_name, value) => {
    expect(emissionFactorsSchema.safeParse(value).success).toBe(false);
  });
});

describe('tonnesCo2', () => {
  it('converts MWh at lb/MWh into metric tonnes', () => {
    expect(tonnesCo2(1, LB_PER_TONNE)).toBeCloseTo(1, 12);
    expect(tonnesCo2(100, 733.9)).toBeCloseTo(33.289, 3);
  });
});
