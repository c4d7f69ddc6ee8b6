/**
 * The operator console in real headless Chromium against `switchyard start`, as its users work:
 * sign in from the printed link, read the fleet, override as a trader and see the timeline change,
 * lose a cancel to a stale version, download finance's CSV, read the bids — and no console errors.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cli, type RunningCli, startCli } from '../support/cli.ts';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`[console] ${CHROMIUM} is missing (apt-get install -y chromium): the console's browser tests are skipped.`);

const H = 3_600_000;

/** The text a user sees in an element (Playwright's innerText: rendered, whitespace as laid out). */
// biome-ignore lint/performance/useDomNodeTextContent: a Playwright locator, not a DOM node; the rendered text is the point
const shown = (l: Locator) => l.innerText();

/** What the scripts run in the page touch (the tests compile without the DOM library). */
interface PageGlobals {
  location: { protocol: string };
  sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void };
  localStorage: { length: number };
}

describe.skipIf(!hasChromium)('the operator console in headless Chromium', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
  const env = { SWITCHYARD_HOME: home, PORT: '0' };
  let rt: RunningCli;
  let browser: Browser;
  let link: string;
  const tokens: Record<string, string> = {};
  const contexts: BrowserContext[] = [];
  /** Every console error and uncaught exception of every page, by page. */
  const errors: string[] = [];

  const api = async (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${rt.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && errors.push(`${page.url()}: ${m.text()}`));
    page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
    return page;
  }

  /** A page signed in as a user the CLI minted a token for (the sign-in link itself is tested once). */
  async function pageAs(role: 'trader' | 'finance' | 'operator'): Promise<Page> {
    const page = await newPage();
    const session = { token: tokens[role]!, user: `${role}-1`, roles: [role], expiresAt: new Date(Date.now() + H).toISOString() };
    await page.addInitScript((s) => {
      const w = globalThis as unknown as PageGlobals;
      if (w.location.protocol === 'http:') w.sessionStorage.setItem('switchyard.session', s);
    }, JSON.stringify(session));
    return page;
  }

  beforeAll(async () => {
    rt = await startCli(env);
    link = /console\s+(http:\/\/\S+)/.exec(rt.output())![1]!;
    for (const role of ['trader', 'finance', 'operator'] as const) {
      const t = await cli(['token', '--role', role, '--user', `${role}-1`], env);
      expect(t.code).toBe(0);
      tokens[role] = t.stdout.trim();
    }
    // The start-up run has decided the current hour of every site.
    const hour = Math.floor(Date.now() / H) * H;
    for (let i = 0; i < 80; i++) {
      const r = await api(
        `/sites/rockdale/decisions?from=${new Date(hour).toISOString()}&to=${new Date(hour + H).toISOString()}`,
        tokens.finance!,
      );
      if (((await r.json()) as { items: unknown[] }).items.length > 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
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
  }, 120_000);

  /** The browser logs a refused request as an error: a test that provokes one names its status, and nothing else may be logged. */
  function expectRefused(status: number) {
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.filter((e) => !e.includes(`the server responded with a status of ${status}`))).toEqual([]);
    errors.splice(0);
  }

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close();
    // No screen may log a console error or throw.
    expect(errors.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    if (rt) expect(await rt.stop()).toBe(0);
    rmSync(home, { recursive: true, force: true });
  });

  it('prints a one-time sign-in link that opens the fleet view listing every demo site; the link works once', async () => {
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/signin\?code=[\w-]{16,}$/);
    const page = await newPage();
    await page.goto(link);
    await page.locator('[data-ready=fleet]').waitFor();
    expect(page.url()).toMatch(/#\/fleet$/);
    const sites = ((await (await api('/sites', tokens.finance!)).json()) as { items: { id: string; name: string }[] }).items;
    expect(sites.length).toBeGreaterThanOrEqual(3);
    await expect(page.locator('.site-card').count()).resolves.toBe(sites.length);
    for (const s of sites) await expect(shown(page.locator(`.site-card[data-site="${s.id}"] h2`))).resolves.toContain(s.name);
    // The token is in this tab's sessionStorage, never in localStorage.
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).localStorage.length)).toBe(0);
    const roles = await page.evaluate(
      () => JSON.parse((globalThis as unknown as PageGlobals).sessionStorage.getItem('switchyard.session')!).roles,
    );
    expect(roles).toContain('trader');

    const again = await newPage();
    await again.goto(link);
    await expect(shown(again.locator('[role=alert]'))).resolves.toContain('unknown, used or expired');
    expectRefused(401);
  });

  it('as a trader: an override created in the form shows on the timeline at once', async () => {
    const page = await pageAs('trader');
    await page.goto(`${rt.apiUrl}/#/site/rockdale?range=day`);
    const chart = page.locator('.timeline-chart[data-drawn]');
    await chart.waitFor();
    expect(await chart.getAttribute('data-overridden')).toBe('0');

    await page.goto(`${rt.apiUrl}/#/overrides`);
    const form = page.locator('form.override-form');
    await form.locator('select[name=site]').selectOption('rockdale');
    await form.locator('select[name=action]').selectOption('CURTAIL');
    // Without a reason the API names the field.
    await form.locator('button[type=submit]').click();
    await expect(shown(form.locator('[role=alert]'))).resolves.toContain('reason');
    await expect(shown(form.locator('#err-reason'))).resolves.toBe('reason is required');
    expectRefused(400);
    await form.locator('textarea[name=reason]').fill('price spike expected');
    await form.locator('button[type=submit]').click();
    const done = page.locator('.success');
    await expect(shown(done)).resolves.toMatch(/created: [1-9]\d* intervals? re-decided/);
    await done.locator('a').click();

    await page.locator('.timeline-chart[data-drawn]').waitFor();
    await expect.poll(async () => Number(await page.locator('.timeline-chart').getAttribute('data-overridden'))).toBeGreaterThan(0);
    expect(Number(await page.locator('.timeline-chart').getAttribute('data-curtailed'))).toBeGreaterThan(0);
    // The current hour's last interval: its decision, revised by the override, with both revisions.
    await page.locator('.picker button', { hasText: 'Previous interval' }).click();
    const decision = page.locator('section.decision');
    await expect(shown(decision.locator('h2'))).resolves.toContain('OVERRIDE');
    await expect.poll(() => decision.locator('.revisions tbody tr').count()).toBe(2);
    await expect(shown(decision.locator('.revisions tbody tr').nth(1))).resolves.toContain('OVERRIDE_CURTAIL');
  });

  it('as a trader: cancelling with a stale version shows the conflict and the override as it is now', async () => {
    const hour = Math.floor(Date.now() / H) * H;
    const created = await api('/sites/tydal/overrides', tokens.trader!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': `stale-${hour}` },
      body: JSON.stringify({
        action: 'RUN',
        from: new Date(hour + 2 * H).toISOString(),
        to: new Date(hour + 3 * H).toISOString(),
        reason: 'to be cancelled twice',
      }),
    });
    expect(created.status).toBe(201);
    const o = (await created.json()) as { id: string; version: number };

    const page = await pageAs('trader');
    await page.goto(`${rt.apiUrl}/#/overrides`);
    const row = page.locator(`tr[data-override="${o.id}"]`);
    await row.locator('button.cancel').click();
    // Someone else cancels it meanwhile: the console still holds version 1.
    const elsewhere = await api(`/overrides/${o.id}/cancel`, tokens.trader!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'if-match': `"${o.version}"` },
      body: JSON.stringify({ reason: 'cancelled from another desk' }),
    });
    expect(elsewhere.status).toBe(200);
    await row.locator('input[name=cancelReason]').fill('no longer needed');
    await row.locator('form.cancel-form button[type=submit]').click();
    await expect(shown(row.locator('[role=alert]'))).resolves.toMatch(/^412: .*version 2/s);
    await expect(shown(row.locator('.conflict'))).resolves.toContain('Now: version 2, CANCELLED by trader-1');
    expectRefused(412);
  });

  it('as finance: no override control anywhere, and the P&L CSV download has the API’s rows', async () => {
    const page = await pageAs('finance');
    await page.goto(`${rt.apiUrl}/#/overrides`);
    await page.locator('h2', { hasText: 'Active' }).waitFor();
    await expect(page.locator('form.override-form').count()).resolves.toBe(0);
    await expect(page.locator('button.cancel').count()).resolves.toBe(0);
    await expect(page.locator('.muted', { hasText: 'Read only' }).count()).resolves.toBe(1);

    await page.goto(`${rt.apiUrl}/#/pnl`);
    await page.locator('[data-ready=pnl]').waitFor();
    const from = await page.locator('input[type=date]').nth(0).inputValue();
    const to = await page.locator('input[type=date]').nth(1).inputValue();
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'P&L CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`pnl-all-day-${from}-${to}.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    const json = (await (await api(`/reports/pnl?from=${from}&to=${to}&granularity=day`, tokens.finance!)).json()) as {
      items: Record<string, unknown>[];
    };
    const [header, ...rows] = csv
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    expect(json.items.length).toBeGreaterThan(0);
    // Each column is a JSON field; `actual.x` is a field of the row's `actual` (empty where there is none).
    const field = (item: Record<string, unknown>, k: string) =>
      k.startsWith('actual.') ? (item.actual as Record<string, unknown> | null)?.[k.slice(7)] : item[k];
    expect(rows).toEqual(json.items.map((item) => header!.map((k) => String(field(item, k) ?? ''))));
    await expect(page.locator('.pnl-table tbody tr').count()).resolves.toBe(json.items.length);
  });

  it('as finance: the emissions panel of a site shows the API’s report, and its CSV download has the same rows', async () => {
    const page = await pageAs('finance');
    await page.goto(`${rt.apiUrl}/#/emissions?site=rockdale`);
    await page.locator('[data-ready=emissions]').waitFor();
    await page.locator('button', { hasText: 'By hour' }).click();
    await page.locator('button[aria-pressed=true]', { hasText: 'By hour' }).waitFor();
    await page.locator('[data-ready=emissions]').waitFor();
    const from = await page.locator('input[type=date]').nth(0).inputValue();
    const to = await page.locator('input[type=date]').nth(1).inputValue();
    const res = await api(`/reports/emissions?siteId=rockdale&from=${from}&to=${to}&granularity=hour`, tokens.finance!);
    const json = (await res.json()) as { buckets: { start: string }[]; totals: { intervalsWithoutIntensity: number } };
    // The demo market seeds an intensity per quarter-hour, so the decided hours have emissions to show.
    expect(json.buckets.length).toBeGreaterThan(0);
    // The hour rows replace the day rows once the hour report has loaded.
    await expect.poll(() => page.locator('.emissions-table tbody tr').count()).toBe(json.buckets.length);
    await expect(shown(page.locator('.emissions-totals'))).resolves.toMatch(
      new RegExp(`Intervals without an intensity\\s+${json.totals.intervalsWithoutIntensity}\\b`),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('button', { hasText: 'Emissions CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`emissions-rockdale-hour-${from}-${to}.csv`);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe(
      'start,mwh,tCo2,lbCo2PerMwh,avoidedTCo2,actual.loadIntervals,actual.plannedMwh,actual.plannedTCo2,actual.mwh,actual.tCo2',
    );
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(json.buckets.map((b) => b.start));
  });

  it('renders the bid curve and the hour table of a prepared day, hours in the site’s time with UTC', async () => {
    const date = new Date(Date.now() + 24 * H).toISOString().slice(0, 10);
    expect((await cli(['bids', '--date', date], env)).code).toBe(0);
    const page = await pageAs('trader');
    await page.goto(`${rt.apiUrl}/#/bids?site=rockdale&date=${date}`);
    const chart = page.locator('.bids-chart canvas');
    await chart.waitFor();
    const box = await chart.boundingBox();
    expect(box!.width).toBeGreaterThan(600);
    const rows = await page.locator('.bids-table tbody tr').count();
    expect(rows).toBeGreaterThanOrEqual(23);
    expect(rows).toBeLessThanOrEqual(25);
    await expect(shown(page.locator('.bids-table thead'))).resolves.toContain('America/Chicago');
  });

  it('shows every screen to a user with every role without a console error', async () => {
    const page = await newPage();
    const token = (
      await cli(['token', '--role', 'trader', '--role', 'finance', '--role', 'operator', '--role', 'admin', '--user', 'all-1'], env)
    ).stdout.trim();
    await page.addInitScript((t) => {
      const w = globalThis as unknown as PageGlobals;
      if (w.location.protocol === 'http:') {
        w.sessionStorage.setItem(
          'switchyard.session',
          JSON.stringify({
            token: t,
            user: 'all-1',
            roles: ['trader', 'finance', 'operator', 'admin'],
            expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
          }),
        );
      }
    }, token);
    for (const [hash, ready] of [
      ['fleet', '[data-ready=fleet]'],
      ['site/rockdale?range=week', '.timeline-chart[data-drawn]'],
      ['overrides', 'form.override-form'],
      ['pnl', '[data-ready=pnl]'],
      ['emissions', '[data-ready=emissions]'],
      ['audit', '[data-ready=audit]'],
      ['bids', 'section.bids'],
      ['runs', '[data-ready=runs]'],
    ] as const) {
      await page.goto(`${rt.apiUrl}/#/${hash}`);
      await page.locator(ready).first().waitFor();
    }
    await page.goto(`${rt.apiUrl}/docs`);
    await page.locator('.swagger-ui .opblock').first().waitFor();
    await expect(page.locator('.swagger-ui .opblock-summary-path').allInnerTexts()).resolves.toEqual(
      expect.arrayContaining(['/sites', '/reports/pnl']),
    );
  });
});
