/** Small, hand-made market data for backtest tests that must not depend on ../shared/data. */
import type { BacktestMarketData } from '#app/backtest/index.ts';
import { HashpriceSeries } from '#domain/economics.ts';
import { parseSitesFile, type Site, type SiteInput } from '#domain/sites.ts';
import type { PricePoint } from '#ports/market-data.ts';

export const START = Date.parse('2024-07-01T05:00:00Z'); // 00:00 CDT

/** `days` days of 15-minute prices: $30 overnight, $60 by day, a 45-minute $900 spike every evening at 19:00 CDT. */
export function syntheticMarket(days = 3): BacktestMarketData {
  const rt: PricePoint[] = [];
  const da: PricePoint[] = [];
  for (let k = 0; k < days * 96; k++) {
    const t = START + k * 900_000;
    const localHour = Math.floor((k % 96) / 4);
    const quarter = k % 4;
    const spike = localHour === 19 && quarter < 3;
    const price = spike ? 900 : localHour >= 8 && localHour < 20 ? 60 + quarter : 30 - quarter;
    rt.push({ market: 'ERCOT', node: 'HB_HUBAVG', kind: 'RT', intervalStartMs: t, intervalMinutes: 15, priceUsdPerMwh: price });
    if (quarter === 0)
      da.push({
        market: 'ERCOT',
        node: 'HB_HUBAVG',
        kind: 'DA',
        intervalStartMs: t,
        intervalMinutes: 60,
        priceUsdPerMwh: localHour === 19 ? 250 : 45,
      });
  }
  const hashprice = new HashpriceSeries([
    { date: '2024-06-29', usdPerPhDay: 50 },
    { date: '2024-06-30', usdPerPhDay: 52 },
    { date: '2024-07-01', usdPerPhDay: 54 },
    { date: '2024-07-02', usdPerPhDay: 48 },
    { date: '2024-07-03', usdPerPhDay: 51 },
  ]);
  return { rt, da, hashprice };
}

export function site(overrides: Partial<SiteInput> = {}): Site {
  return parseSitesFile({
    sites: [
      {
        id: 'test-site',
        name: 'Test site',
        market: 'ERCOT',
        settlementPoint: 'HB_HUBAVG',
        timezone: 'America/Chicago',
        interconnectMw: 100,
        loads: [{ id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5, poolFeePct: 2 }],
        ...overrides,
      },
    ],
  }).sites[0]!;
}
