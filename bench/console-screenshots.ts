/**
 * `npx tsx bench/console-screenshots.ts`: a screenshot of each console screen into docs/screenshots/
 * (the README shows them), at 1280×800 in headless Chromium, over two days of the demo sites decided
 * by the real run use case, with an override, the next day's bids and the audit trail they leave.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { MemoryEventPublisher } from '#adapters/memory-events.ts';
import { prepareBids } from '#app/bids.ts';
import { PROJECT_ROOT } from '../infra/bundling.ts';
import { H, startConsoleFixture } from './console-fixture.ts';

const OUT = join(PROJECT_ROOT, 'docs/screenshots');

const fixture = await startConsoleFixture(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
try {
  mkdirSync(OUT, { recursive: true });
  const tomorrow = new Date(Date.now() + 24 * H).toISOString().slice(0, 10);
  await prepareBids(
    { marketData: fixture.repos.marketData, bids: fixture.repos.bids, clock: { nowMs: Date.now }, publisher: new MemoryEventPublisher() },
    fixture.sites,
    tomorrow,
  );

  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })).newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(fixture.signInLink(['trader', 'finance', 'operator', 'admin'], 'desk-1'));
  await page.locator('[data-ready=fleet]').waitFor();

  // A trader's override of the next two hours, made through the form.
  await page.goto(`${fixture.url}/#/overrides`);
  const form = page.locator('form.override-form');
  await form.locator('select[name=site]').selectOption('rockdale');
  await form.locator('select[name=loadId]').selectOption('s19xp');
  await form.locator('select[name=action]').selectOption('CURTAIL');
  await form.locator('textarea[name=reason]').fill('ERCOT price spike expected at the evening ramp');
  await form.locator('button[type=submit]').click();
  await page.locator('.success').waitFor();

  const shot = async (name: string, hash: string, ready: string, then?: (p: Page) => Promise<void>) => {
    await page.goto(hash.startsWith('/') ? `${fixture.url}${hash}` : `${fixture.url}/#/${hash}`);
    await page.locator(ready).first().waitFor();
    await then?.(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });
    process.stdout.write(`docs/screenshots/${name}.png\n`);
  };
  await shot('1-fleet', 'fleet', '[data-ready=fleet]');
  await shot('2-timeline', 'site/rockdale?range=day', '.timeline-chart[data-drawn]', async (p) => {
    await p.locator('.picker button', { hasText: 'Previous interval' }).click();
    await p.locator('section.decision .revisions tbody tr').first().waitFor();
  });
  await shot('3-overrides', 'overrides', 'table.overrides');
  await shot('4-pnl', 'pnl', '[data-ready=pnl]');
  await shot('4-audit', 'audit', '[data-ready=audit]');
  await shot('5-bids', `bids?site=rockdale&date=${tomorrow}`, '.bids-chart canvas');
  await shot('6-runs', 'runs', '[data-ready=runs]');
  await shot('7-docs', '/docs', '.swagger-ui .opblock');
  if (errors.length) throw new Error(`the console threw: ${errors.join('; ')}`);
} finally {
  await browser.close();
  await fixture.close();
}
