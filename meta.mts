import { build } from 'esbuild';
import { esbuildBuildOptions, handlerEntry } from './infra/bundling.ts';
const name = process.argv[2] as any;
const r = await build({ ...esbuildBuildOptions(handlerEntry(name), '/tmp/meta-out-' + name), metafile: true });
const out = Object.values(r.metafile!.outputs).find((o) => o.entryPoint)!;
console.log('total', out.bytes);
const rows = Object.entries(out.inputs).filter(([f]) => !f.startsWith('node_modules')).sort((a, b) => b[1].bytesInOutput - a[1].bytesInOutput);
for (const [f, v] of rows.slice(0, Number(process.argv[3] ?? 45))) console.log(String(v.bytesInOutput).padStart(7), f);
