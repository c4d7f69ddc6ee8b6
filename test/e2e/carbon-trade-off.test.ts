/** The carbon trade-off page of a backtest sweep, rendered in headless Chromium. */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carbonSweep, carbonTradeOffHtml } from '#app/backtest/carbon.ts';
import { buildTimeline } from '#app/backtest/timeline.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import { START, site, syntheticMarket } from '../unit/backtest/synthetic.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[carbon trade-off] ${CHROMIUM} is missing: the browser test is skipped.`);

describe.skipIf(!hasChromium)('the carbon trade-off chart in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('draws a point per shadow price along a curve of falling tCO2, and the table of what each tonne cost', async () => {
    const tl = buildTimeline(syntheticMarket(2), START, START + 2 * 86_400_000);
    // Dirty by day, clean by night (local hours 8–20 are interval 32–79 of each day).
    const intensity = new Float64Array(tl.n).map((_, i) => (i % 96 >= 32 && i % 96 < 80 ? 1_500 : 400));
    const rows = carbonSweep(site(), tl, intensity, [0, 25, 50, 100], { forecaster: spikePersistenceForecaster() });
    expect(rows[3]!.tCo2).toBeLessThan(rows[0]!.tCo2);
    const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.setContent(carbonTradeOffHtml('test-site', rows));
    const points = await page.locator('svg.carbon-trade-off circle.sweep-point').evaluateAll((els) =>
      els.map((e) => {
        const b = e.getBoundingClientRect();
        return { x: b.x, y: b.y, w: b.width };
      }),
    );
    expect(points).toHaveLength(4);
    expect(points.every((p) => p.w > 0)).toBe(true);
    // Less CO2 is further left: the $100/t point sits left of the $0 point.
    expect(points[3]!.x).toBeLessThan(points[0]!.x);
    expect(await page.locator('table.carbon-sweep tbody tr').count()).toBe(4);
    expect(requests.filter((u) => !u.startsWith('about:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  }, 60_000);
});
