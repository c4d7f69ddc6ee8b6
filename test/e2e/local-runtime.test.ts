/** The quick start, as a new user runs it: `switchyard start`, the API, `run --at`, `token`. */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type RunningCli, startCli } from '../support/cli.ts';

const H = 3_600_000;

describe('the local runtime', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-home-'));
  const env = { SWITCHYARD_HOME: home, PORT: '0' };
  let rt: RunningCli;
  let finance: string;
  const hour = Math.floor(Date.now() / H) * H;
  const range = `from=${new Date(hour).toISOString()}&to=${new Date(hour + H).toISOString()}`;

  const get = (path: string, token?: string) =>
    fetch(`${rt.apiUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  async function decisionsOf(siteId: string) {
    const res = await get(`/sites/${siteId}/decisions?${range}`, finance);
    expect(res.status).toBe(200);
    return ((await res.json()) as { items: { intervalStart: string; revision: number; decidedAt: string }[] }).items;
  }

  beforeAll(async () => {
    rt = await startCli(env);
    const t = await cli(['token', '--role', 'finance', '--user', 'finance-1'], env);
    expect(t.code).toBe(0);
    finance = t.stdout.trim();
  }, 90_000);

  afterAll(async () => {
    if (rt) expect(await rt.stop()).toBe(0);
    expect(existsSync(join(home, 'runtime.json'))).toBe(false);
    rmSync(home, { recursive: true, force: true });
  });

  it('answers /health and asks for a token elsewhere', async () => {
    expect(await (await get('/health')).json()).toMatchObject({ parts: { store: { status: 'ok' }, eventBus: { status: 'ok' } } });
    const res = await get('/sites');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('has decisions for the current hour for every demo site, labelled demo', async () => {
    const sites = (await (await get('/sites', finance)).json()) as { items: { id: string; market: string }[] };
    expect(sites.items.length).toBeGreaterThanOrEqual(2);
    for (const s of sites.items) {
      let items = await decisionsOf(s.id);
      for (let i = 0; i < 40 && items.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 250));
        items = await decisionsOf(s.id);
      }
      expect(items.length, s.id).toBe(s.market === 'ERCOT' || s.market === 'NORDPOOL' ? 4 : 1);
      const d = items[0] as unknown as { flags: string[]; inputs: { price: { demo: boolean } | null } };
      if (s.market !== 'FIXED') {
        expect(d.flags).toContain('DEMO_INPUTS');
        expect(d.inputs.price!.demo).toBe(true);
      }
    }
  });

  it('leaves the decisions unchanged when `run --at now` runs twice beside it', async () => {
    const before = await decisionsOf('rockdale');
    const at = new Date().toISOString();
    for (let i = 0; i < 2; i++) {
      const r = await cli(['run', '--at', at], env);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ decisionsWritten: 0 });
    }
    expect(await decisionsOf('rockdale')).toEqual(before);
  });

  it('rejects bad flags with the flag named and exit code 2', async () => {
    const r = await cli(['run', '--at', 'yesterday'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--at must be an ISO instant/);
    const far = await cli(['run', '--at', '2100-01-01T00:00:00Z'], env);
    expect(far.code).not.toBe(0);
    expect(far.stderr).toMatch(/at: must be an instant from 2010-12-01T06:00:00.000Z to the next hour/);
    // A bad sites file is refused before anything is written: no database folder appears.
    const fresh = join(mkdtempSync(join(tmpdir(), 'switchyard-bids-')), 'home');
    const badSites = join(home, 'bad-sites.json');
    writeFileSync(badSites, JSON.stringify({ sites: [{ id: 'x', fourCP: {} }] }));
    const b = await cli(['bids', '--date', '2024-07-15', '--sites', badSites], { SWITCHYARD_HOME: fresh });
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/fourCP: is not a known key \(did you mean "fourCp"\?\)/);
    expect(existsSync(fresh)).toBe(false);
    const t = await cli(['token', '--role', 'boss', '--user', 'x'], env);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--role must be one of trader, finance, admin, operator/);
  });
});

describe('the CLI without the runtime', () => {
  it('opens the store itself for `run --at`', async () => {
    const home = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
    try {
      const at = new Date().toISOString();
      const r = await cli(['run', '--at', at], { SWITCHYARD_HOME: home });
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout) as { decisionsWritten: number; runs: { status: string }[] };
      expect(summary.runs[0]!.status).toBe('SUCCEEDED');
      // Rockdale (ERCOT) and Tydal (NORDPOOL) decide quarter-hours, Clarington (PJM) hours.
      expect(summary.decisionsWritten).toBe(4 + 1 + 4);
      const again = await cli(['run', '--at', at], { SWITCHYARD_HOME: home });
      expect(JSON.parse(again.stdout)).toMatchObject({ decisionsWritten: 0, decisionsExisting: 9 });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('refuses a bad sites file, naming the field, and writes nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'switchyard-bad-'));
    const sites = join(home, 'sites.json');
    writeFileSync(
      sites,
      JSON.stringify({
        sites: [
          {
            id: 'x',
            name: 'X',
            market: 'ERCOT',
            settlementPoint: 'HB_WEST',
            timezone: 'America/Chicago',
            interconnectMw: 10,
            loads: [{ id: 'm', kind: 'mining', powerMw: 5, efficiencyJPerTh: 'fast' }],
          },
        ],
      }),
    );
    try {
      const r = await cli(['start'], { SWITCHYARD_HOME: join(home, 'state'), SWITCHYARD_SITES: sites, PORT: '0' });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/sites\[0\]\.loads\[0\]\.efficiencyJPerTh/);
      expect(existsSync(join(home, 'state'))).toBe(false);
      const run = await cli(['run', '--at', new Date().toISOString()], { SWITCHYARD_HOME: join(home, 'state'), SWITCHYARD_SITES: sites });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/efficiencyJPerTh/);
      expect(existsSync(join(home, 'state'))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
