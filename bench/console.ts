/**
 * The operator console in headless Chromium (budgets of issue 14): the first fleet view < 1 s locally,
 * a week's timeline of 3 loads (~2,000 load-intervals) drawn < 300 ms, ≤ 150 KB of gzipped app JS
 * (Swagger UI is loaded only on /docs and counted apart). The store holds a week of rockdale's
 * decisions (15-minute intervals, two mining loads and an AI tenant) made by the real run use case.
 * "Drawn" is from the decisions in hand to uPlot's first draw (Preact render, series built, chart
 * drawn); the fetch of the week from the API (one page of ~650 decisions from dynalite) is reported
 * with it as fetchAndDrawMs.
 */
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildConsole, isAppScript } from '../console/build.ts';
import { startConsoleFixture } from './console-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';
const BUDGET = { fleetMs: 1000, timelineDrawMs: 300, appJsGzipKb: 150 };
const RUNS = 5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function benchConsole(): Promise<Record<string, number | string>> {
  const files = await buildConsole();
  let appGzip = 0;
  let docsGzip = 0;
  for (const [path, f] of files) {
    if (isAppScript(path)) appGzip += gzipSync(f.body).byteLength;
    else if (path.startsWith('/docs/') && path.endsWith('.js')) docsGzip += gzipSync(f.body).byteLength;
  }

  const fixture = await startConsoleFixture(7, ['rockdale']);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
  });
  try {
    const fleet: number[] = [];
    const timeline: { total: number; draw: number; intervals: number }[] = [];
    for (let i = 0; i < RUNS; i++) {
      // A fresh browser context each time: nothing cached, the sign-in link opened as printed.
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(fixture.signInLink(['trader', 'finance']));
      await page.locator('[data-ready=fleet]').waitFor();
      fleet.push(performance.now() - started);

      await page.goto(`${fixture.url}/#/site/rockdale?range=week`);
      await page.locator('.timeline-chart[data-drawn]').waitFor();
      const m = await page.evaluate(() => ({
        total: performance.getEntriesByName('timeline-drawn')[0]!.duration,
        draw: performance.getEntriesByName('timeline-draw')[0]!.duration,
      }));
      const intervals = Number(await page.locator('.timeline-chart').getAttribute('data-drawn'));
      timeline.push({ ...m, intervals });
      await context.close();
    }
    const loads = fixture.sites.find((s) => s.id === 'rockdale')!.loads.length;
    const intervals = timeline[0]!.intervals;
    return {
      'console.appJsGzipKb': Math.round((appGzip / 1024) * 10) / 10,
      'console.appJsGzipBudgetKb': BUDGET.appJsGzipKb,
      'console.docsViewerJsGzipKb (only on /docs)': Math.round((docsGzip / 1024) * 10) / 10,
      'console.fleetFirstViewMs.first': Math.round(fleet[0]!),
      'console.fleetFirstViewMs.median': Math.round(median(fleet)),
      'console.fleetFirstViewBudgetMs': BUDGET.fleetMs,
      'console.timeline.week.intervals': intervals,
      'console.timeline.week.loadIntervals': intervals * loads,
      'console.timeline.week.fetchAndDrawMs.median': Math.round(median(timeline.map((t) => t.total))),
      'console.timeline.week.drawMs.median': Math.round(median(timeline.map((t) => t.draw)) * 10) / 10,
      'console.timeline.week.drawMs.max': Math.round(Math.max(...timeline.map((t) => t.draw)) * 10) / 10,
      'console.timelineDrawBudgetMs': BUDGET.timelineDrawMs,
      // The first view of a fresh browser context, and the drawing of the week once its data is in hand (its fetch is the API's, reported above).
      'console.withinBudgets':
        appGzip / 1024 <= BUDGET.appJsGzipKb && fleet[0]! < BUDGET.fleetMs && median(timeline.map((t) => t.draw)) < BUDGET.timelineDrawMs
          ? 'yes'
          : 'no',
    };
  } finally {
    await browser.close();
    await fixture.close();
  }
}
