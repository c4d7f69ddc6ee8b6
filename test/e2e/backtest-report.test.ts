import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BacktestOutputs, backtestCommand } from '../../local/commands/backtest.ts';
import { FILES, hasRealData } from '../unit/backtest/real-data.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[backtest report] ${CHROMIUM} is missing (apt-get install -y chromium): the browser test is skipped.`);

describe.skipIf(!hasRealData || !hasChromium)('the backtest report in headless Chromium', () => {
  let dir: string;
  let out: BacktestOutputs;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-report-'));
    const example = new URL('../../examples/backtest-two-fleet.json', import.meta.url).pathname;
    out = await backtestCommand(
      [
        '--sites',
        example,
        '--rtm',
        FILES.rtm,
        '--dam',
        FILES.dam,
        '--btc',
        FILES.btc,
        '--load',
        FILES.load,
        '--load-forecast',
        FILES.loadForecast,
        '--out',
        dir,
      ],
      false,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('renders the price, cumulative-margin and gain charts, the shading and the monthly table, fetching nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out.files.html).href);

    const charts = page.locator('svg.chart');
    await expect(charts.count()).resolves.toBe(3);
    for (const cls of ['price-chart', 'margin-chart', 'gain-chart']) {
      const box = await page.locator(`svg.${cls}`).boundingBox();
      expect(box!.width).toBeGreaterThan(800);
      expect(box!.height).toBeGreaterThan(200);
    }
    // A year of hourly maxima against the daily breakeven.
    const pricePoints = await page
      .locator('svg.price-chart polyline.price')
      .evaluate((el) => (el as unknown as { points: { numberOfItems: number } }).points.numberOfItems);
    expect(pricePoints).toBe(8784);
    const bands = await page.locator('svg.price-chart rect.curtail').count();
    expect(bands).toBeGreaterThan(50);
    const drawn = await page
      .locator('svg.price-chart rect.curtail')
      .first()
      .evaluate((el) => (el as unknown as { getBBox(): { width: number } }).getBBox().width);
    expect(drawn).toBeGreaterThan(0);
    await expect(page.locator('svg.margin-chart polyline.policy').count()).resolves.toBe(6);
    await expect(page.locator('svg.gain-chart polyline.policy').count()).resolves.toBe(5);
    const series = await page
      .locator('svg.margin-chart polyline.policy')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-series')));
    expect(series).toEqual(['always_on', 'perfect_foresight', 'engine', 'engine_hourly', 'engine_price_responsive', 'engine_dispatched']);

    await expect(page.locator('table.monthly tbody tr').count()).resolves.toBe(12);
    await expect(page.locator('table.policies tbody tr').count()).resolves.toBe(6);
    expect(requests.every((u) => u.startsWith('file://'))).toBe(true);
  });
});
