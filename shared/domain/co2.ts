/**
 * Units of CO2, apart from carbon.ts so that what every decision imports (emissions, the economics step) does not pull
 * carbon.ts's settings schema, and with it zod, into the Lambda bundles.
 */

/** Pounds in a metric tonne. */
export const LB_PER_TONNE = 2_204.622_621_8;

/** Tonnes of CO2 for an energy at an intensity. */
export function tonnesCo2(mwh: number, lbCo2PerMwh: number): number {
  return (mwh * lbCo2PerMwh) / LB_PER_TONNE;
}
