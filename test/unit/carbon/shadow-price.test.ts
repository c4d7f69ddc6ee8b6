/** Carbon-aware curtailment: a site's shadow carbon price raises the effective energy price by price × intensity. */
import { describe, expect, it } from 'vitest';
import { LB_PER_TONNE } from '#domain/carbon.ts';
import type { CarbonInput } from '#domain/emissions.ts';
import { ValidationError } from '#domain/errors.ts';
import { decide } from '#domain/policy.ts';
import { parseSitesFile } from '#domain/sites.ts';
import { hashprice, input, price, site, T0 } from '../../support/fixtures.ts';

const dirty: CarbonInput = { lbCo2PerMwh: 1_100, kind: 'MARGINAL', source: 'watttime', intervalStartMs: T0 };
const carbonSite = site({ carbon: { shadowPriceUsdPerTonne: 100 } });
/** $100/t at 1,100 lb/MWh. */
const ADDER = (100 * 1_100) / LB_PER_TONNE;

const s21 = (core: ReturnType<typeof decide>) => core.allocations.find((a) => a.loadId === 's21')!;

describe('shadow carbon price', () => {
  const breakeven = decide(input({ price: price(0), hashprice: hashprice(50) })).breakevens!.s21!;
  const at = (usd: number, s = carbonSite, c: CarbonInput | null = dirty) =>
    decide(input({ site: s, price: price(usd), hashprice: hashprice(50), carbon: c }));

  it('curtails a load the energy price alone would run, when price × intensity tips it over breakeven', () => {
    expect(ADDER).toBeGreaterThan(40);
    const usd = breakeven - ADDER / 2;
    const plain = s21(at(usd, site()));
    expect([plain.mw, plain.reasons]).toEqual([100, ['ECONOMIC_RUN']]);
    const carbonAware = s21(at(usd));
    expect(carbonAware.mw).toBe(0);
    expect(carbonAware.reasons).toEqual(['CARBON_CURTAIL']);
  });

  it('lowers the real-time threshold by the carbon adder and marks the run as carbon-priced', () => {
    const plain = s21(at(breakeven - 2 * ADDER, site()));
    const priced = s21(at(breakeven - 2 * ADDER));
    expect(priced.mw).toBe(100);
    expect(priced.reasons).toContain('CARBON_PRICED');
    expect(plain.curtailAboveUsdPerMwh! - priced.curtailAboveUsdPerMwh!).toBeCloseTo(ADDER, 1);
  });

  it('changes nothing without an intensity or without a shadow price', () => {
    const usd = breakeven - ADDER / 2;
    expect(s21(at(usd, carbonSite, null)).mw).toBe(100);
    expect(s21(at(usd, site({ carbon: { shadowPriceUsdPerTonne: 0 } }))).mw).toBe(100);
  });

  it('is a strict key of the sites file', () => {
    const file = (carbon: unknown) => ({ sites: [{ ...site(), carbon }] });
    expect(parseSitesFile(file({ shadowPriceUsdPerTonne: 50 })).sites[0]!.carbon).toEqual({ shadowPriceUsdPerTonne: 50 });
    expect(() => parseSitesFile(file({ shadowPrice: 50 }))).toThrow(ValidationError);
    expect(() => parseSitesFile(file({ shadowPriceUsdPerTonne: -1 }))).toThrow(/carbon\.shadowPriceUsdPerTonne/);
  });
});
