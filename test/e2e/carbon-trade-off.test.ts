/** The carbon trade-off page of a backtest sweep, and the backtest report's carbon section, rendered in headless Chromium. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carbonSweep, carbonTradeOffHtml } from '#app/backtest/carbon.ts';
import { buildTimeline } from '#app/backtest/timeline.ts';
import { spikePersistenceForecaster } from '#domain/forecast.ts';
import { backtestCommand } from '../../local/commands/backtest.ts';
import { writeCarbonBacktestInputs } from '../support/backtest-carbon-fixture.ts';
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

  it('draws the trade-off curve in the report.html of switchyard backtest --shadow-carbon-prices', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-carbon-report-'));
    try {
      const f = writeCarbonBacktestInputs(dir);
      const flags = { sites: f.sites, rtm: f.rtm, dam: f.dam, btc: f.btc, out: join(dir, 'out') };
      const argv = [...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]), '--shadow-carbon-prices', '0,25,50,100'];
      const out = await backtestCommand([...argv, '--intensity', f.intensity], false);
      const sweep = out.summary.sites[0]!.carbon!.sweep;
      const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(out.files.html).href);
      const section = page.locator('section.site', { has: page.locator('svg.carbon-trade-off') });
      await expect(section.locator('h3', { hasText: 'Carbon trade-off' }).isVisible()).resolves.toBe(true);
      const points = await section.locator('svg.carbon-trade-off circle.sweep-point').evaluateAll((els) =>
        els.map((e) => {
          const b = e.getBoundingClientRect();
          return { x: b.x, y: b.y, w: b.width };
        }),
      );
      expect(points).toHaveLength(4);
      expect(points.every((p) => p.w > 0)).toBe(true);
      // $100/t avoided tonnes at a cost in margin: left of and below the $0 point.
      expect(points[3]!.x).toBeLessThan(points[0]!.x);
      expect(points[3]!.y).toBeGreaterThan(points[0]!.y);
      const cells = await section
        .locator('table.carbon-sweep tbody tr')
        .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent)));
      expect(cells.map((c) => c[0])).toEqual(['0', '25', '50', '100']);
      expect(cells[3]![5]).toBe(sweep[3]!.usdPerTonneAvoided!.toLocaleString('en-US', { maximumFractionDigits: 2 }));
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
