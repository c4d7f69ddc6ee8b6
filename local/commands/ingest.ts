/**
 * `switchyard ingest --source <feed> --file <path> [--skip-bad-rows] [--nodes A,B]` (DESIGN §6):
 * parses the whole file first (a bad row stops everything, naming the line and field, and nothing
 * is stored), then writes in batches with a progress bar on stderr when it is a terminal, and
 * ends with a summary line on stdout. Prices recent enough to inform open intervals re-decide them,
 * as a live pull does (local/live-feeds.ts). `ercot-fuel-mix-xlsx` is a binary workbook: it is read
 * whole as bytes and stored as the market's average carbon intensity per quarter hour. The summary
 * counts the prices that changed a stored value (a correction, also written to the audit trail),
 * the new ones and the unchanged ones. Each ingest of a file leaves a start and completion marker:
 * the next ingest of a file whose last ingest did not complete says so, and replaces it.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import cliProgress from 'cli-progress';
import { parseErcotFuelMixWorkbook } from '#adapters/feeds/ercot-fuel-mix.ts';
import { FILE_SOURCES, type FileSource, parseFeedFile } from '#adapters/feeds/registry.ts';
import { batchSize, type IngestReport, ingestBatch } from '#app/ingest.ts';
import { ingestIntensity } from '#app/intensity.ts';
import { newPriceRecorder } from '#app/jobs/price-redecide.ts';
import { iso } from '#domain/time.ts';
import { emissionFactorsFromEnv } from '#functions/shared/intensity.ts';
import type { AuditRepository } from '#ports/audit.ts';
import type { IngestMarker, IngestMarkerRepository } from '#ports/ingest-markers.ts';
import type { MarketDataRepository } from '#ports/market-data.ts';
import { choiceFlag, parseFlags, requireFlag } from '../args.ts';
import { openLocalContext } from '../context.ts';
import { redecideOnPrices } from '../live-feeds.ts';
import { type Command, UsageError } from './types.ts';

/** The workbook source: binary, so not one of the registry's text parsers. */
export const FUEL_MIX_XLSX = 'ercot-fuel-mix-xlsx';
export type IngestSource = FileSource | typeof FUEL_MIX_XLSX;

/** The choices of --source, the workbook listed with the other ERCOT files. */
function ingestSources(): IngestSource[] {
  const lastErcot = FILE_SOURCES.findLastIndex((s) => s.startsWith('ercot-'));
  return [...FILE_SOURCES.slice(0, lastErcot + 1), FUEL_MIX_XLSX, ...FILE_SOURCES.slice(lastErcot + 1)];
}

export interface IngestArgs<S extends IngestSource = FileSource> {
  source: S;
  file: string;
  skipBadRows: boolean;
  nodes?: string[];
}

export interface IngestIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Show a progress bar on this stream (a terminal). */
  progressStream?: NodeJS.WritableStream;
  now?: () => number;
}

/** How many skipped rows and gaps are listed one by one before the rest are counted. */
const LIST_LIMIT = 50;

const n = (x: number) => x.toLocaleString('en-US');
const rate = (rows: number, ms: number) => (ms > 0 ? Math.round((rows / ms) * 1000) : rows);

export function parseIngestArgs(argv: string[]): IngestArgs<IngestSource> {
  const flags = parseFlags(argv, {
    source: { type: 'string' },
    file: { type: 'string' },
    'skip-bad-rows': { type: 'boolean' },
    nodes: { type: 'string' },
  });
  const nodes = flags.nodes
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (flags.nodes !== undefined && !nodes?.length) throw new UsageError('--nodes must list settlement points, e.g. HB_HUBAVG,HB_WEST');
  return {
    source: choiceFlag(flags.source, 'source', ingestSources()),
    file: requireFlag(flags.file, 'file'),
    skipBadRows: flags['skip-bad-rows'] ?? false,
    ...(nodes ? { nodes } : {}),
  };
}

