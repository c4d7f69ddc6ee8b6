import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSitesFile } from '#adapters/sites-file.ts';
import { ValidationError } from '#domain/errors.ts';
import { parseSitesFile } from '#domain/sites.ts';
import { DEMO_SITES_FILE } from '#local/config.ts';

const base = () => ({
  sites: [
    {
      id: 'rockdale',
      name: 'Rockdale, TX',
      market: 'ERCOT',
      settlementPoint: 'HB_HUBAVG',
      timezone: 'America/Chicago',
      interconnectMw: 120,
      loads: [{ id: 's21', kind: 'mining', powerMw: 100, efficiencyJPerTh: 17.5 }],
    },
  ],
});

function issuesOf(data: unknown): string[] {
  try {
    parseSitesFile(data);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected a validation error');
}

describe('the sites file', () => {
  it('fills in the documented defaults', () => {
    const f = parseSitesFile(base());
    const load = f.sites[0]!.loads[0]!;
    expect(load).toMatchObject({ poolFeePct: 0, minRunMinutes: 0, minOffMinutes: 0, restartCostUsd: 0, modes: [], curtailable: true });
    expect(f.sites[0]!.fourCp.enabled).toBe(false);
    expect(f.sites[0]!.policy.failSafe.otherwise).toBe('HOLD');
    expect(f.sites[0]!.baseLoadMw).toBe(0);
  });

  it('names the field path of a bad value', () => {
    const data = base();
    (data.sites[0]!.loads[0] as Record<string, unknown>).efficiencyJPerTh = -3;
    expect(issuesOf(data)).toEqual([expect.stringMatching(/^sites\[0\]\.loads\[0\]\.efficiencyJPerTh: /)]);
  });

  it('names a missing field and an unknown load kind', () => {
    const data = base() as { sites: Record<string, unknown>[] };
    delete data.sites[0]!.interconnectMw;
    (data.sites[0]!.loads as Record<string, unknown>[]).push({ id: 'x', kind: 'heater', powerMw: 1 });
    const issues = issuesOf(data);
    expect(issues).toContainEqual(expect.stringMatching(/^sites\[0\]\.interconnectMw: /));
    expect(issues).toContainEqual(expect.stringMatching(/^sites\[0\]\.loads\[1\]\.kind: /));
  });

  it('rejects a time zone that does not exist, duplicate ids, and a FIXED market without a price', () => {
    const data = base();
    data.sites[0]!.timezone = 'America/Houston';
    data.sites.push({ ...structuredClone(data.sites[0]!), timezone: 'America/Chicago', market: 'FIXED' });
    const issues = issuesOf(data);
    expect(issues).toContainEqual(expect.stringMatching(/^sites\[0\]\.timezone: must be an IANA time zone/));
    expect(issues).toContainEqual('sites[1].id: duplicate site id "rockdale"');
    expect(issues).toContainEqual('sites[1].fixedPriceUsdPerMwh: required when market is FIXED');
  });

  it('rejects an interconnect that cannot carry the base load and the contracted AI load', () => {
    const data = base();
    data.sites[0]!.loads.push({ id: 'ai', kind: 'ai', contractedMw: 130, priceUsdPerMwh: 100 } as never);
    expect(issuesOf(data)).toContainEqual(expect.stringMatching(/^sites\[0\]\.interconnectMw: must cover/));
  });

  it('rejects a power mode that is not below the load’s full power', () => {
    const data = base();
    (data.sites[0]!.loads[0] as Record<string, unknown>).modes = [{ id: 'eco', powerMw: 120, efficiencyJPerTh: 15 }];
    expect(issuesOf(data)).toContainEqual(expect.stringMatching(/^sites\[0\]\.loads\[0\]\.modes\[0\]\.powerMw: must be below/));
  });

  it('reads the demo sites: an ERCOT site with two fleets and an AI tenant, and sites set up differently', () => {
    const { sites } = readSitesFile(DEMO_SITES_FILE);
    const ercot = sites.find((s) => s.market === 'ERCOT')!;
    const fleets = ercot.loads.filter((l) => l.kind === 'mining');
    expect(new Set(fleets.map((l) => (l.kind === 'mining' ? l.efficiencyJPerTh : 0))).size).toBe(2);
    expect(ercot.loads.some((l) => l.kind === 'ai')).toBe(true);
    expect(sites.length).toBeGreaterThanOrEqual(2);
    expect(new Set(sites.map((s) => s.market)).size).toBeGreaterThanOrEqual(2);
  });

  it('reports a missing file and bad JSON by file name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sites-'));
    expect(() => readSitesFile(join(dir, 'nope.json'))).toThrow(/nope\.json: file not found/);
    writeFileSync(join(dir, 'bad.json'), '{ "sites": [ }');
    expect(() => readSitesFile(join(dir, 'bad.json'))).toThrow(/bad\.json: is not valid JSON/);
  });
});

describe('unknown keys in the sites file', () => {
  it.each([
    [(f: ReturnType<typeof base>) => Object.assign(f.sites[0]!, { fourCP: { enabled: true } }), 'sites[0].fourCP', 'fourCp'],
    [(f: ReturnType<typeof base>) => Object.assign(f.sites[0]!, { interconnectMW: 120 }), 'sites[0].interconnectMW', 'interconnectMw'],
    [(f: ReturnType<typeof base>) => Object.assign(f.sites[0]!, { polcy: {} }), 'sites[0].polcy', 'policy'],
    [
      (f: ReturnType<typeof base>) => Object.assign(f.sites[0]!.loads[0]!, { minRunMinute: 30 }),
      'sites[0].loads[0].minRunMinute',
      'minRunMinutes',
    ],
    [
      (f: ReturnType<typeof base>) => Object.assign(f.sites[0]!, { policy: { failSafe: { otherwize: 'RUN' } } }),
      'sites[0].policy.failSafe.otherwize',
      'otherwise',
    ],
  ])('are errors naming the key and the nearest known one (%#)', (edit, path, nearest) => {
    const file = base();
    edit(file);
    expect(issuesOf(file)).toEqual([`${path}: is not a known key (did you mean "${nearest}"?)`]);
  });

  it('names a key that resembles none without a guess', () => {
    const file = base();
    Object.assign(file.sites[0]!, { colour: 'blue' });
    expect(issuesOf(file)).toEqual(['sites[0].colour: is not a known key']);
  });

  it('reports every unknown key of the file at once, and nothing is parsed', () => {
    const file = base();
    Object.assign(file, { version: 2 });
    Object.assign(file.sites[0]!, { fourCP: {}, polcy: {} });
    expect(issuesOf(file)).toHaveLength(3);
  });
});
