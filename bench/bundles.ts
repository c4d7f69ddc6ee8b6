/**
 * Lambda bundle budgets (DESIGN §7): each handler bundled exactly as the stack bundles it
 * (infra/bundling.ts), its minified size (≤ 500 KB) and the time plain `node` takes to import it
 * cold, in a fresh process (< 150 ms; the median of several processes).
 *
 *   npx tsx bench/bundles.ts        prints the table; exits 1 when a budget is exceeded
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltBundle, buildBundle, FUNCTION_NAMES } from '../infra/bundling.ts';
import { sitesFilePath, stages } from '../infra/config.ts';

const run = promisify(execFile);

export const BUNDLE_BUDGET_BYTES = 500 * 1024;
export const IMPORT_BUDGET_MS = 150;
const IMPORT_SAMPLES = 5;

/** Milliseconds from `import()` to its resolution, measured inside a fresh `node` process. */
export async function coldImportMs(file: string): Promise<number> {
  const script = 'const t = performance.now(); await import(process.argv[1]); process.stdout.write(String(performance.now() - t));';
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script, pathToFileURL(file).href], {
    env: { PATH: process.env.PATH ?? '' },
  });
  return Number(stdout);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface BundleFigures {
  name: string;
  bytes: number;
  importMs: number;
}

/** Bundles every handler into a temporary folder, measures, and removes the folder. */
export async function measureBundles(): Promise<BundleFigures[]> {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-bundles-'));
  try {
    const sites = sitesFilePath(stages.dev);
    const bundles: BuiltBundle[] = [];
    for (const name of FUNCTION_NAMES) bundles.push(await buildBundle(name, join(root, name), sites));
    const figures: BundleFigures[] = [];
    for (const b of bundles) {
      const samples: number[] = [];
      for (let i = 0; i < IMPORT_SAMPLES; i++) samples.push(await coldImportMs(b.file));
      figures.push({ name: b.name, bytes: b.bytes, importMs: median(samples) });
    }
    return figures;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** For `npm run bench`: `bundle.<name>.kb`, `bundle.<name>.importMs`, and which budgets are exceeded. */
export async function benchBundles(): Promise<Record<string, number | string>> {
  const figures = await measureBundles();
  const out: Record<string, number | string> = {};
  const over: string[] = [];
  for (const f of figures) {
    out[`bundle.${f.name}.kb`] = Math.round(f.bytes / 102.4) / 10;
    out[`bundle.${f.name}.importMs`] = Math.round(f.importMs * 10) / 10;
    if (f.bytes > BUNDLE_BUDGET_BYTES) over.push(`${f.name} size`);
    if (f.importMs >= IMPORT_BUDGET_MS) over.push(`${f.name} import`);
  }
  out['bundle.budget'] =
    `≤ ${BUNDLE_BUDGET_BYTES / 1024} KB minified, import < ${IMPORT_BUDGET_MS} ms: ${over.length ? `EXCEEDED (${over.join(', ')})` : 'met'}`;
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await measureBundles();
  let failed = false;
  for (const f of figures) {
    const sizeOk = f.bytes <= BUNDLE_BUDGET_BYTES;
    const importOk = f.importMs < IMPORT_BUDGET_MS;
    failed ||= !sizeOk || !importOk;
    console.log(
      `${f.name.padEnd(20)} ${(f.bytes / 1024).toFixed(1).padStart(7)} KB ${sizeOk ? 'ok  ' : 'OVER'}   import ${f.importMs.toFixed(1).padStart(6)} ms ${importOk ? 'ok' : 'OVER'}`,
    );
  }
  process.exitCode = failed ? 1 : 0;
}
