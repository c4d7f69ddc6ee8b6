/** `switchyard compliance`: the report from the local store, as a user runs it (a child process), JSON and the printable page. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readConfig } from '#local/config.ts';
import { openLocalContext } from '#local/context.ts';
import { cli } from '../support/cli.ts';

const T = Date.parse('2024-08-20T20:00:00Z');
const site = {
  id: 'rockdale',
  name: 'Rockdale, TX',
  market: 'ERCOT',
  settlementPoint: 'HB_HUBAVG',
  timezone: 'America/Chicago',
  interconnectMw: 120,
  backupGenerationMw: 40,
  loads: [{ id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 }],
};

describe('switchyard compliance', () => {
  const home = mkdtempSync(join(tmpdir(), 'switchyard-compliance-cli-'));
  const sitesFile = join(home, 'sites.json');
  const env = { SWITCHYARD_HOME: home, SWITCHYARD_SITES: sitesFile };

  beforeAll(async () => {
    writeFileSync(sitesFile, JSON.stringify({ sites: [site] }));
    const ctx = await openLocalContext({ config: readConfig(env) });
    try {
      await ctx.repos.marketData.putGridEvent({ id: 'eea2-aug', type: 'EEA', level: 2, market: 'ERCOT', startMs: T, endMs: T + 3_600_000 });
      await ctx.repos.telemetry.putSamples([
        { siteId: 'rockdale', loadId: 's21', atMs: T - 60_000, actualMw: 98 },
        { siteId: 'rockdale', loadId: 's21', atMs: T + 45_000, actualMw: 0 },
      ]);
    } finally {
      await ctx.close();
    }
  }, 60_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('prints the report as JSON: the SB 6 facts and the emergency with its metered response', async () => {
    const r = await cli(['compliance', '--site', 'rockdale', '--from', '2024-08-01', '--to', '2024-09-01'], env);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.largeLoad).toMatchObject({
      peakDemandMw: 100,
      isLargeLoad: true,
      backupGenerationMw: 40,
      backupServesHalfOfDemand: false,
    });
    expect(report.gridEvents).toEqual([
      expect.objectContaining({ eventId: 'eea2-aug', curtailsMining: true, askedMw: 98, achievedMw: 98, secondsToAchieve: 45, met: true }),
    ]);
  }, 60_000);

  it('writes the printable page to --out', async () => {
    const out = join(home, 'compliance.html');
    const r = await cli(
      ['compliance', '--site', 'rockdale', '--from', '2024-08-01', '--to', '2024-09-01', '--format', 'html', '--out', out],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('eea2-aug');
    expect(html).not.toMatch(/<script|<link|\bsrc=|\bhref=/i);
  }, 60_000);

  it('names a bad flag and an unknown site', async () => {
    const bad = await cli(['compliance', '--site', 'rockdale', '--from', '2024-08-01', '--to', '2024-09-01', '--format', 'pdf'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be one of json, html/);
    const unknown = await cli(['compliance', '--site', 'nowhere', '--from', '2024-08-01', '--to', '2024-09-01'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown site "nowhere"/);
  }, 60_000);
});