/** The warning printed when the last ingest of the file stopped half-way. */
export function unfinishedWarning(file: string, m: IngestMarker): string {
  return (
    `the earlier ingest of ${file} (started ${iso(m.startedAtMs)}, ${n(m.written)} of ${n(m.expected)} points stored) did not complete; ` +
    'this ingest replaces it\n'
  );
}

/** Parses and stores one file; returns the report (the command prints it). */
export async function ingestFile(
  repo: MarketDataRepository,
  args: IngestArgs,
  io: IngestIo,
  audit?: AuditRepository,
  markers?: IngestMarkerRepository,
): Promise<IngestReport> {
  const now = io.now ?? (() => performance.now());
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --file ${args.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const file = basename(args.file);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const t0 = now();
  const batch = parseFeedFile(args.source, text, { skipBadRows: args.skipBadRows, ...(args.nodes ? { nodes: args.nodes } : {}) });
  const parseMs = now() - t0;

  for (const r of batch.rejects.slice(0, LIST_LIMIT)) io.err(`skipped line ${r.line}${r.field ? `: ${r.field}` : ''}: ${r.message}\n`);
  if (batch.rejects.length > LIST_LIMIT) io.err(`… and ${n(batch.rejects.length - LIST_LIMIT)} more skipped rows\n`);
  for (const g of batch.gaps.slice(0, LIST_LIMIT))
    io.err(`gap: ${g.series} ${iso(g.fromMs)} .. ${iso(g.toMs)} (${n(g.missingIntervals)} intervals missing)\n`);
  if (batch.gaps.length > LIST_LIMIT) io.err(`… and ${n(batch.gaps.length - LIST_LIMIT)} more gaps\n`);

  const total = batchSize(batch);
  const bar =
    io.progressStream && total > 0
      ? new cliProgress.SingleBar(
          {
            stream: io.progressStream,
            format: `ingest ${args.source} {bar} {percentage}% | {value}/{total} points | {eta_formatted} left`,
            hideCursor: true,
            etaBuffer: 20,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  bar?.start(total, 0);
  const t1 = now();
  let report: IngestReport;
  try {
    report = await ingestBatch(repo, batch, {
      onProgress: (done) => bar?.update(done),
      target: { kind: 'file', source: args.source, name: file, hash },
      actor: `cli:${args.source}`,
      onUnfinished: (m) => io.err(unfinishedWarning(file, m)),
      ...(audit ? { audit } : {}),
      ...(markers ? { markers } : {}),
    });
  } finally {
    bar?.stop();
  }
  const writeMs = now() - t1;
  for (const d of report.dayAhead ?? []) {
    const rev = (r: { version: number; state: string }) => `${r.state} version ${r.version}`;
    const what =
      d.outcome === 'replaced'
        ? `replaced ${rev(d.previous!)} with ${rev(d.revision)}`
        : d.outcome === 'kept'
          ? `kept the stored ${rev(d.revision)}`
          : `stored ${rev(d.revision)}`;
    io.err(`day-ahead ${d.area} ${d.deliveryDay}: ${what}\n`);
  }
  const written = Object.values(report.written).reduce((a, b) => a + b, 0);
  const parts = Object.entries(report.written)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${n(v)} ${k}`);
  const p = report.prices;
  const changes = batch.prices?.length ? ` (${n(p.changed)} changed, ${n(p.new)} new, ${n(p.unchanged)} unchanged)` : '';
  for (const c of report.changedSample.slice(0, 5))
    io.err(`changed: ${c.series} ${iso(c.intervalStartMs)} ${c.oldCurrency ? `${c.old} ${c.oldCurrency}` : c.old} → ${c.new}\n`);
  if (p.changed > 5) io.err(`… and ${n(p.changed - 5)} more changed prices (the audit trail lists ${report.changedSample.length})\n`);
  io.out(
    `ingested ${file} as ${args.source}: ${n(batch.rows)} rows, ${parts.join(', ') || 'nothing'} written${changes}, ` +
      `${n(batch.rejects.length)} skipped, ${n(batch.duplicates)} duplicates, ${n(batch.gaps.length)} gaps; ` +
      `parse ${Math.round(parseMs)} ms (${n(rate(batch.rows, parseMs))} rows/s), write ${(writeMs / 1000).toFixed(1)} s (${n(rate(written, writeMs))} rows/s)\n`,
  );
  return report;
}

export interface WorkbookIngestReport {
  source: typeof FUEL_MIX_XLSX;
  rows: number;
  /** Quarter hours with an intensity, and those written (the others were stored already with a more settled run). */
  intervals: number;
  written: number;
  rejects: number;
}

/** Parses an ERCOT Fuel Mix Report workbook and stores its intensity series. */
export async function ingestWorkbookFile(
  repo: MarketDataRepository,
  args: IngestArgs<typeof FUEL_MIX_XLSX>,
  io: IngestIo,
): Promise<WorkbookIngestReport> {
  const now = io.now ?? (() => performance.now());
  let bytes: Buffer;
  try {
    bytes = readFileSync(args.file);
  } catch (err) {
    throw new Error(`cannot read --file ${args.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const t0 = now();
  const parsed = await parseErcotFuelMixWorkbook(bytes, { skipBadRows: args.skipBadRows });
  const parseMs = now() - t0;
  for (const r of parsed.rejects.slice(0, LIST_LIMIT))
    io.err(`skipped sheet ${r.sheet} row ${r.line}${r.field ? `: ${r.field}` : ''}: ${r.message}\n`);
  if (parsed.rejects.length > LIST_LIMIT) io.err(`… and ${n(parsed.rejects.length - LIST_LIMIT)} more skipped rows\n`);
  for (const g of parsed.gaps.slice(0, LIST_LIMIT))
    io.err(`gap: ${g.series} ${iso(g.fromMs)} .. ${iso(g.toMs)} (${n(g.missingIntervals)} intervals missing)\n`);
  const t1 = now();
  const { points, written } = await ingestIntensity(repo, parsed.points, FUEL_MIX_XLSX, emissionFactorsFromEnv());
  const writeMs = now() - t1;
  io.out(
    `ingested ${basename(args.file)} as ${FUEL_MIX_XLSX}: ${n(parsed.rows)} rows in ${parsed.sheets.length} sheets, ` +
      `${n(points)} quarter hours of intensity, ${n(written)} written (${n(points - written)} already more settled), ` +
      `${n(parsed.rejects.length)} skipped; parse ${Math.round(parseMs)} ms, write ${(writeMs / 1000).toFixed(1)} s\n`,
  );
  return { source: FUEL_MIX_XLSX, rows: parsed.rows, intervals: points, written, rejects: parsed.rejects.length };
}

export const ingest: Command = {
  name: 'ingest',
  summary: 'parse a market-data file and store it',
  usage: `switchyard ingest --source <${ingestSources().join('|')}> --file <path> [--skip-bad-rows] [--nodes HB_HUBAVG,…]`,
  async run(argv) {
    const args = parseIngestArgs(argv);
    const ctx = await openLocalContext();
    try {
      const io: IngestIo = {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        ...(process.stderr.isTTY ? { progressStream: process.stderr } : {}),
      };
      const { source } = args;
      if (source === FUEL_MIX_XLSX) {
        await ingestWorkbookFile(ctx.repos.marketData, { ...args, source }, io);
        return 0;
      }
      const recorder = newPriceRecorder(ctx.repos.marketData);
      await ingestFile(recorder.repo, { ...args, source }, io, ctx.repos.audit, ctx.repos.ingests);
      const stored = recorder.stored(ctx.clock.nowMs());
      if (stored.length > 0) {
        try {
          const { written, errors } = await redecideOnPrices(ctx, stored);
          process.stdout.write(`re-decided on the new prices: ${written} revisions\n`);
          for (const e of errors) process.stderr.write(`re-decision failed: ${e}\n`);
        } catch (err) {
          // The prices are stored: the hourly run decides with them if this could not.
          process.stderr.write(`prices stored; the open intervals they inform were not re-decided: ${(err as Error).message}\n`);
        }
      }
      return 0;
    } finally {
      await ctx.close();
    }
  },
};
