/** The intensity series in DynamoDB: ingested from a Fuel Mix workbook file, FINAL replacing INITIAL, printed by the CLI. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { FUEL_MIX_XLSX, ingestWorkbookFile, parseIngestArgs } from '#local/commands/ingest.ts';
import { intensityOutput, parseIntensityArgs } from '#local/commands/intensity.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { freshTable } from '../support/dynamo.ts';
import { type Cell, cellsOf, dayRow, header, workbook } from '../unit/carbon/workbook.ts';

const dir = mkdtempSync(join(tmpdir(), 'carbon-'));
const silent = { out: () => {}, err: () => {} };

/** A day of Coal and Wind: Coal `coal` MWh and Wind `wind` MWh in every quarter hour (100 on the fall-back day). */
function day(date: string, coal: number, wind: number, type: string, count = 96): Cell[][] {
  return [
    dayRow({ date, fuel: 'Coal', type, cells: cellsOf(() => coal, count) }),
    dayRow({ date, fuel: 'Wind', type, cells: cellsOf(() => wind, count) }),
  ];
}

async function file(name: string, sheets: Record<string, Cell[][]>): Promise<string> {
  const path = join(dir, name);
  writeFileSync(path, await workbook(sheets));
  return path;
}

const ingestXlsx = (repo: MarketDataRepository, path: string) =>
  ingestWorkbookFile(repo, { source: FUEL_MIX_XLSX, file: path, skipBadRows: false }, silent);
const csv = (repo: MarketDataRepository, from: string, to: string) =>
  intensityOutput(repo, parseIntensityArgs(['--market', 'ERCOT', '--from', from, '--to', to, '--format', 'csv']));

let repo: MarketDataRepository;
beforeAll(async () => {
  repo = (await freshTable()).repos.marketData;
});

describe('carbon intensity storage and CLI', () => {
  it('accepts ercot-fuel-mix-xlsx as an ingest source', () => {
    expect(parseIngestArgs(['--source', 'ercot-fuel-mix-xlsx', '--file', 'IntGenbyFuel2024.xlsx']).source).toBe(FUEL_MIX_XLSX);
  });

  it('stores one intensity per quarter hour: Σ generation × factor / Σ generation, printed as UTC CSV', async () => {
    // Coal 2,200 lb/MWh: 300 MWh coal + 100 MWh wind → 1,650 lb/MWh.
    const report = await ingestXlsx(repo, await file('initial.xlsx', { Jan: [header(), ...day('2024-01-01', 300, 100, 'INITIAL')] }));
    expect(report).toMatchObject({ rows: 2, intervals: 96, written: 96, rejects: 0 });
    const out = (await csv(repo, '2024-01-01T06:00:00Z', '2024-01-02T06:00:00Z')).trimEnd().split('\n');
    expect(out[0]).toBe('interval_start_utc,lb_co2_per_mwh');
    expect(out).toHaveLength(97);
    expect(out[1]).toBe('2024-01-01T06:00:00Z,1650');
    expect(out[96]).toBe('2024-01-02T05:45:00Z,1650');
    const stored = await repo.getIntensity('ERCOT', 'AVERAGE', Date.parse('2024-01-01T06:00:00Z'), Date.parse('2024-01-01T06:15:00Z'));
    expect(stored).toEqual([
      {
        market: 'ERCOT',
        kind: 'AVERAGE',
        intervalStartMs: Date.parse('2024-01-01T06:00:00Z'),
        intervalMinutes: 15,
        lbCo2PerMwh: 1650,
        generationMwh: 400,
        settlementType: 'INITIAL',
        source: FUEL_MIX_XLSX,
      },
    ]);
  });

  it('FINAL replaces INITIAL, and an INITIAL ingested again does not undo a FINAL', async () => {
    const final = await ingestXlsx(repo, await file('final.xlsx', { Jan: [header(), ...day('2024-01-01', 100, 300, 'FINAL')] }));
    expect(final.written).toBe(96);
    expect((await csv(repo, '2024-01-01T06:00:00Z', '2024-01-01T06:30:00Z')).split('\n')[1]).toBe('2024-01-01T06:00:00Z,550');
    const again = await ingestXlsx(repo, join(dir, 'initial.xlsx'));
    expect([again.intervals, again.written]).toEqual([96, 0]);
    const kept = await repo.getIntensity('ERCOT', 'AVERAGE', Date.parse('2024-01-01T06:00:00Z'), Date.parse('2024-01-02T06:00:00Z'));
    expect(kept.every((p) => p.settlementType === 'FINAL' && p.lbCo2PerMwh === 550)).toBe(true);
  });

  it('prints the 100 quarter hours of the fall-back day and only what is stored', async () => {
    const sheet = [header(true), ...day('2024-11-03', 200, 200, 'FINAL', 100)];
    await ingestXlsx(repo, await file('fallback.xlsx', { Nov: sheet }));
    const rows = (await csv(repo, '2024-11-03T05:00:00Z', '2024-11-04T06:00:00Z')).trimEnd().split('\n').slice(1);
    expect(rows).toHaveLength(100);
    expect(new Set(rows).size).toBe(100);
    expect(rows.every((r) => r.endsWith(',1100'))).toBe(true);
    expect(await csv(repo, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z')).toBe('interval_start_utc,lb_co2_per_mwh\n');
  });

  it('a bad workbook stores nothing and names sheet, row and column', async () => {
    const bad = [header(), dayRow({ date: '2024-02-01', fuel: 'Coal', cells: cellsOf(() => 1).map((c, i) => (i === 3 ? 'n/a' : c)) })];
    const err = await ingestXlsx(repo, await file('bad.xlsx', { Feb: bad })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as Error).message).toMatch(/sheet Feb, row 2.*column H2/);
    expect(await csv(repo, '2024-02-01T06:00:00Z', '2024-02-02T06:00:00Z')).toBe('interval_start_utc,lb_co2_per_mwh\n');
  });
});
