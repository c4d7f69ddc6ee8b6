/**
 * `npm run bench`: prints the figures the budgets of DESIGN §7 are checked against.
 * `npm run bench -- engine hourly` runs only the named parts.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

type Bench = () => Promise<Record<string, number | string>>;

const parts: Record<string, { file: string; fn: string }> = {
  engine: { file: './engine.ts', fn: 'benchEngine' },
  hourly: { file: './hourly-run.ts', fn: 'benchHourlyRun' },
  ingest: { file: './ingest.ts', fn: 'benchIngest' },
  backtest: { file: './backtest.ts', fn: 'benchBacktest' },
  api: { file: './api.ts', fn: 'benchApi' },
  bundles: { file: './bundles.ts', fn: 'benchBundles' },
  console: { file: './console.ts', fn: 'benchConsole' },
  agent: { file: './agent.ts', fn: 'benchAgent' },
  reliability: { file: './reliability.ts', fn: 'benchReliability' },
};

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in parts));
if (unknown.length) {
  process.stderr.write(`bench: unknown part(s) ${unknown.join(', ')}; choose from ${Object.keys(parts).join(', ')}\n`);
  process.exit(2);
}
for (const [name, { file, fn }] of Object.entries(parts)) {
  if (wanted.length && !wanted.includes(name)) continue;
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) continue;
  const mod = (await import(file)) as Record<string, Bench>;
  const started = performance.now();
  const figures = await mod[fn]!();
  process.stdout.write(`\n## ${name} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
  const width = Math.max(...Object.keys(figures).map((k) => k.length));
  for (const [k, v] of Object.entries(figures))
    process.stdout.write(`${k.padEnd(width)}  ${typeof v === 'number' ? v.toLocaleString('en-US') : v}\n`);
}
